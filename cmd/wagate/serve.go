package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/loginjwt"
)

// serve runs the API until ctx ends (SIGTERM or interrupt), then drains requests in flight
// for up to cfg.ShutdownGrace. listening, when set, learns the bound address.
//
// Everything that can fail on configuration (login settings, the listen address) is checked
// before the database is touched: a first start that stopped after printing the bootstrap key
// would leave a newcomer without it.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer, listening func(net.Addr)) error {
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

	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	handler, err := server.New(ctx, server.Config{Store: s, Logger: log, Logins: logins, Roles: cfg.Roles, MaxBodyBytes: cfg.MaxBodyBytes})
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

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", s.Dialect(), "docs", "/docs")
	if listening != nil {
		listening(ln.Addr())
	}
	failed := make(chan error, 1)
	go func() { failed <- srv.Serve(ln) }()
	select {
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
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
