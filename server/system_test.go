package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/server"
)

func TestHealthAndReadiness(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.clientWith(nil)
		if r := must(c.GetHealthWithResponse(ctx)); r.JSON200 == nil || r.JSON200.Status != client.Ok {
			t.Fatalf("healthz: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(c.GetReadinessWithResponse(ctx)); r.JSON200 == nil {
			t.Fatalf("readyz: %d %s", r.StatusCode(), r.Body)
		}
		h.store.Close() // the database goes away
		r := must(c.GetReadinessWithResponse(ctx))
		wantError(t, r.StatusCode(), r.Body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
		// Every operation that needs it says so the same way: retry later, not a fault.
		status, body, _ := h.do("GET", "/api/v1/contact-lists", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
		if live := must(c.GetHealthWithResponse(ctx)); live.StatusCode() != http.StatusOK {
			t.Fatalf("healthz without a database: %d", live.StatusCode())
		}
	})
}

// TestReadinessWhileDraining: while the server drains, /readyz is a 503 envelope and
// everything else is served; the probes are logged at INFO, since nothing failed.
func TestReadinessWhileDraining(t *testing.T) {
	draining := func(c *server.Config) { c.Draining = func() bool { return true } }
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.clientWith(nil)
		r := must(c.GetReadinessWithResponse(ctx))
		e := wantError(t, r.StatusCode(), r.Body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
		if !strings.Contains(e.Message, "draining") {
			t.Errorf("readyz while draining: %q", e.Message)
		}
		if live := must(c.GetHealthWithResponse(ctx)); live.StatusCode() != http.StatusOK {
			t.Errorf("healthz while draining: %d", live.StatusCode())
		}
		if me := must(h.client(h.admin).GetMeWithResponse(ctx)); me.JSON200 == nil {
			t.Errorf("me while draining: %d %s", me.StatusCode(), me.Body)
		}
		logs := h.logs.String()
		if !strings.Contains(logs, "path=/readyz status=503") {
			t.Fatalf("no access-log line for the probe:\n%s", logs)
		}
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, "level=ERROR") {
				t.Errorf("a probe while draining was logged as an error: %s", line)
			}
		}
	}, draining)
}

func TestServedSpecIsTheSpec(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.clientWith(nil)
		y := must(c.GetOpenAPIYAMLWithResponse(ctx))
		if y.StatusCode() != http.StatusOK || !bytes.Equal(y.Body, openapi.YAML) || y.HTTPResponse.Header.Get("Content-Type") != "application/yaml" {
			t.Fatalf("openapi.yaml: %d, %d bytes, %s", y.StatusCode(), len(y.Body), y.HTTPResponse.Header.Get("Content-Type"))
		}
		j := must(c.GetOpenAPIJSONWithResponse(ctx))
		if j.JSON200 == nil {
			t.Fatalf("openapi.json: %d", j.StatusCode())
		}
		raw, err := gen.GetSpecJSON()
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(j.Body, &got); err != nil {
			t.Fatalf("openapi.json: %v", err)
		}
		if !jsonEqual(want, got) {
			t.Fatal("openapi.json differs from the spec the server was generated from")
		}
		docs := must(c.GetDocsWithResponse(ctx))
		if docs.StatusCode() != http.StatusOK {
			t.Fatalf("docs: %d %s", docs.StatusCode(), docs.Body)
		}
		// No inline script or style: the page's Content-Security-Policy allows neither.
		if inline := regexp.MustCompile(`<script>|<style|\sstyle=|\son[a-z]+=`).FindString(string(docs.Body)); inline != "" {
			t.Fatalf("docs page has inline code (%s), which its policy refuses", inline)
		}
		// No CDN: every script and stylesheet comes from this server; one of them starts
		// Swagger UI on this server's spec.
		loadsSpec := false
		for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(docs.Body), -1) {
			if !strings.HasPrefix(m[1], "/docs/") {
				t.Fatalf("docs page loads %s from elsewhere", m[1])
			}
			resp := must(http.Get(h.url + m[1]))
			asset, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("docs asset %s: %d", m[1], resp.StatusCode)
			}
			loadsSpec = loadsSpec || strings.Contains(string(asset), `url: "/openapi.json"`)
		}
		if !loadsSpec {
			t.Fatal("no script of the docs page loads /openapi.json")
		}
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
