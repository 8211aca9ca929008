package whatsapp

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/store/sqlstore/upgrades"
	"go.mau.fi/whatsmeow/types"
)

// versionTable is where whatsmeow records its schema's version: its own, beside wagate's
// migration table, so that neither migrator reads the other's versions.
const versionTable = "whatsmeow_version"

// Devices is whatsmeow's device store (keys, sessions, contacts, the LID map of every paired
// device) in wagate's own database, on wagate's own connection pool: one container for all
// sessions, each device a row keyed by its JID.
//
// It never closes the pool: the container's Close would close wagate's *sql.DB under the
// rest of the service, so Devices has no Close and the store's owner closes the pool.
type Devices struct {
	container *sqlstore.Container
	db        *sql.DB
	postgres  bool
}

// NewDevices is the device store on db, whose engine dialect names ("postgres" or
// "sqlite", as store.Dialect spells them). It touches nothing until Upgrade. On SQLite
// the pool must have foreign keys on (whatsmeow's per-device rows cascade from the device
// row), a busy timeout and immediate transactions (whatsmeow writes from several
// goroutines): wagate's store opens SQLite that way.
func NewDevices(db *sql.DB, dialect string, log *slog.Logger) (*Devices, error) {
	if dialect != "postgres" && dialect != "sqlite" {
		// sqlstore panics on a dialect it does not know; say so as an error instead.
		return nil, fmt.Errorf("the device store runs on postgres or sqlite, not %q", dialect)
	}
	// NewWithDB gives whatsmeow its own version table (whatsmeow_version), no database owner
	// and no check for other applications' tables: as mautrix-whatsapp's Child does on a
	// shared database, without wagate needing a dbutil.Database of its own.
	c := sqlstore.NewWithDB(db, dialect, newLogger(log, "Database"))
	return &Devices{container: c, db: db, postgres: dialect == "postgres"}, nil
}

// Upgrade brings whatsmeow's tables to the schema this binary knows, and says from which
// version to which (equal when there was nothing to do). Running it again is harmless.
func (d *Devices) Upgrade(ctx context.Context) (from, to int, err error) {
	if d.postgres {
		// Replicas that start together would both find version 0 and both create the
		// tables; dbutil takes no lock, so the first to come waits out the others here.
		// (An SQLite file is one process's already: the store locks it.)
		unlock, err := d.lock(ctx)
		if err != nil {
			return 0, 0, err
		}
		defer unlock()
		// dbutil asks information_schema whether the version table exists without naming a
		// schema, so whatsmeow's tables in another schema of the same database (another
		// wagate's, a bridge's, a parallel test's) would make it skip creating ours and
		// then fail reading it. Creating it here first, as dbutil would, makes its
		// question's answer true for this schema.
		if _, err := d.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+versionTable+" (version INTEGER, compat INTEGER)"); err != nil {
			return 0, 0, fmt.Errorf("create the device store's version table: %w", err)
		}
	}
	if from, err = d.version(ctx); err != nil {
		return 0, 0, err
	}
	if err := d.container.Upgrade(ctx); err != nil {
		return from, from, fmt.Errorf("upgrade the device store: %w", err)
	}
	if to, err = d.version(ctx); err != nil {
		return from, from, err
	}
	return from, to, nil
}

// upgradeLockKey is the PostgreSQL advisory lock that serializes device-store upgrades
// (an arbitrary constant, unlike goose's for wagate's own migrations).
const upgradeLockKey = 0x7761_6d65_6f77 // "wameow"

// lock holds the upgrade lock on a connection of its own until the returned func runs.
func (d *Devices) lock(ctx context.Context) (func(), error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock the device store for its upgrade: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", upgradeLockKey); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock the device store for its upgrade: %w", err)
	}
	return func() {
		// A failed unlock still ends with the session: closing the connection drops it.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", upgradeLockKey); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// Latest is the device store's schema version this binary upgrades to.
func Latest() int { return len(upgrades.Table) }

// version is the device store's schema version, zero before the first Upgrade.
func (d *Devices) version(ctx context.Context) (int, error) {
	exists := "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = $1"
	if d.postgres {
		exists = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n, v int
	if err := d.db.QueryRowContext(ctx, exists, versionTable).Scan(&n); err != nil {
		return 0, fmt.Errorf("look for the device store's version table: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	err := d.db.QueryRowContext(ctx, "SELECT version FROM "+versionTable+" LIMIT 1").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read the device store's version: %w", err)
	}
	return v, nil
}

// New is a fresh, unpaired device: new keys, nothing saved until pairing succeeds.
func (d *Devices) New() *store.Device { return d.container.NewDevice() }

// Get is the paired device of jid (its AD-JID, user:device@server), ENOTFOUND when the
// store has none (it was logged out and deleted, or never saved).
func (d *Devices) Get(ctx context.Context, jid types.JID) (*store.Device, error) {
	dev, err := d.container.GetDevice(ctx, jid)
	if err != nil {
		return nil, fmt.Errorf("read device %s: %w", jid, err)
	}
	if dev == nil {
		return nil, &Error{Code: ENOTFOUND, Message: "the session's WhatsApp device is no longer stored; pair it again"}
	}
	return dev, nil
}

// Delete removes a device and, by cascade, its keys, sessions and contacts. The LID map
// is the container's, shared by every device, and stays.
func (d *Devices) Delete(ctx context.Context, dev *store.Device) error {
	if err := d.container.DeleteDevice(ctx, dev); err != nil {
		return fmt.Errorf("delete device %s: %w", dev.GetJID(), err)
	}
	return nil
}

// LIDs is the map between phone-number JIDs and LIDs that every device shares.
func (d *Devices) LIDs() store.LIDStore { return d.container.LIDMap }
