// Command wagate is the WhatsApp contacts gateway: `wagate serve` (the default) runs the HTTP
// API; `migrate`, `org create` and `key create` administer the database. Configuration comes
// from environment variables (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
)

const usage = `wagate: a WhatsApp contacts gateway

Usage:
  wagate [serve]                                 run the HTTP API (migrates, and on an empty
                                                 database creates organization "default" and
                                                 prints its first admin key)
  wagate migrate                                 apply database migrations and exit
  wagate org create NAME [--region XX]           create an organization; prints its id
  wagate key create --org NAME --caps read,write,admin [--name N]
                                                 create an API key; prints it on the last line

Configuration is read from the environment: DATABASE_URL, WAGATE_DATA_DIR, LISTEN_ADDR,
DEFAULT_REGION, MAX_BODY_BYTES, LOG_LEVEL, LOG_FORMAT, DRAIN_PERIOD, SHUTDOWN_GRACE,
JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ORG_CLAIM, JWT_ROLE_CLAIM, JWT_ROLES. See README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // a second signal, while draining or stopping, ends the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// errUsage marks a mistake in the command line; run prints the usage after it.
var errUsage = errors.New("usage")

// run is main without the process: tests call it with their own arguments, environment and
// outputs. It returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "wagate: configuration:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	switch err := dispatch(ctx, cfg, log, args, stdout); {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "wagate: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintln(stderr, "wagate:", err)
		return 1
	}
}

func dispatch(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if len(args) > 0 {
			return fmt.Errorf("%w: serve takes no arguments", errUsage)
		}
		tuneGC(os.Getenv)
		return serve(ctx, cfg, log, stdout, serveHooks{})
	case "migrate":
		return migrate(ctx, cfg, log, stdout)
	case "org", "key":
		if len(args) == 0 || args[0] != "create" {
			return fmt.Errorf("%w: %s create is the only %s command", errUsage, cmd, cmd)
		}
		if cmd == "org" {
			return createOrg(ctx, cfg, log, args[1:], stdout)
		}
		return createKey(ctx, cfg, log, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(server.LogRequestIDs(h))
}

// openStore opens and migrates the configured database, and gives up at once on an SQLite
// file another process holds: a second server on one file is a mistake to report, not to wait out.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	return openStoreWaiting(ctx, cfg, log, 0)
}

// openStoreWaiting is openStore waiting up to lockWait for another process to let go of an
// SQLite file. The process that holds the file also runs its migrations, alone.
func openStoreWaiting(ctx context.Context, cfg config, log *slog.Logger, lockWait time.Duration) (*store.Store, error) {
	s, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log, LockWait: lockWait})
	if errors.Is(err, store.ErrDatabaseInUse) {
		return nil, fmt.Errorf("%w. An SQLite file serves one wagate process at a time (a server, or one of migrate, org create, key create): "+
			"stop that process first, give this one a WAGATE_DATA_DIR of its own, or use PostgreSQL (DATABASE_URL) to run several", err)
	}
	var fsErr *fs.PathError
	if err != nil && cfg.DatabaseURL == "" && errors.As(err, &fsErr) {
		// The embedded SQLite file (or its lock) cannot be made where the environment says.
		return nil, fmt.Errorf("WAGATE_DATA_DIR=%s cannot hold the SQLite file: %w; "+
			"point WAGATE_DATA_DIR at a directory this user may write, or set DATABASE_URL", cfg.DataDir, err)
	}
	if err != nil {
		return nil, err
	}
	n, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "dialect", s.Dialect(), "applied", n)
	}
	return s, nil
}

// parseInterleaved parses flags that may come before or after positional arguments
// ("org create NAME --region XX"), which the flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
