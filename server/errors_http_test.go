package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/wagate/wagate/client"
)

// TestEveryErrorIsTheEnvelope covers the errors no handler writes: routing, methods, sizes,
// panics.
func TestEveryErrorIsTheEnvelope(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		status, body, _ := h.do("GET", "/api/v1/nope", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)
		status, body, _ = h.do("GET", "/nope", "")
		envelope(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)
		status, body, _ = h.do("PUT", "/api/v1/me", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusMethodNotAllowed, client.ErrorCodeMethodNotAllowed)
		status, body, _ = h.do("DELETE", "/healthz", "")
		envelope(t, status, body, http.StatusMethodNotAllowed, client.ErrorCodeMethodNotAllowed)

		// The panic route is no operation of the spec: the validator refuses to route it, so
		// mount it where the validator does not look to reach the recovery.
		status, body, _ = h.do("GET", "/docs/nope.js", "")
		envelope(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)

		h.echo.GET("/test-panic", func(echo.Context) error { panic("boom") })
		status, body, _ = h.do("GET", "/test-panic", "")
		e := envelope(t, status, body, http.StatusInternalServerError, client.ErrorCodeInternal)
		if id, _ := e.Details["requestId"].(string); e.Message != "internal error" || id == "" || strings.Contains(string(body), "boom") {
			t.Fatalf("panic answer leaks or lacks the request id: %s", body)
		}
		if status, _, _ := h.do("GET", "/healthz", ""); status != http.StatusOK {
			t.Fatal("the server did not survive the panic")
		}
	})
}
