package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store/storetest"
)

// TestMetricsAddr: with METRICS_ADDR the metrics are served there, counting the API's
// requests, and not on the API's listener; without it, on the API's.
func TestMetricsAddr(t *testing.T) {
	e := backendEnv(t, storetest.SQLite)
	e["LISTEN_ADDR"] = "127.0.0.1:0"
	e["METRICS_ADDR"] = "127.0.0.1:0"
	over := make(chan time.Time)
	close(over)
	metricsAddr := make(chan net.Addr, 1)
	srv := startServeWith(t, e, serveHooks{drainOver: over, metricsListening: func(a net.Addr) { metricsAddr <- a }})
	addr := (<-metricsAddr).String()
	if status, body := get(t, "http://"+srv.addr+"/healthz", ""); status != http.StatusOK {
		t.Fatalf("healthz: %d %s", status, body)
	}
	status, body := get(t, "http://"+addr+"/metrics", "")
	if status != http.StatusOK || !strings.Contains(body, `wagate_http_requests_total{operation="`) || !strings.Contains(body, `go_sql_open_connections{db_name="wagate"}`) {
		t.Fatalf("METRICS_ADDR /metrics: %d\n%s", status, body)
	}
	if status, body := get(t, "http://"+srv.addr+"/metrics", ""); status != http.StatusNotFound {
		t.Fatalf("the API's /metrics with METRICS_ADDR set: %d %s", status, body)
	}
	if status, _ := get(t, "http://"+addr+"/api/v1/me", ""); status != http.StatusNotFound {
		t.Fatalf("METRICS_ADDR serves the API: %d", status)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	delete(e, "METRICS_ADDR")
	srv = startServeWith(t, e, serveHooks{drainOver: over})
	defer srv.stop()
	get(t, "http://"+srv.addr+"/healthz", "") // the scrape counts only once it has answered
	if status, body := get(t, "http://"+srv.addr+"/metrics", ""); status != http.StatusOK || !strings.Contains(body, "wagate_http_request_duration_seconds_bucket") {
		t.Fatalf("the API's /metrics without METRICS_ADDR: %d\n%s", status, body)
	}
}
