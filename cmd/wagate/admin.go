package main

import (
	"context"
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
	s, _, err := openStoreWaiting(ctx, cfg, log, adminLockWait)
	return s, err
}

// migrate prints each migration it applied, and "up to date" only when there was none; then
// the same of whatsmeow's device store, which it upgrades in the same database.
func migrate(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	s, m, err := openStoreWaiting(ctx, cfg, log, adminLockWait)
	if err != nil {
		return err
	}
	defer s.Close()
	if len(m.applied) == 0 {
		fmt.Fprintf(stdout, "%s database is up to date\n", s.Dialect())
	} else {
		for _, a := range m.applied {
			fmt.Fprintf(stdout, "applied %s\n", a)
		}
		fmt.Fprintf(stdout, "%s database migrated to version %d\n", s.Dialect(), m.applied[len(m.applied)-1].Version)
	}
	if m.devicesFrom == m.devicesTo {
		fmt.Fprintf(stdout, "WhatsApp device store is up to date (version %d)\n", m.devicesTo)
	} else {
		fmt.Fprintf(stdout, "WhatsApp device store upgraded from version %d to %d\n", m.devicesFrom, m.devicesTo)
	}
	return nil
}

func createOrg(ctx context.Context, cfg config, log *slog.Logger, name, region string, stdout io.Writer) error {
	s, err := openAdminStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.CreateOrganization(ctx, name, region)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, org.ID)
	return nil
}

// newKey is what key create's flags say.
type newKey struct{ org, caps, name string }

func createKey(ctx context.Context, cfg config, log *slog.Logger, k newKey, stdout io.Writer) error {
	caps, err := store.ParseCapabilities(k.caps)
	if err != nil {
		return err
	}
	s, err := openAdminStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	org, err := s.OrganizationByName(ctx, k.org)
	if err != nil {
		return err
	}
	key, secret, err := s.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: k.name, Capabilities: caps})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key %s (%s) for organization %s, capabilities %s. It is shown only now:\n%s\n",
		key.ID, key.Name, org.Name, key.Capabilities, secret)
	return nil
}
