package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/whatsapp"
)

// serveHooks let tests watch and pace serve; production uses the zero value.
type serveHooks struct {
	// listening, when set, learns the bound address.
	listening func(net.Addr)
	// drainOver, when set, ends the drain in place of DRAIN_PERIOD's timer.
	drainOver <-chan time.Time
	// credentialTTL, when set, is how long cached credentials are trusted: a test sets it
	// long, so that only an announced revoke explains a refusal.
	credentialTTL time.Duration
	// metricsListening, when set, learns METRICS_ADDR's bound address.
	metricsListening func(net.Addr)
}

// serve runs the API until ctx ends (SIGTERM or interrupt), then takes the server out of
// service in two phases. Draining, for cfg.DrainPeriod: /readyz answers 503 so that load
// balancers stop sending requests, while everything else, new connections included, is served
// as before (closing the listener at once would reset the connections already queued on it).
// Stopping: the listener closes, and requests in flight may finish for cfg.ShutdownGrace. A
// second signal stops the process at once (main).
//
// Everything that can fail on configuration (login settings, the listen address) is checked
// before the database is touched: a first start that stopped after printing the bootstrap key
// would leave a newcomer without it.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer, hooks serveHooks) error {
	var logins *loginjwt.Verifier
	if cfg.Login != nil {
		var err error
		if logins, err = loginjwt.New(*cfg.Login); err != nil {
			return fmt.Errorf("login tokens (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ORG_CLAIM): %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	defer ln.Close()
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		defer metricsLn.Close()
	}

	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	// The server outlives ctx: it serves through the drain and the grace, and its revocation
	// listener must keep working meanwhile. It ends when serve returns, before the store closes.
	life, endLife := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	defer func() {
		endLife()
		background.Wait()
	}()
	devices, err := whatsapp.NewDevices(s.Pool(), string(s.Dialect()), log)
	if err != nil {
		return err
	}
	// The sessions' clients run on the server's lifetime, through the drain: requests still
	// served then may use them. Closing them (after the server, before the store) leaves each
	// session's recorded state as it was, for the next start to resume.
	sessions, err := whatsapp.NewManager(life, whatsapp.ManagerConfig{Store: s, Devices: devices, Backoff: cfg.WhatsApp.backoff(), Logger: log})
	if err != nil {
		return err
	}
	defer sessions.Close()
	w := cfg.WhatsApp
	lookups, err := whatsapp.NewLookups(whatsapp.LookupConfig{
		Sessions: sessions, Cache: s, PerMinute: w.LookupsPerMinute, Burst: w.LookupBurst, MaxWait: w.LookupMaxWait,
		PositiveTTL: w.CacheTTL, NegativeTTL: w.NegativeCacheTTL, Timeout: w.CallTimeout, Logger: log,
	})
	if err != nil {
		return err
	}
	background.Add(1)
	go func() {
		defer background.Done()
		purgeExpiredChecks(life, s, checkCachePurgeEvery, log)
	}()
	var draining atomic.Bool
	metrics := server.NewMetrics(s.Pool())
	handler, err := server.New(life, server.Config{
		Store: s, Sessions: sessions, Lookups: lookups, Logger: log, Logins: logins, Roles: cfg.Roles, MaxBodyBytes: cfg.MaxBodyBytes,
		ImportMaxBytes: cfg.ImportMaxBytes,
		Draining:       draining.Load, Background: &background, CredentialTTL: hooks.credentialTTL,
		Metrics: metrics, ServeMetrics: metricsLn == nil,
		CORSAllowedOrigins: cfg.CORSOrigins,
	})
	if err != nil {
		return err
	}
	b, created, err := s.Bootstrap(ctx, cfg.DefaultRegion)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if created {
		fmt.Fprintf(stdout, "First start: created organization %q (%s) with an admin API key. It is shown only now:\n%s\n",
			b.Organization.Name, b.Organization.ID, b.Secret)
	}

	// An import running when the server last stopped lost its request with it: its record
	// says so instead of reading running for ever.
	if n, err := s.FailInterruptedImports(ctx); err != nil {
		return fmt.Errorf("mark interrupted imports: %w", err)
	} else if n > 0 {
		log.Warn("imports interrupted by the last stop marked failed", "count", n)
	}

	// A session that cannot resume (its row or keys unreadable) is logged; the others and the
	// API go on: its status says what a person must do.
	if err := sessions.Resume(ctx); err != nil {
		log.Error("resume WhatsApp sessions", "err", err)
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", s.Dialect(), "docs", "/docs")
	if hooks.listening != nil {
		hooks.listening(ln.Addr())
	}
	failed := make(chan error, 2) // the main listener's and the metrics'
	go func() { failed <- srv.Serve(ln) }()
	if metricsLn != nil {
		defer serveMetrics(metricsLn, metrics, log, failed)()
		if hooks.metricsListening != nil {
			hooks.metricsListening(metricsLn.Addr())
		}
	}
	select {
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	if cfg.DrainPeriod > 0 {
		draining.Store(true)
		log.Info("draining: /readyz answers 503, other requests are still served", "drain_period", cfg.DrainPeriod)
		drainOver := hooks.drainOver
		if drainOver == nil {
			timer := time.NewTimer(cfg.DrainPeriod)
			defer timer.Stop()
			drainOver = timer.C
		}
		select {
		case <-drainOver:
		case err := <-failed:
			return err
		}
	}
	log.Info("closing the listener; requests in flight may finish", "grace", cfg.ShutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Requests still running: cut their connections before the store closes under them.
		srv.Close()
		return fmt.Errorf("requests were still running after SHUTDOWN_GRACE (%s); their connections were closed", cfg.ShutdownGrace)
	}
	log.Info("stopped")
	return nil
}
