// Command baseline is the yardstick of `go run ./bench`: the contact lookup with nothing but
// what it needs. Plain net/http, a pgxpool, one query per request, phone.Parse, an API key held
// in memory, and the same JSON wagate answers. The gap between it and wagate is what wagate's
// framework, validation, ORM and logging cost.
//
// Configured by the environment: DATABASE_URL, LISTEN_ADDR, BASELINE_ORG_ID, BASELINE_REGION,
// BASELINE_API_KEY, BASELINE_MAX_CONNS (default 16, wagate's pool size). It takes the same
// `serve` argument as wagate so that the benchmark starts both alike.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	maxConns, err := strconv.Atoi(envOr("BASELINE_MAX_CONNS", "16"))
	if err != nil || maxConns < 1 {
		return errors.New("BASELINE_MAX_CONNS must be a positive number")
	}
	key := os.Getenv("BASELINE_API_KEY")
	h := &lookupHandler{
		orgID:   os.Getenv("BASELINE_ORG_ID"),
		region:  envOr("BASELINE_REGION", "AR"),
		keyHash: sha256.Sum256([]byte(key)),
	}
	if h.orgID == "" || key == "" {
		return errors.New("BASELINE_ORG_ID and BASELINE_API_KEY are required")
	}
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(maxConns)
	if h.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return err
	}
	defer h.pool.Close()

	mux := http.NewServeMux()
	mux.Handle("GET "+lookupPath, h)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := h.pool.Ping(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	})

	ln, err := net.Listen("tcp", envOr("LISTEN_ADDR", "127.0.0.1:8081"))
	if err != nil {
		return err
	}
	// The timeouts are wagate's (cmd/wagate/serve.go).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Printf("baseline serving on %s (pool of %d connections)", ln.Addr(), maxConns)
	failed := make(chan error, 1)
	go func() { failed <- srv.Serve(ln) }()
	select {
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
