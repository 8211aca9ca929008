package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"
)

// newValidator checks every request under /api/ against the spec before a handler sees it:
// parameters, and bodies (types, required, enums, bounds, patterns, unknown properties).
// Credentials are not its business: authenticate has checked them, and spec has none left
// (withoutSecurity). The rest (health, the spec, the docs page) takes no input.
//
// An operation that streams its body (the import) has its parameters checked here and its
// body left alone: kin-openapi would read all of it first. Its handler checks each row.
func newValidator(spec *openapi3.T, ops operations) echo.MiddlewareFunc {
	onAPI := func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }
	streamed := func(c echo.Context) bool {
		op := ops.of(c)
		return op != nil && op.streamedBody
	}
	bodies := validator(spec, false, func(c echo.Context) bool { return !onAPI(c) || streamed(c) })
	params := validator(spec, true, func(c echo.Context) bool { return !onAPI(c) || !streamed(c) })
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return bodies(params(next))
	}
}

// validator is kin-openapi's request validator, with or without bodies, skipping what skip says.
func validator(spec *openapi3.T, withoutBodies bool, skip func(echo.Context) bool) echo.MiddlewareFunc {
	return echomiddleware.OapiRequestValidatorWithOptions(spec, &echomiddleware.Options{
		Options: openapi3filter.Options{
			ExcludeRequestBody: withoutBodies,
			// Report every problem of a request at once, not the first.
			MultiError: true,
			// Hand the handler the value that was validated: decoding the body a second time
			// with encoding/json matches names case-insensitively, so where a schema allows
			// other properties, {"role":"user","ROLE":"x"} would slip an unvalidated value past
			// an enum. (Our bodies also forbid unknown properties, which refuses it outright.)
			KeepValidatedValue: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(validEmail)),
				openapi3.WithStringFormatValidator("date-time", openapi3.NewCallbackValidator(validDateTime)),
			},
		},
		MultiErrorHandler: func(me openapi3.MultiError) *echo.HTTPError {
			err := requestProblem(me)
			return &echo.HTTPError{Code: toStatus(err), Internal: err}
		},
		// The spec's servers entry is for clients (Postman's base URL); matching it would
		// make the validator compare Host headers.
		DoNotValidateServers:  true,
		SilenceServersWarning: true,
		Skipper:               skip,
	})
}

func toStatus(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return http.StatusInternalServerError
}

// validEmail accepts a bare address as net/mail reads it; the same rule the generated models
// apply when they decode an email, so the two never disagree.
func validEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return errors.New("must be an email address such as name@example.com")
	}
	return nil
}

// validDateTime accepts RFC 3339 times whose UTC form both databases and JSON can carry:
// "9999-12-31T23:59:59-12:00" is year 10000 in UTC, which would be stored and then fail every
// response that includes it.
func validDateTime(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return errors.New("must be an RFC 3339 date-time such as 2025-03-28T14:22:00Z")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return errors.New("must fall between the years 0001 and 9999 in UTC")
	}
	return nil
}

// refuseNUL answers 400 for a body holding the NUL character anywhere (a value or a key):
// PostgreSQL cannot store it in text or jsonb, and SQLite can, so without this the two
// databases would disagree, one of them with a 500. JSON can only carry it escaped (\u0000).
func refuseNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if v, ok := c.Request().Body.(interface{ ValidatedValue() any }); ok {
			if at, found := findNUL(v.ValidatedValue(), ""); found {
				return invalid(fieldError{Field: at, In: "body", Message: "must not contain the NUL character (\\u0000)"})
			}
		}
		return next(c)
	}
}

// findNUL returns the JSON pointer of the first string (value or key) in v holding a NUL.
func findNUL(v any, at string) (string, bool) {
	switch v := v.(type) {
	case string:
		return at, strings.ContainsRune(v, 0)
	case map[string]any:
		for k, member := range v {
			if strings.ContainsRune(k, 0) {
				return at, true
			}
			if p, found := findNUL(member, at+"/"+k); found {
				return p, true
			}
		}
	case []any:
		for i, item := range v {
			if p, found := findNUL(item, at+"/"+strconv.Itoa(i)); found {
				return p, true
			}
		}
	}
	return "", false
}

// requestProblem turns everything kin-openapi found wrong with a request into one 400 listing
// each field. The body it reads is strictBody's copy in memory: a body too large, or one that
// could not be read, was answered there.
func requestProblem(me openapi3.MultiError) error {
	var fields []fieldError
	for _, err := range me {
		var re *openapi3filter.RequestError
		if !errors.As(err, &re) {
			return fmt.Errorf("unexpected validation failure: %w", err)
		}
		fields = append(fields, requestFields(re)...)
	}
	return invalid(fields...)
}

// requestFields words one kin-openapi RequestError as field errors.
func requestFields(re *openapi3filter.RequestError) []fieldError {
	if p := re.Parameter; p != nil {
		return []fieldError{{Field: p.Name, In: p.In, Message: reason(re)}}
	}
	var nested openapi3.MultiError
	if errors.As(re.Err, &nested) {
		var out []fieldError
		for _, err := range nested {
			out = append(out, bodyField(err))
		}
		return out
	}
	return []fieldError{bodyField(re)}
}

// bodyField names a body problem by the JSON pointer of the value at fault ("" for the body
// itself).
func bodyField(err error) fieldError {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		field := ""
		if ptr := se.JSONPointer(); len(ptr) > 0 {
			field = "/" + strings.Join(ptr, "/")
		}
		return fieldError{Field: field, In: "body", Message: se.Reason}
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		return fieldError{In: "body", Message: reason(re)}
	}
	return fieldError{In: "body", Message: err.Error()}
}

// reason is a RequestError's message without kin-openapi's dump of schemas and values.
func reason(re *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return "is required"
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		return "must not be empty"
	case errors.As(re.Err, &se):
		return se.Reason
	case re.RequestBody != nil && re.Reason == "failed to decode request body":
		return "is not valid JSON"
	case re.Reason != "" && re.Err != nil:
		return re.Reason + ": " + re.Err.Error()
	case re.Reason != "":
		return re.Reason
	case re.Err != nil:
		return re.Err.Error()
	}
	return "is invalid"
}
