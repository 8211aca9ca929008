package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wagate/wagate/client"
)

// apiError is an answer other than the import's record, as the client package reads one: the
// envelope's code, message and details, or the start of a body that is not the envelope (a
// proxy's page). The typed client does this for the operations it wraps; an upload of a
// stream goes through the generated client, which leaves the body to its caller.
func apiError(resp *http.Response, body []byte) *client.APIError {
	e := &client.APIError{Status: resp.StatusCode}
	var envelope client.Error
	if json.Unmarshal(body, &envelope) == nil && envelope.Error.Code != "" {
		e.Code, e.Message, e.Details = envelope.Error.Code, envelope.Error.Message, envelope.Error.Details
		return e
	}
	const most = 200
	e.Message = strings.TrimSpace(string(body[:min(len(body), most)]))
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
