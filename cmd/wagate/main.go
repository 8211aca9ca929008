// Command wagate is the WhatsApp contacts gateway: `wagate serve` (the default) runs the HTTP
// API; `migrate`, `org create` and `key create` administer the database; `version` says what
// was built. Configuration comes from environment variables (see README.md); commands.go has
// the command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // a second signal, while draining or stopping, ends the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line that a command finds itself (cobra finds the
// others): exit 2, and run prints the command's usage after it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// configError is a mistake in the environment: exit 2, like a usage error, but without the usage.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }

// failure is an error of a command that started its work: exit 1.
type failure struct{ err error }

func (e failure) Error() string { return e.err.Error() }

// reported is a failure the command's output already says (contacts import's report, on its
// last line): exit 1, and nothing more printed.
type reported struct{ verdict string }

func (e reported) Error() string { return e.verdict }

// run is main without the process: tests call it with their own arguments, environment and
// outputs. It returns the exit code: 0, 1 when a command failed, 2 for a mistake in the
// command line or the configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return execute(ctx, newCommands(getenv), args, stdout, stderr)
}

// execute runs root's command line args, and returns run's exit code. A test that gives a
// command its stdin calls it with a root it set it on.
func execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	var cfgErr configError
	var failed failure
	switch {
	case err == nil:
		return 0
	case errors.As(err, new(reported)): // the command's own output already says why
		return 1
	case errors.As(err, &cfgErr):
		fmt.Fprintln(stderr, "wagate: configuration:", cfgErr.err)
		return 2
	case errors.As(err, &failed):
		fmt.Fprintln(stderr, "wagate:", failed.err)
		return 1
	default: // cobra's (unknown command or flag, wrong arguments) or a usageError
		fmt.Fprintf(stderr, "wagate: %v\n\n%s", err, cmd.UsageString())
		return 2
	}
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel, ReplaceAttr: server.ReadableDurations}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(server.LogRequestIDs(h))
}

// openStore opens and migrates the configured database, and gives up at once on an SQLite
// file another process holds: a second server on one file is a mistake to report, not to wait out.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	s, _, err := openStoreWaiting(ctx, cfg, log, 0)
	return s, err
}

// migrated is what opening the database changed: wagate's migrations applied, and the
// versions whatsmeow's device store went from and to (equal when it was up to date).
type migrated struct {
	applied                []store.Migration
	devicesFrom, devicesTo int
}

// openStoreWaiting is openStore waiting up to lockWait for another process to let go of an
// SQLite file; it also says what it migrated. The process that holds the file also runs its
// migrations, alone: wagate's, then the device store's, which lives in the same database.
func openStoreWaiting(ctx context.Context, cfg config, log *slog.Logger, lockWait time.Duration) (*store.Store, migrated, error) {
	s, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log, LockWait: lockWait, ImportWriters: cfg.ImportWriters})
	if errors.Is(err, store.ErrDatabaseInUse) {
		return nil, migrated{}, fmt.Errorf("%w. An SQLite file serves one wagate process at a time (a server, or one of migrate, org create, key create): "+
			"stop that process first, give this one a WAGATE_DATA_DIR of its own, or use PostgreSQL (DATABASE_URL) to run several", err)
	}
	var fsErr *fs.PathError
	if err != nil && cfg.DatabaseURL == "" && errors.As(err, &fsErr) {
		// The embedded SQLite file (or its lock) cannot be made where the environment says.
		return nil, migrated{}, fmt.Errorf("WAGATE_DATA_DIR=%s cannot hold the SQLite file: %w; "+
			"point WAGATE_DATA_DIR at a directory this user may write, or set DATABASE_URL", cfg.DataDir, err)
	}
	if err != nil && cfg.DatabaseURL != "" {
		// The database DATABASE_URL names cannot be opened (a bad URL, no server there, a
		// directory that is not there): say which setting to look at. pgx leaves the password out.
		return nil, migrated{}, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err != nil {
		return nil, migrated{}, err
	}
	var m migrated
	if m.applied, err = s.Migrate(ctx); err == nil {
		m.devicesFrom, m.devicesTo, err = upgradeDevices(ctx, s, log)
	}
	if err != nil {
		s.Close()
		return nil, migrated{}, err
	}
	if len(m.applied) > 0 {
		log.Info("database migrated", "dialect", s.Dialect(), "applied", len(m.applied), "version", m.applied[len(m.applied)-1].Version)
	}
	if m.devicesFrom != m.devicesTo {
		log.Info("device store upgraded", "dialect", s.Dialect(), "from", m.devicesFrom, "version", m.devicesTo)
	}
	return s, m, nil
}

// upgradeDevices brings whatsmeow's device store, in the store's database, to this binary's
// schema.
func upgradeDevices(ctx context.Context, s *store.Store, log *slog.Logger) (from, to int, err error) {
	d, err := whatsapp.NewDevices(s.Pool(), string(s.Dialect()), log)
	if err != nil {
		return 0, 0, err
	}
	return d.Upgrade(ctx)
}
