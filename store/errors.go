package store

import (
	"errors"
	"fmt"
)

// Error codes a caller can act on. The HTTP layer maps each to a status in one table.
const (
	ENOTFOUND = "not_found" // the resource does not exist in the caller's organization
	ECONFLICT = "conflict"  // the change would break a uniqueness rule
	EINVALID  = "invalid"   // the input breaks a rule the store enforces
	EBUSY     = "busy"      // the store is doing as much of this as it takes at once: retry later
)

// Error is a failure with a code, a message fit for an API client and optional details.
type Error struct {
	Code    string
	Message string
	Details map[string]any
	// Field names the input at fault, for EINVALID: the field's name as callers spell it
	// (name, expiresAt, ...). Empty when no single field is.
	Field string
}

func (e *Error) Error() string { return e.Message }

// Kind returns Code: the store's codes are the kinds a caller maps to its answers.
func (e *Error) Kind() string { return e.Code }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid is an EINVALID error on field.
func invalid(field, format string, args ...any) *Error {
	e := errorf(EINVALID, format, args...)
	e.Field = field
	return e
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, or "" otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
