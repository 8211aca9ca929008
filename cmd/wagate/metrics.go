package main

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wagate/wagate/server"
)

// serveMetrics serves m at /metrics on ln (METRICS_ADDR) until the returned stop; a failure
// to serve goes to failed, like the main listener's. Metrics stay up through the drain and
// the grace, so the last scrapes see the server stop.
func serveMetrics(ln net.Listener, m *server.Metrics, log *slog.Logger, failed chan<- error) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	go func() {
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			select {
			case failed <- err:
			default:
			}
		}
	}()
	return func() { srv.Close() }
}
