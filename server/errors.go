package server

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
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
	// Planned says the answer is by design, not a failure (/readyz while the server drains):
	// the access log keeps it at INFO, though its status is a 5xx.
	Planned bool
}

func (e *apiError) Error() string { return e.Message }
func (e *apiError) Unwrap() error { return e.Cause }

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
	return newError(kindInvalid, "%s", msg).with("fields", fields)
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

// kind is a class of failure that the API answers one way. Errors of other packages name
// theirs with a Kind method returning a code of their package (store.ENOTFOUND,
// phone.EINVALID, loginjwt.EREFUSED); the server names its own below, and Echo's by status
// (echoKinds).
type kind string

// The server's own kinds.
const (
	kindInvalid          kind = "invalid_request"
	kindUnauthorized     kind = "unauthorized"
	kindForbidden        kind = "forbidden"
	kindNoRoute          kind = "no_route"
	kindMethodNotAllowed kind = "method_not_allowed"
	kindTooLarge         kind = "payload_too_large"
	kindUnsupportedMedia kind = "unsupported_media_type"
	kindRateLimited      kind = "rate_limited"
	kindUnavailable      kind = "unavailable" // the database, by store.IsUnavailable, or a cancelled request
	kindInternal         kind = "internal"
)

// answer is what the API says for a kind: the status, and the envelope's code.
type answer struct {
	status int
	code   gen.ErrorCode
}

// answers is the one table between failures and the envelope. A kind it lacks is answered
// as kindInternal, a 500: a new kind that reaches the API before its row does is a fault to
// fix, never a panic or a status 0. (Two rows for one constant do not compile.) An error
// with a RetryAfter() time.Duration method gets a Retry-After header whatever its kind (the
// WhatsApp adapter's rate limit brings one).
var answers = map[kind]answer{
	kindInvalid:          {http.StatusBadRequest, gen.ErrorCodeValidationError},
	kindUnauthorized:     {http.StatusUnauthorized, gen.ErrorCodeUnauthorized},
	kindForbidden:        {http.StatusForbidden, gen.ErrorCodeForbidden},
	kindNoRoute:          {http.StatusNotFound, gen.ErrorCodeNotFound},
	kindMethodNotAllowed: {http.StatusMethodNotAllowed, gen.ErrorCodeMethodNotAllowed},
	kindTooLarge:         {http.StatusRequestEntityTooLarge, gen.ErrorCodePayloadTooLarge},
	kindUnsupportedMedia: {http.StatusUnsupportedMediaType, gen.ErrorCodeUnsupportedMediaType},
	kindRateLimited:      {http.StatusTooManyRequests, gen.ErrorCodeRateLimited},
	kindUnavailable:      {http.StatusServiceUnavailable, gen.ErrorCodeUnavailable},
	kindInternal:         {http.StatusInternalServerError, gen.ErrorCodeInternal},

	store.ENOTFOUND: {http.StatusNotFound, gen.ErrorCodeNotFound},
	store.ECONFLICT: {http.StatusConflict, gen.ErrorCodeConflict},
	store.EINVALID:  {http.StatusBadRequest, gen.ErrorCodeValidationError},
	store.EBUSY:     {http.StatusServiceUnavailable, gen.ErrorCodeUnavailable},

	phone.EINVALID: {http.StatusBadRequest, gen.ErrorCodeValidationError},

	loginjwt.EREFUSED:         {http.StatusUnauthorized, gen.ErrorCodeUnauthorized},
	loginjwt.EKEYSUNAVAILABLE: {http.StatusServiceUnavailable, gen.ErrorCodeUnavailable},

	// A session that is not connected cannot do a live lookup: 501, as WhatsApp gateways answer it.
	whatsapp.ENOTCONNECTED: {http.StatusNotImplemented, gen.ErrorCodeNotImplemented},
	whatsapp.ERATELIMITED:  {http.StatusTooManyRequests, gen.ErrorCodeRateLimited},
	// WhatsApp not answering in time is a passing failure of an upstream: "retry later".
	whatsapp.ETIMEOUT:     {http.StatusServiceUnavailable, gen.ErrorCodeUnavailable},
	whatsapp.EUNAVAILABLE: {http.StatusServiceUnavailable, gen.ErrorCodeUnavailable},
	whatsapp.EINVALID:     {http.StatusBadRequest, gen.ErrorCodeValidationError},
	whatsapp.ECONFLICT:    {http.StatusConflict, gen.ErrorCodeConflict},
	whatsapp.ENOTFOUND:    {http.StatusNotFound, gen.ErrorCodeNotFound},
	// WhatsApp answered, with an error of its own: the upstream failed, not the request.
	whatsapp.EUPSTREAM: {http.StatusBadGateway, gen.ErrorCodeBadGateway},
}

// answerFor looks k up in the table; ok is false for a kind the table lacks, answered as
// internal.
func answerFor(k kind) (a answer, ok bool) {
	if a, ok = answers[k]; !ok {
		a = answers[kindInternal]
	}
	return a, ok
}

// newError is an error of kind k on its way to the client.
func newError(k kind, format string, args ...any) *apiError {
	a, _ := answerFor(k)
	return &apiError{Status: a.status, Code: a.code, Message: fmt.Sprintf(format, args...)}
}

// echoKinds names the kinds of the errors Echo raises itself (routing, binding), by status.
var echoKinds = map[int]kind{
	http.StatusBadRequest:            kindInvalid,
	http.StatusUnauthorized:          kindUnauthorized,
	http.StatusForbidden:             kindForbidden,
	http.StatusNotFound:              kindNoRoute,
	http.StatusMethodNotAllowed:      kindMethodNotAllowed,
	http.StatusRequestEntityTooLarge: kindTooLarge,
	http.StatusTooManyRequests:       kindRateLimited,
	http.StatusServiceUnavailable:    kindUnavailable,
}

// kinded is an error of another package that names its kind.
type kinded interface{ Kind() string }

// internal is the answer to a failure the client cannot act on; the cause is logged only.
func internal(err error) *apiError {
	a := answers[kindInternal]
	return &apiError{Status: a.status, Code: a.code, Message: "internal error", Cause: err}
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
	if errors.As(err, &se) && se.Code == store.EINVALID && se.Field != "" {
		return invalid(fieldError{Field: "/" + se.Field, In: "body", Message: se.Message})
	}
	var k kinded
	if errors.As(err, &k) {
		a, ok := answerFor(kind(k.Kind()))
		if !ok {
			return internal(err)
		}
		ae := &apiError{Status: a.status, Code: a.code, Message: k.(error).Error(), Cause: err}
		if se != nil {
			ae.Details = se.Details
		}
		return ae
	}
	if fields := bindingFields(c, err); fields != nil {
		return invalid(fields...)
	}
	if store.IsUnavailable(err) {
		ae := newError(kindUnavailable, "the database is not reachable; retry later")
		ae.Cause = err
		return ae
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if he.Internal != nil {
			if inner := toAPIError(c, he.Internal); inner.Status != http.StatusInternalServerError {
				return inner
			}
		}
		if k, ok := echoKinds[he.Code]; ok {
			ae := newError(k, "%s", echoMessage(c, he))
			ae.Cause = err
			return ae
		}
	}
	return internal(err)
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
	return newError(kindTooLarge, "request body is larger than %d bytes", limit).with("limitBytes", limit)
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
		switch {
		case ae.Disconnected:
			c.Set(disconnectedKey, cmp.Or(ae.Cause, err)) // the socket's words, not the wrappers'
		case ae.Planned:
			c.Set(plannedKey, true)
		case ae.Status >= http.StatusInternalServerError:
			c.Set(failureKey, err) // the access log's line for this request carries it
			if ae.Code == gen.ErrorCodeInternal {
				ae = ae.with("requestId", requestID(c))
			}
		}
		var later interface{ RetryAfter() time.Duration }
		if errors.As(err, &later) && later.RetryAfter() > 0 { // zero: the error does not say
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(later.RetryAfter().Seconds()))))
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
