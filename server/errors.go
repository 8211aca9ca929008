package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// apiError is an error on its way to the client, in the one envelope.
type apiError struct {
	Status  int
	Code    gen.ErrorCode
	Message string
	Details map[string]any
	Cause   error // logged, never shown
	// Disconnected says the client went away before it got the answer: the access log says
	// so at INFO, since nothing on the server failed.
	Disconnected bool
}

func (e *apiError) Error() string { return e.Message }
func (e *apiError) Unwrap() error { return e.Cause }

func newAPIError(status int, code gen.ErrorCode, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(key string, value any) *apiError {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// fieldError is one entry of a validation_error's details.fields.
type fieldError struct {
	Field   string `json:"field"`
	In      string `json:"in"`
	Message string `json:"message"`
}

// invalid is a 400 naming the fields at fault; its message is the first problem's.
func invalid(fields ...fieldError) *apiError {
	msg := "request validation failed"
	if len(fields) > 0 {
		f := fields[0]
		msg = fmt.Sprintf("%s: %s", fieldPlace(f), f.Message)
		if len(fields) > 1 {
			msg += fmt.Sprintf(" (and %d more problems; see details.fields)", len(fields)-1)
		}
	}
	return newAPIError(http.StatusBadRequest, gen.ErrorCodeValidationError, "%s", msg).with("fields", fields)
}

// fieldPlace names where a field is, for a message: "query parameter limit", "body field
// /phone", "request body".
func fieldPlace(f fieldError) string {
	switch {
	case f.In == "body" && f.Field == "":
		return "request body"
	case f.In == "body":
		return "body field " + f.Field
	default:
		return f.In + " parameter " + f.Field
	}
}

// storeStatus maps the store's error codes to the envelope: the one table between storage
// and HTTP.
var storeStatus = map[string]struct {
	status int
	code   gen.ErrorCode
}{
	store.ENOTFOUND: {http.StatusNotFound, gen.ErrorCodeNotFound},
	store.ECONFLICT: {http.StatusConflict, gen.ErrorCodeConflict},
	store.EINVALID:  {http.StatusBadRequest, gen.ErrorCodeValidationError},
}

// echoStatus names the codes of the errors Echo raises itself (routing, binding).
var echoStatus = map[int]gen.ErrorCode{
	http.StatusBadRequest:            gen.ErrorCodeValidationError,
	http.StatusUnauthorized:          gen.ErrorCodeUnauthorized,
	http.StatusForbidden:             gen.ErrorCodeForbidden,
	http.StatusNotFound:              gen.ErrorCodeNotFound,
	http.StatusMethodNotAllowed:      gen.ErrorCodeMethodNotAllowed,
	http.StatusRequestEntityTooLarge: gen.ErrorCodePayloadTooLarge,
	http.StatusTooManyRequests:       gen.ErrorCodeRateLimited,
	http.StatusServiceUnavailable:    gen.ErrorCodeUnavailable,
}

// toAPIError turns any error a handler, middleware or Echo returns into the envelope.
func toAPIError(c echo.Context, err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return payloadTooLarge(tooLarge.Limit)
	}
	var se *store.Error
	if errors.As(err, &se) {
		if se.Code == store.EINVALID && se.Field != "" {
			return invalid(fieldError{Field: "/" + se.Field, In: "body", Message: se.Message})
		}
		m := storeStatus[se.Code]
		return &apiError{Status: m.status, Code: m.code, Message: se.Message, Details: se.Details}
	}
	if fields := bindingFields(c, err); fields != nil {
		return invalid(fields...)
	}
	if store.IsUnavailable(err) {
		return &apiError{Status: http.StatusServiceUnavailable, Code: gen.ErrorCodeUnavailable,
			Message: "the database is not reachable; retry later", Cause: err}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if he.Internal != nil {
			if inner := toAPIError(c, he.Internal); inner.Status != http.StatusInternalServerError {
				return inner
			}
		}
		if code, ok := echoStatus[he.Code]; ok {
			return &apiError{Status: he.Code, Code: code, Message: echoMessage(c, he), Cause: err}
		}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: gen.ErrorCodeInternal, Message: "internal error", Cause: err}
}

// echoMessage words Echo's own errors for a client.
func echoMessage(c echo.Context, he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return fmt.Sprintf("no route for %s %s", c.Request().Method, c.Request().URL.Path)
	case http.StatusMethodNotAllowed:
		return fmt.Sprintf("method %s is not allowed on %s", c.Request().Method, c.Request().URL.Path)
	}
	if msg, ok := he.Message.(string); ok && msg != "" {
		return msg
	}
	return http.StatusText(he.Code)
}

func payloadTooLarge(limit int64) *apiError {
	return newAPIError(http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge,
		"request body is larger than %d bytes", limit).with("limitBytes", limit)
}

// errorHandler is Echo's HTTPErrorHandler: every error response leaves through here.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		ae := toAPIError(c, err)
		if ae.Status >= http.StatusInternalServerError && clientGone(c) {
			// The failure is the cancellation's doing (a query interrupted, a fetch cut off).
			ae = cancelled(err)
		}
		if ae.Disconnected {
			c.Set(disconnectedKey, err)
		} else if ae.Status >= http.StatusInternalServerError {
			c.Set(failureKey, err) // the access log's line for this request carries it
			if ae.Code == gen.ErrorCodeInternal {
				ae = ae.with("requestId", requestID(c))
			}
		}
		details := ae.Details
		if details == nil {
			details = map[string]any{}
		}
		body := gen.Error{Error: gen.ErrorBody{Code: ae.Code, Message: ae.Message, Details: details}}
		if err := c.JSON(ae.Status, body); err != nil {
			log.WarnContext(c.Request().Context(), "writing an error response failed", "error", err)
		}
	}
}
