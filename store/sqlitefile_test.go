package store

import "testing"

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
