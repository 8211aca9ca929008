package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is any answer of wagate other than 2xx: its HTTP status and the error envelope's
// code, message and details. Find it with errors.As:
//
//	var apiErr *client.APIError
//	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound { … }
type APIError struct {
	Status  int       // the HTTP status, such as 404
	Code    ErrorCode // the envelope's code, such as ErrorCodeNotFound; empty when the body is not the envelope
	Message string    // the envelope's message, for people; or the start of a body that is not the envelope
	// Details are the envelope's machine-readable specifics, such as "fields" for a
	// validation_error (see FieldErrors) or "requestId" for internal.
	Details map[string]any
	// RetryAfter is the wait the server asked for in Retry-After (429, 503), zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("wagate: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	}
	return fmt.Sprintf("wagate: %d %s: %s", e.Status, e.Code, e.Message)
}

// FieldError is one entry of a validation_error's details.fields: which input is wrong and why.
type FieldError struct {
	Field   string `json:"field"`   // a parameter name, or a JSON pointer into the body such as /tags/0
	In      string `json:"in"`      // query, path, header or body
	Message string `json:"message"` // why
}

// FieldErrors are the inputs a validation_error names, or none for any other error.
func (e *APIError) FieldErrors() []FieldError {
	raw, err := json.Marshal(e.Details["fields"])
	if err != nil {
		return nil
	}
	var fields []FieldError
	if json.Unmarshal(raw, &fields) != nil {
		return nil
	}
	return fields
}

// answer is nil for a 2xx response the generated client decoded (decoded is false when the
// declared body did not come, for example another content type), or the error it stands for.
func answer(resp *http.Response, body []byte, decoded bool) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if decoded {
			return nil
		}
		return fmt.Errorf("wagate: %d response with Content-Type %q is not the declared body", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return ErrorOf(resp, body)
}

// ErrorOf reads an answer that is not a 2xx as the error it stands for: the envelope's code,
// message and details, or, for a body that is not wagate's envelope (a proxy's page), its
// start. The typed client's methods do this themselves; a caller of a generated method (an
// upload streamed with ImportContactsWithBody, say) calls it with the response and its body.
func ErrorOf(resp *http.Response, body []byte) *APIError {
	e := &APIError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	var envelope Error
	if json.Unmarshal(body, &envelope) == nil && envelope.Error.Code != "" {
		e.Code, e.Message, e.Details = envelope.Error.Code, envelope.Error.Message, envelope.Error.Details
		return e
	}
	// Not wagate's envelope (a proxy's page, say): keep enough of it to tell what answered.
	const most = 200
	e.Message = strings.TrimSpace(string(body[:min(len(body), most)]))
	return e
}

// retryAfter reads Retry-After in either of its forms: seconds, or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
