package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wagate/wagate/client"
)

// apiError is an answer other than the import's record, as the client package reads one
// (client.ErrorOf); an empty body says so.
func apiError(resp *http.Response, body []byte) *client.APIError {
	e := client.ErrorOf(resp, body)
	if e.Message == "" {
		e.Message = "(no body)"
	}
	return e
}

// describeAPIError is the error envelope in one line: status, code and message, then what
// the details point at (the inputs at fault, the import's record, the file's line).
func describeAPIError(e *client.APIError) error {
	var b strings.Builder
	fmt.Fprintf(&b, "the server answered %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	} else {
		fmt.Fprintf(&b, " %s", http.StatusText(e.Status))
	}
	fmt.Fprintf(&b, ": %s", e.Message)
	for _, f := range e.FieldErrors() {
		// A message about one input often is that input's error already: say it once.
		if !strings.Contains(e.Message, f.Message) {
			fmt.Fprintf(&b, "; %s %s: %s", f.In, f.Field, f.Message)
		}
	}
	// A file that stops being CSV or JSON midway: the import was recorded, and the line says where.
	if id, ok := e.Details["importId"].(string); ok && id != "" {
		fmt.Fprintf(&b, "; import %s (GET /api/v1/imports/%s)", id, id)
	}
	if line, ok := e.Details["line"].(float64); ok {
		fmt.Fprintf(&b, "; line %d of the file", int64(line))
	}
	if id, ok := e.Details["requestId"].(string); ok && id != "" {
		fmt.Fprintf(&b, "; request %s", id)
	}
	return errors.New(b.String())
}
