package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestBodyLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		big := `{"name":"` + strings.Repeat("x", 3000) + `"}`
		// Declared too large: refused before reading.
		status, body, _ := h.do("POST", "/api/v1/contact-lists", big, "X-API-Key", h.admin)
		e := envelope(t, status, body, http.StatusRequestEntityTooLarge, client.ErrorCodePayloadTooLarge)
		if e.Details["limitBytes"] != float64(1024) {
			t.Fatalf("413 details = %v", e.Details)
		}
		// Streamed without a length: refused once reading passes the limit.
		req := must(http.NewRequest("POST", h.url+"/api/v1/contact-lists", io.MultiReader(strings.NewReader(big))))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", h.admin)
		resp := must(h.http.Do(req))
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		envelope(t, resp.StatusCode, b, http.StatusRequestEntityTooLarge, client.ErrorCodePayloadTooLarge)
		// Nothing was written, and small bodies still pass.
		lists := must(h.client(h.admin).ListContactListsWithResponse(ctx, nil))
		if len(lists.JSON200.Items) != 0 {
			t.Fatalf("an oversized body was written: %s", lists.Body)
		}
		if r := must(h.client(h.admin).CreateContactListWithResponse(ctx, client.NewContactList{Name: "small"})); r.JSON201 == nil {
			t.Fatalf("small body: %d %s", r.StatusCode(), r.Body)
		}
		// Every operation that takes a body answers 413 the same way.
		for _, path := range []string{"/api/v1/api-keys", "/api/v1/contacts", "/api/v1/contact-lookup/batch", "/api/v1/sessions",
			"/api/v1/sessions/sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0/pairing-code", "/api/v1/sessions/sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0/contacts/check"} {
			status, body, _ := h.do("POST", path, big, "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusRequestEntityTooLarge, client.ErrorCodePayloadTooLarge)
		}
		for _, path := range []string{"/api/v1/contacts/1", "/api/v1/contact-lists/1"} {
			status, body, _ := h.do("PATCH", path, big, "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusRequestEntityTooLarge, client.ErrorCodePayloadTooLarge)
		}
	}, withMaxBody(1024))
}

// TestCredentialsBeforeBodyLimit: without valid credentials a body over the limit is a 401,
// like any other body: a caller learns nothing, the limit included, before it authenticates.
func TestCredentialsBeforeBodyLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		big := `{"name":"` + strings.Repeat("x", 3000) + `"}`
		for _, header := range [][]string{nil, {"X-API-Key", "wgk_" + strings.Repeat("x", 40)}} {
			status, body, _ := h.do("POST", "/api/v1/contact-lists", big, header...)
			envelope(t, status, body, http.StatusUnauthorized, client.ErrorCodeUnauthorized)
		}
		// A key without the capability: 403, not 413.
		status, body, _ := h.do("POST", "/api/v1/contact-lists", big, "X-API-Key", h.newKey(h.org.ID, store.Read))
		envelope(t, status, body, http.StatusForbidden, client.ErrorCodeForbidden)
	}, withMaxBody(1024))
}

// TestHeadIsGetWithoutBody: HEAD answers as GET does, without the body (load balancers check
// health this way).
func TestHeadIsGetWithoutBody(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, tc := range []struct {
			path   string
			header []string
			want   int
		}{
			{"/healthz", nil, http.StatusOK},
			{"/readyz", nil, http.StatusOK},
			{"/docs", nil, http.StatusOK},
			{"/api/v1/me", []string{"X-API-Key", h.admin}, http.StatusOK},
			{"/api/v1/me", nil, http.StatusUnauthorized},
		} {
			req := must(http.NewRequest("HEAD", h.url+tc.path, nil))
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			resp := must(http.DefaultClient.Do(req))
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want || len(b) != 0 {
				t.Fatalf("HEAD %s: %d with %d body bytes, want %d and none", tc.path, resp.StatusCode, len(b), tc.want)
			}
		}
	})
}

// TestBodiesOnlyWhereTheSpecTakesThem: a GET or DELETE with a body has it ignored, not
// refused with a status the spec does not declare for it.
func TestBodiesOnlyWhereTheSpecTakesThem(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		big := strings.Repeat("x", 4096)
		for _, method := range []string{"GET", "DELETE"} {
			path := "/api/v1/me"
			if method == "DELETE" {
				path = "/api/v1/contacts/12345"
			}
			status, body, _ := h.do(method, path, big, "X-API-Key", h.admin)
			if status == http.StatusRequestEntityTooLarge || status >= 500 {
				t.Fatalf("%s %s with a body: %d %s", method, path, status, body)
			}
		}
	}, withMaxBody(1024))
}

// TestOneLogLinePerRequest: each request is one access-log line carrying its request id (the
// caller's, when it sends one), and a failure's cause is on that line, not on a second one.
func TestOneLogLinePerRequest(t *testing.T) {
	var buf storetest.Buffer
	log := slog.New(server.LogRequestIDs(slog.NewJSONHandler(&buf, nil)))
	eachBackend(t, func(t *testing.T, h *harness) {
		h.echo.GET("/test-panic", func(echo.Context) error { panic("boom") })
		buf.Reset()
		h.do("GET", "/api/v1/me", "", "X-API-Key", h.admin, "X-Request-Id", "req-me-1")
		h.do("GET", "/test-panic", "", "X-Request-Id", "req-panic-1")
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("log line is not JSON: %q", l)
			}
			lines = append(lines, m)
		}
		byID := map[string][]map[string]any{}
		for _, m := range lines {
			id, _ := m["request_id"].(string)
			byID[id] = append(byID[id], m)
		}
		if me := byID["req-me-1"]; len(me) != 1 || me[0]["msg"] != "request" || me[0]["status"] != float64(200) || me[0]["org_id"] != h.org.ID {
			t.Fatalf("log of GET /api/v1/me: %v", me)
		}
		// The panic itself (with its stack) and the request's line, both naming the request.
		var request map[string]any
		for _, m := range byID["req-panic-1"] {
			if m["msg"] == "request" {
				if request != nil {
					t.Fatalf("two request lines for one request: %v", byID["req-panic-1"])
				}
				request = m
			}
		}
		if request == nil || request["status"] != float64(500) || request["level"] != "ERROR" || !strings.Contains(request["error"].(string), "boom") {
			t.Fatalf("log of the panic: %v", byID["req-panic-1"])
		}
	}, withLogger(log))
}
