package server_test

import (
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/client"
)

// TestMethodNotAllowedSaysAllow walks every path of the spec (and the docs page's files): a
// method the path does not take is a 405 in the envelope whose Allow lists the methods it
// does take, HEAD wherever GET. OPTIONS, which the spec declares nowhere, is one of them.
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		doc, _ := loadSpec(t)
		paths := map[string][]string{ // a path as requested: the methods it takes
			"/docs/":               {"GET", "HEAD"},
			"/docs/swagger-ui.css": {"GET", "HEAD"},
		}
		for path, item := range doc.Paths.Map() {
			var takes []string
			for method := range item.Operations() {
				takes = append(takes, method)
				if method == http.MethodGet {
					takes = append(takes, http.MethodHead)
				}
			}
			paths[fillPath(t, path, firstOperation(item.Operations()))] = takes
		}
		all := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}
		for path, takes := range paths {
			sort.Strings(takes)
			for _, method := range all {
				if slices.Contains(takes, method) {
					continue
				}
				hc := h.http
				if method == http.MethodHead {
					hc = http.DefaultClient // no body to hold the envelope
				}
				req := must(http.NewRequest(method, h.url+path, nil))
				req.Header.Set("X-API-Key", h.admin)
				resp := must(hc.Do(req))
				body := readAll(resp)
				if method != http.MethodHead {
					envelope(t, resp.StatusCode, body, http.StatusMethodNotAllowed, client.ErrorCodeMethodNotAllowed)
				} else if resp.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("HEAD %s: %d, want 405", path, resp.StatusCode)
				}
				allow := strings.Split(resp.Header.Get("Allow"), ", ")
				sort.Strings(allow)
				if !slices.Equal(allow, takes) {
					t.Errorf("%s %s: Allow %q, want %v", method, path, resp.Header.Get("Allow"), takes)
				}
				if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("%s %s: X-Content-Type-Options %q", method, path, got)
				}
			}
		}
	})
}

func firstOperation[T any](ops map[string]T) T {
	var zero T
	for _, op := range ops {
		return op
	}
	return zero
}

// TestAnswerHeaders: every answer says nosniff; every answer under /api/ says no-store (the
// one carrying a new API key's secret above all); the docs page has a policy Swagger UI runs
// under and that no page may frame.
func TestAnswerHeaders(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		key := must(c.CreateApiKeyWithResponse(ctx, client.NewApiKey{Name: "new", Capabilities: []client.Capability{client.CapabilityRead}}))
		if key.JSON201 == nil {
			t.Fatalf("create key: %d %s", key.StatusCode(), key.Body)
		}
		wantAPIHeaders(t, "the answer with a new key", key.HTTPResponse.Header)
		me := must(c.GetMeWithResponse(ctx))
		wantAPIHeaders(t, "GET /api/v1/me", me.HTTPResponse.Header)
		anonymous := must(h.clientWith(nil).GetMeWithResponse(ctx))
		wantAPIHeaders(t, "a 401", anonymous.HTTPResponse.Header)
		for _, path := range []string{"/api/v1/nope", "/api/v1/contacts/0"} {
			_, _, header := h.do("GET", path, "", "X-API-Key", h.admin)
			wantAPIHeaders(t, path, header)
		}

		h.echo.GET("/test-panic", func(echo.Context) error { panic("boom") })
		for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/openapi.yaml", "/docs", "/docs/",
			"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/wagate-docs.js", "/docs/nope.js", "/nope", "/test-panic"} {
			resp := must(http.Get(h.url + path)) // the docs' files are no JSON: not through h.http
			readAll(resp)
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s (%d): X-Content-Type-Options %q, want nosniff", path, resp.StatusCode, got)
			}
		}

		for _, path := range []string{"/docs", "/docs/"} {
			resp := must(http.Get(h.url + path))
			readAll(resp)
			csp := map[string]string{}
			for d := range strings.SplitSeq(resp.Header.Get("Content-Security-Policy"), ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
				csp[name] = value
			}
			for directive, want := range map[string]string{
				"default-src":     "'none'",
				"script-src":      "'self'",
				"style-src":       "'self'",
				"connect-src":     "'self'",
				"frame-ancestors": "'none'",
			} {
				if csp[directive] != want {
					t.Errorf("%s: Content-Security-Policy %s is %q, want %q", path, directive, csp[directive], want)
				}
			}
		}
	})
}

func readAll(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
