package store

import (
	"context"
	"strings"
	"testing"
)

// TestSQLiteFile: the file a DSN names is the one SQLite opens, so the lock sits beside it.
func TestSQLiteFile(t *testing.T) {
	for dsn, want := range map[string]string{
		"file:/data/wagate.db?_pragma=foreign_keys(1)": "/data/wagate.db",
		"file:wagate.db":                          "wagate.db",
		"file:///data/wagate.db":                  "/data/wagate.db",
		"file://localhost/data/wagate.db?mode=rw": "/data/wagate.db",
		"file:/data/my%20db.sqlite#frag":          "/data/my db.sqlite",
		"file::memory:":                           "",
		"file:shared?mode=memory&cache=shared":    "",
		"file:/x.db?vfs=memdb":                    "",
	} {
		got, ok := sqliteFile(dsn)
		if got != want || ok != (want != "") {
			t.Errorf("sqliteFile(%q) = %q, %v; want %q", dsn, got, ok, want)
		}
	}
}

// TestOpenRefusesInMemorySQLite: an in-memory database is one per connection, so the
// migrations would fill one and the pool use others with no tables; Open says so instead.
func TestOpenRefusesInMemorySQLite(t *testing.T) {
	for _, dsn := range []string{"file:", "file::memory:", "file:shared?mode=memory&cache=shared", "file:/x.db?vfs=memdb"} {
		s, err := Open(context.Background(), Config{URL: dsn, DataDir: t.TempDir()})
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded; want a refusal", dsn)
		} else if !strings.Contains(err.Error(), "in-memory") {
			t.Errorf("Open(%q): %v; want it to say the database is in memory", dsn, err)
		}
	}
}
