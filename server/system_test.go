package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store/storetest"
)

func TestHealthAndReadiness(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.clientWith(nil)
		if r := must(c.GetHealthWithResponse(ctx)); r.JSON200 == nil || r.JSON200.Status != client.HealthStatusOk {
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
		// One document: the JSON parses to what the YAML parses to, operationIds as written.
		status, j, _ := h.do("GET", "/openapi.json", "")
		if status != http.StatusOK {
			t.Fatalf("openapi.json: %d", status)
		}
		var fromYAML, fromJSON any
		if err := yaml.Unmarshal(y.Body, &fromYAML); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(j, &fromJSON); err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(fromYAML, fromJSON) {
			t.Fatal("openapi.json and openapi.yaml are not the same document")
		}
		if !bytes.Contains(j, []byte(`"operationId":"lookupContact"`)) {
			t.Fatal("openapi.json does not spell operationIds as openapi.yaml does")
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

// The served spec's server is wherever the spec was read from: resolved against the origin of
// a server on an ephemeral port (as Swagger UI resolves it), an operation answers there.
func TestServedSpecServerIsWhereItWasRead(t *testing.T) {
	h := newHarness(t, storetest.Open(t, storetest.SQLite))
	specURL := h.url + "/openapi.json"
	_, body, _ := h.do("GET", "/openapi.json", "")
	var spec struct {
		Servers []struct{ URL string } `json:"servers"`
	}
	if err := json.Unmarshal(body, &spec); err != nil || len(spec.Servers) == 0 {
		t.Fatalf("servers: %v %s", err, body)
	}
	base, err := url.Parse(specURL)
	if err != nil {
		t.Fatal(err)
	}
	server := base.ResolveReference(must(url.Parse(spec.Servers[0].URL)))
	if server.Host != base.Host {
		t.Fatalf("the spec's server %s resolves to %s, not to where it was read (%s)", spec.Servers[0].URL, server, base.Host)
	}
	status, me, _ := h.do("GET", strings.TrimSuffix(server.Path, "/")+"/api/v1/me", "", "X-API-Key", h.admin)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me at %s: %d %s", server, status, me)
	}
}

// /postman.json is the committed collection, its baseUrl where it was fetched from (a server
// on an ephemeral port here): every variable a person fills in, the API key sent from one.
func TestPostmanCollectionIsServed(t *testing.T) {
	h := newHarness(t, storetest.Open(t, storetest.SQLite))
	status, body, _ := h.do("GET", "/postman.json", "")
	var served, committed map[string]any
	if status != http.StatusOK || json.Unmarshal(body, &served) != nil {
		t.Fatalf("postman.json: %d %.200s", status, body)
	}
	if err := json.Unmarshal(openapi.Postman, &committed); err != nil {
		t.Fatal(err)
	}
	baseURL := func(collection map[string]any) string {
		for _, v := range collection["variable"].([]any) {
			if v := v.(map[string]any); v["key"] == "baseUrl" {
				return v["value"].(string)
			}
		}
		return ""
	}
	if got := baseURL(served); got != h.url {
		t.Errorf("served baseUrl %q, want the server's own %q", got, h.url)
	}
	// Per request: the same server reached by another name answers with that name.
	other := strings.Replace(h.url, "127.0.0.1", "localhost", 1)
	resp := must(http.Get(other + "/postman.json"))
	var again map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&again); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := baseURL(again); got != other {
		t.Errorf("baseUrl through %s: %q", other, got)
	}
	if _, body, _ := h.do("GET", "/postman.json", ""); !bytes.Contains(body, []byte(`"value":"`+h.url+`"`)) {
		t.Errorf("baseUrl of one request stayed for the next")
	}
	served["variable"], committed["variable"] = nil, nil
	if !jsonEqual(served, committed) {
		t.Fatal("/postman.json is not openapi/postman.json")
	}
	for _, want := range []string{`"key":"baseUrl"`, `"key":"apiKey"`, `"value":"{{apiKey}}"`, `"name":"Walk-through"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("postman.json lacks %s", want)
		}
	}
}
