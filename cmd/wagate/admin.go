package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/wagate/wagate/store"
)

// adminLockWait is how long an admin command waits for an SQLite file another process holds:
// long enough for another admin command or a failing start to finish, short of a running
// server, which keeps the file until it stops.
var adminLockWait = 5 * time.Second

// openAdminStore opens the store for an admin command (see adminLockWait).
func openAdminStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	return openStoreWaiting(ctx, cfg, log, adminLockWait)
}

func migrate(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	s, err := openAdminStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "%s database is up to date\n", s.Dialect())
	return nil
}

func createOrg(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("org create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	region := fs.String("region", cfg.DefaultRegion, "default region for national phone spellings (ISO 3166-1 alpha-2)")
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("%w: org create takes one NAME", errUsage)
	}
	s, err := openAdminStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.CreateOrganization(ctx, names[0], *region)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, org.ID)
	return nil
}

func createKey(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("key create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	orgName := fs.String("org", "", "organization name")
	capsFlag := fs.String("caps", "", "capabilities, comma-separated: read,write,admin")
	name := fs.String("name", "cli", "a name to tell the key apart")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *orgName == "" || *capsFlag == "" {
		return fmt.Errorf("%w: key create needs --org NAME and --caps", errUsage)
	}
	caps, err := store.ParseCapabilities(*capsFlag)
	if err != nil {
		return err
	}
	s, err := openAdminStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.OrganizationByName(ctx, *orgName)
	if err != nil {
		return err
	}
	key, secret, err := s.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: *name, Capabilities: caps})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key %s (%s) for organization %s, capabilities %s. It is shown only now:\n%s\n",
		key.ID, key.Name, org.Name, key.Capabilities, secret)
	return nil
}
