package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store/storetest"
)

func withCORS(origins ...string) harnessOption {
	return func(c *server.Config) { c.CORSAllowedOrigins = origins }
}

const (
	crmOrigin   = "https://crm.example.com"
	otherOrigin = "https://elsewhere.example.com"
)

// browser sends what a browser sends from a page on origin: a preflight (OPTIONS with
// Access-Control-Request-Method) or the request itself. Not through the contract transport:
// a preflight's 204 is the browser's business, not an operation of the spec.
func browser(t *testing.T, h *harness, method, path, origin string, header ...string) *http.Response {
	t.Helper()
	req := must(http.NewRequest(method, h.url+path, nil))
	req.Header.Set("Origin", origin)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func preflight(t *testing.T, h *harness, path, origin, method string) *http.Response {
	t.Helper()
	return browser(t, h, http.MethodOptions, path, origin,
		"Access-Control-Request-Method", method, "Access-Control-Request-Headers", "x-api-key, content-type")
}

// noCORS fails if the answer lets a page on another origin read it.
func noCORS(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	for name := range resp.Header {
		if strings.HasPrefix(name, "Access-Control-") {
			t.Errorf("%s: answer carries %s: %s", what, name, resp.Header.Get(name))
		}
	}
}

func TestCORSIsOffByDefault(t *testing.T) {
	h := newHarness(t, storetest.Open(t, storetest.SQLite))
	resp := preflight(t, h, "/api/v1/contact-lists", crmOrigin, "POST")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("preflight with CORS off: %d, want 405", resp.StatusCode)
	}
	noCORS(t, "preflight with CORS off", resp)
	resp = browser(t, h, "GET", "/api/v1/me", crmOrigin, "X-API-Key", h.admin)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with an Origin, CORS off: %d", resp.StatusCode)
	}
	noCORS(t, "GET with CORS off", resp)
	if v := resp.Header.Values("Vary"); len(v) > 0 {
		t.Errorf("Vary with CORS off: %v", v)
	}
}

func TestCORSAllowsTheListedOrigins(t *testing.T) {
	h := newHarness(t, storetest.Open(t, storetest.SQLite), withCORS(crmOrigin, "http://localhost:3000"))

	resp := preflight(t, h, "/api/v1/contact-lists", crmOrigin, "POST")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight from an allowed origin: %d, want 204", resp.StatusCode)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":   crmOrigin,
		"Access-Control-Allow-Methods":  "GET, HEAD, POST",
		"Access-Control-Allow-Headers":  "Authorization, Content-Type, X-API-Key, X-Request-Id",
		"Access-Control-Max-Age":        "600",
		"Vary":                          "Origin",
		"Access-Control-Expose-Headers": "",
	}
	for name, v := range want {
		if got := resp.Header.Get(name); got != v {
			t.Errorf("preflight %s: %q, want %q", name, got, v)
		}
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("Access-Control-Allow-Credentials: %q; wagate takes no cookies", got)
	}
	// The methods are the path's own.
	if got := preflight(t, h, "/api/v1/contacts/1", "http://localhost:3000", "PATCH").Header.Get("Access-Control-Allow-Methods"); got != "DELETE, GET, HEAD, PATCH" {
		t.Errorf("preflight of /api/v1/contacts/1: methods %q", got)
	}
	if resp := preflight(t, h, "/api/v1/nothing-here", crmOrigin, "GET"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("preflight of a path that does not exist: %d, want 404", resp.StatusCode)
	}

	// The requests themselves, answered or refused: readable by the page, which sees the
	// status and the envelope, and the headers it may need.
	for _, tc := range []struct {
		key  string
		want int
	}{{h.admin, http.StatusOK}, {"", http.StatusUnauthorized}} {
		resp := browser(t, h, "GET", "/api/v1/me", crmOrigin, "X-API-Key", tc.key)
		if resp.StatusCode != tc.want || resp.Header.Get("Access-Control-Allow-Origin") != crmOrigin ||
			resp.Header.Get("Access-Control-Expose-Headers") != "Retry-After, X-Request-Id" || resp.Header.Get("Vary") != "Origin" {
			t.Errorf("GET /api/v1/me from %s: %d, headers %v", crmOrigin, resp.StatusCode, resp.Header)
		}
	}

	// Any other origin: no CORS headers, and its preflight is the 405 of a server without CORS.
	resp = preflight(t, h, "/api/v1/contact-lists", otherOrigin, "POST")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("preflight from an origin not listed: %d, Allow %q; want 405 with Allow", resp.StatusCode, resp.Header.Get("Allow"))
	}
	noCORS(t, "preflight from an origin not listed", resp)
	for _, origin := range []string{otherOrigin, crmOrigin + ":8443", "http://crm.example.com", "null"} {
		resp = browser(t, h, "GET", "/api/v1/me", origin, "X-API-Key", h.admin)
		noCORS(t, "GET from "+origin, resp)
		if resp.Header.Get("Vary") != "Origin" {
			t.Errorf("GET from %s: Vary %q; caches must keep answers per Origin", origin, resp.Header.Get("Vary"))
		}
	}
	// An OPTIONS that is no preflight is any method the path does not take.
	if resp := browser(t, h, http.MethodOptions, "/api/v1/me", crmOrigin); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("OPTIONS without Access-Control-Request-Method: %d, want 405", resp.StatusCode)
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	h := newHarness(t, storetest.Open(t, storetest.SQLite), withCORS("*"))
	resp := preflight(t, h, "/api/v1/contact-lookup/batch", otherOrigin, "POST")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "POST" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight with \"*\": %d, headers %v", resp.StatusCode, resp.Header)
	}
	resp = browser(t, h, "GET", "/healthz", otherOrigin)
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("GET with \"*\": Access-Control-Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestCORSRefusesWhatIsNoOrigin(t *testing.T) {
	for _, origins := range [][]string{
		{"https://crm.example.com/"},
		{"crm.example.com"},
		{"https://crm.example.com/app"},
		{"ftp://crm.example.com"},
		{"https://crm.example.com:443"}, // browsers send https://crm.example.com: it would never match
		{"http://localhost:80"},
		{"*", crmOrigin},
	} {
		if err := server.CheckCORSOrigins(origins); err == nil {
			t.Errorf("%q accepted", origins)
		}
	}
	if err := server.CheckCORSOrigins([]string{crmOrigin, "http://localhost:3000", "https://crm.example.com:8443"}); err != nil {
		t.Error(err)
	}
}
