// Package storetest opens real databases for tests: an SQLite file always, and PostgreSQL when
// TEST_DATABASE_URL is set. Each Open gets a database of its own (a temporary file, or a fresh
// PostgreSQL schema), migrated and removed when the test ends, so tests run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create and drop schemas

	"github.com/wagate/wagate/store"
)

// EnvPostgres names the variable holding a PostgreSQL URL to test against.
const EnvPostgres = "TEST_DATABASE_URL"

// Backend is a database engine tests run on.
type Backend string

const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Backends are the engines every storage test runs on. PostgreSQL is listed even without
// TEST_DATABASE_URL so that its tests show up as skipped, with the reason, rather than vanish.
var Backends = []Backend{SQLite, Postgres}

// Each runs fn as one subtest per backend, each with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(string(b), func(t *testing.T) {
			fn(t, Open(t, b))
		})
	}
}

// URL returns a database URL of its own for backend b, empty for the SQLite default location
// under the returned data directory. It skips the test when b is PostgreSQL and
// TEST_DATABASE_URL is unset.
func URL(t testing.TB, b Backend) (dbURL, dataDir string) {
	t.Helper()
	switch b {
	case SQLite:
		return "", t.TempDir()
	case Postgres:
		base := os.Getenv(EnvPostgres)
		if base == "" {
			t.Skipf("%s is not set: skipping the PostgreSQL run (e.g. %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvPostgres, EnvPostgres)
		}
		return freshSchema(t, base), ""
	}
	t.Fatalf("unknown backend %q", b)
	return "", ""
}

// Open returns a migrated store on a database of its own, closed when the test ends.
func Open(t testing.TB, b Backend) *store.Store {
	t.Helper()
	dbURL, dir := URL(t, b)
	return OpenURL(t, dbURL, dir)
}

// OpenURL returns a migrated store on the database URL returned, closed when the test ends.
func OpenURL(t testing.TB, dbURL, dir string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{URL: dbURL, DataDir: dir})
	if err != nil {
		t.Fatalf("open store %q: %v", dbURL, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate store %q: %v", dbURL, err)
	}
	return s
}

// freshSchema creates a schema with a random name and returns base with its search_path set
// to it; the schema is dropped when the test ends.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "wagate_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() { admin.Close() })
	sharedExtensions(t, admin)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// sharedExtensions creates the extensions the migrations use (pg_trgm for the searches,
// btree_gin for the contact filters' index) in the database's default schema before any test schema exists. Left to the first
// migration, an extension would be created in that test's schema, on its search path, and
// dropped with it, taking every other test's indexes that use it along. An advisory lock
// serializes test processes that start together; where the extension cannot be created the
// migration falls back to a plain index, so a failure here is not the test's.
func sharedExtensions(t testing.TB, admin *sql.DB) {
	t.Helper()
	tx, err := admin.Begin()
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvPostgres, err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("SELECT pg_advisory_xact_lock(7240512)"); err != nil {
		t.Fatalf("lock on %s: %v", EnvPostgres, err)
	}
	for _, ext := range []string{"pg_trgm", "btree_gin"} {
		if _, err := tx.Exec("SAVEPOINT ext"); err != nil {
			t.Fatalf("savepoint on %s: %v", EnvPostgres, err)
		}
		if _, err := tx.Exec("CREATE EXTENSION IF NOT EXISTS " + ext); err != nil {
			t.Logf("%s is not available on %s (%v): the migrations fall back", ext, EnvPostgres, err)
			tx.Exec("ROLLBACK TO SAVEPOINT ext")
		}
	}
	tx.Commit()
}
