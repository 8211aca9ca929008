package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// bindingFields words the errors of the generated code's own decoding as field errors. The
// validator has passed the request by then, so these are the cases JSON Schema cannot see:
// "contactListId": 1.0 or 2^63 is an integer to kin-openapi but no int64 to Go, and
// "?phone=a&phone=b" is two values for one. Returns nil for other errors.
func bindingFields(c echo.Context, err error) []fieldError {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusBadRequest {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(he.Internal, &typeErr) {
		return []fieldError{{Field: "/" + strings.ReplaceAll(typeErr.Field, ".", "/"), In: "body",
			Message: "must be " + goKind(typeErr.Type)}}
	}
	// The generated wrappers say "Invalid format for parameter NAME: why".
	msg, _ := he.Message.(string)
	if rest, ok := strings.CutPrefix(msg, "Invalid format for parameter "); ok {
		name, why, _ := strings.Cut(rest, ": ")
		in := "query"
		if c != nil && slices.Contains(c.ParamNames(), name) {
			in = "path"
		}
		return []fieldError{{Field: name, In: in, Message: "is malformed: " + why}}
	}
	return nil
}

// goKind says what a Go type takes, in a client's words.
func goKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number that fits in " + t.Kind().String()
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value of another type"
}
