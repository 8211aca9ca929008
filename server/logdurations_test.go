package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store/storetest"
)

// TestLogDurationsInMilliseconds: a duration reads as milliseconds under a name that says so,
// in both log formats, where slog alone writes nanoseconds in JSON.
func TestLogDurationsInMilliseconds(t *testing.T) {
	var text, js bytes.Buffer
	opts := &slog.HandlerOptions{ReplaceAttr: server.ReadableDurations}
	for _, log := range []*slog.Logger{slog.New(slog.NewTextHandler(&text, opts)), slog.New(slog.NewJSONHandler(&js, opts))} {
		log.Info("stopping", "grace", 15*time.Second, slog.Group("query", "elapsed", 2500*time.Microsecond))
	}
	if !strings.Contains(text.String(), " grace_ms=15000 query.elapsed_ms=2.5") {
		t.Errorf("text: %s", text.String())
	}
	var rec struct {
		Grace float64 `json:"grace_ms"`
		Query struct {
			Elapsed float64 `json:"elapsed_ms"`
		} `json:"query"`
	}
	if err := json.Unmarshal(js.Bytes(), &rec); err != nil || rec.Grace != 15000 || rec.Query.Elapsed != 2.5 {
		t.Errorf("json: %s (%+v, %v)", js.String(), rec, err)
	}
}

// TestAccessLogLatencyInMilliseconds: the access log's latency is latency_ms, a number of
// milliseconds, whatever handler the logger has.
func TestAccessLogLatencyInMilliseconds(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, storetest.Open(t, storetest.SQLite), withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	h.do("GET", "/healthz", "")
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] != "request" {
			continue
		}
		ms, ok := rec["latency_ms"].(float64)
		if _, ns := rec["latency"]; !ok || ns || ms <= 0 || ms > float64(time.Minute/time.Millisecond) {
			t.Fatalf("access log line: %s", line)
		}
		return
	}
	t.Fatalf("no access log line in:\n%s", logs.String())
}
