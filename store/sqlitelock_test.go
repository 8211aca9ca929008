package store_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestSQLiteFileIsOneStores: while one Store has an SQLite file open, a second Open of it (in
// this process too) fails with ErrDatabaseInUse naming the file, its lock and the holder; once
// the first closes, it succeeds.
func TestSQLiteFileIsOneStores(t *testing.T) {
	_, dir := storetest.URL(t, storetest.SQLite)
	first := storetest.OpenURL(t, "", dir)
	newOrg(t, first, "a")

	_, err := store.Open(ctx, store.Config{DataDir: dir})
	var inUse *store.InUseError
	if !errors.Is(err, store.ErrDatabaseInUse) || !errors.As(err, &inUse) {
		t.Fatalf("second Open while the first is open: %v; want ErrDatabaseInUse", err)
	}
	dbPath := filepath.Join(dir, "wagate.db")
	for _, want := range []string{dbPath, dbPath + ".lock", "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("Open after the first closed: %v", err)
	}
	defer second.Close()
	if _, err := second.OrganizationByName(ctx, "a"); err != nil {
		t.Fatalf("the second store does not see the first's data: %v", err)
	}
}

// TestSQLiteOpenWaitsForTheHolder: with LockWait, Open waits for the holder to close, and says
// so in the log; a cancelled context ends the wait with ErrDatabaseInUse.
func TestSQLiteOpenWaitsForTheHolder(t *testing.T) {
	_, dir := storetest.URL(t, storetest.SQLite)
	first := storetest.OpenURL(t, "", dir)

	waiting := make(chan struct{})
	var once sync.Once
	opened := make(chan error, 1)
	go func() {
		s, err := store.Open(ctx, store.Config{DataDir: dir, LockWait: time.Hour, Logger: slog.New(onRecord(func() { once.Do(func() { close(waiting) }) }))})
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	select {
	case <-waiting: // the second Open found the file taken and waits
	case err := <-opened:
		t.Fatalf("Open of a held file returned %v without waiting", err)
	}
	first.Close()
	if err := <-opened; err != nil {
		t.Fatalf("Open waiting for the holder: %v", err)
	}

	first = storetest.OpenURL(t, "", dir)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := store.Open(cancelled, store.Config{DataDir: dir, LockWait: time.Hour})
	if !errors.Is(err, store.ErrDatabaseInUse) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context on a held file: %v", err)
	}
}

// TestSQLiteStaleLockFile: a lock file nobody holds (its process was killed) does not stop Open.
func TestSQLiteStaleLockFile(t *testing.T) {
	_, dir := storetest.URL(t, storetest.SQLite)
	if err := os.WriteFile(filepath.Join(dir, "wagate.db.lock"), []byte("999999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	storetest.OpenURL(t, "", dir)
}

// TestPostgresIsManyStores: PostgreSQL takes no file lock; stores on one database open side by side.
func TestPostgresIsManyStores(t *testing.T) {
	dbURL, _ := storetest.URL(t, storetest.Postgres)
	a := storetest.OpenURL(t, dbURL, "")
	b := storetest.OpenURL(t, dbURL, "")
	newOrg(t, a, "a")
	if _, err := b.OrganizationByName(ctx, "a"); err != nil {
		t.Fatal(err)
	}
}

// onRecord is a log handler that calls fn on the first record.
type onRecord func()

func (f onRecord) Enabled(context.Context, slog.Level) bool { return true }
func (f onRecord) Handle(context.Context, slog.Record) error {
	f()
	return nil
}
func (f onRecord) WithAttrs([]slog.Attr) slog.Handler { return f }
func (f onRecord) WithGroup(string) slog.Handler      { return f }
