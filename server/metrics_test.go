package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/server"
)

// withMetrics counts requests, and serves the metrics at /metrics when serve is set.
func withMetrics(serve bool) harnessOption {
	return func(c *server.Config) {
		c.Metrics = server.NewMetrics(c.Store.Pool())
		c.ServeMetrics = serve
	}
}

// scrape reads /metrics and parses it as Prometheus does.
func (h *harness) scrape() map[string]*dto.MetricFamily {
	h.t.Helper()
	status, body, header := h.do("GET", "/metrics", "")
	if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/plain; version=0.0.4") {
		h.t.Fatalf("metrics: %d %s\n%s", status, header.Get("Content-Type"), body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		h.t.Fatalf("metrics do not parse: %v\n%s", err, body)
	}
	return families
}

// sample is the metric of family with these label values, or nil.
func sample(families map[string]*dto.MetricFamily, family string, labels map[string]string) *dto.Metric {
	f := families[family]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// operationID is the operationId of method and path in the spec the server reads.
func operationID(t *testing.T, method, path string) string {
	t.Helper()
	spec, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	item := spec.Paths.Find(path)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("no %s %s in the spec", method, path)
	}
	return item.GetOperation(method).OperationID
}

func requests(families map[string]*dto.MetricFamily, operation, status string) float64 {
	m := sample(families, "wagate_http_requests_total", map[string]string{"operation": operation, "status": status})
	return m.GetCounter().GetValue() // 0 when absent
}

func latencyCount(families map[string]*dto.MetricFamily, operation string) uint64 {
	m := sample(families, "wagate_http_request_duration_seconds", map[string]string{"operation": operation})
	return m.GetHistogram().GetSampleCount()
}

// TestMetricsCountRequestsByOperation: each request moves the counter of its operationId and
// status by one, and its latency histogram; a request no route matches counts as unmatched,
// never under its own path.
func TestMetricsCountRequestsByOperation(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		before := h.scrape()
		if status, body, _ := h.do("GET", "/api/v1/me", "", "X-API-Key", h.admin); status != http.StatusOK {
			t.Fatalf("me: %d %s", status, body)
		}
		status, body, _ := h.do("GET", "/api/v1/contact-lists/987654", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)
		status, body, _ = h.do("GET", "/api/v1/no-such-thing-123", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)
		// HEAD has no body to validate against the spec: a plain client.
		head, err := http.Head(h.url + "/healthz")
		if err != nil || head.StatusCode != http.StatusOK {
			t.Fatalf("HEAD /healthz: %v %v", head, err)
		}
		head.Body.Close()
		after := h.scrape()

		for _, c := range []struct{ operation, status string }{
			{operationID(t, "GET", "/api/v1/me"), "200"},
			{operationID(t, "GET", "/api/v1/contact-lists/{listId}"), "404"},
			{"unmatched", "404"},
			{operationID(t, "GET", "/healthz"), "200"}, // the HEAD
			{operationID(t, "GET", "/metrics"), "200"}, // the first scrape
		} {
			if d := requests(after, c.operation, c.status) - requests(before, c.operation, c.status); d != 1 {
				t.Errorf("requests{operation=%q,status=%q} moved by %v, want 1", c.operation, c.status, d)
			}
			if d := latencyCount(after, c.operation) - latencyCount(before, c.operation); d < 1 {
				t.Errorf("the latency of %s counted %d requests more, want at least 1", c.operation, d)
			}
		}
		if d := requests(after, operationID(t, "GET", "/api/v1/me"), "401") - requests(before, operationID(t, "GET", "/api/v1/me"), "401"); d != 0 {
			t.Errorf("getMe 401 moved by %v without a 401", d)
		}
		for _, m := range after["wagate_http_requests_total"].GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "987654") || strings.Contains(l.GetValue(), "no-such-thing") {
					t.Errorf("a label carries a request's own path: %v", m.GetLabel())
				}
			}
		}

		// The database pool, the Go runtime and the process.
		for _, family := range []string{
			"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_idle_connections",
			"go_sql_max_open_connections", "go_sql_wait_count_total", "go_sql_wait_duration_seconds_total",
			"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
		} {
			if after[family] == nil {
				t.Errorf("no %s", family)
			}
		}
		if m := sample(after, "go_sql_open_connections", map[string]string{"db_name": "wagate"}); m.GetGauge().GetValue() < 1 {
			t.Errorf("the pool reports %v open connections after requests that used it", m.GetGauge().GetValue())
		}
	}, withMetrics(true))
}

// TestMetricsServedElsewhere: without ServeMetrics (METRICS_ADDR is set) /metrics on the API
// is the envelope's 404, and requests are still counted, in what Metrics.Handler serves.
func TestMetricsServedElsewhere(t *testing.T) {
	var metrics *server.Metrics
	eachBackend(t, func(t *testing.T, h *harness) {
		status, body, _ := h.do("GET", "/metrics", "")
		envelope(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)

		rec := httptest.NewRecorder()
		metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		if n := requests(families, operationID(t, "GET", "/metrics"), "404"); n != 1 {
			t.Errorf("the 404 of /metrics counted %v times, want 1", n)
		}
	}, func(c *server.Config) {
		withMetrics(false)(c)
		metrics = c.Metrics
	})
}
