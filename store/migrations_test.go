package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/store/storetest"
)

// TestMigrationsAgree migrates a database of each engine and compares what the migrations
// left: the same tables, columns (type family and nullability), primary keys, indexes and
// foreign keys. The folders are twins by convention only; this holds them to it whatever
// versions they hold, by comparing the final state rather than the files.
func TestMigrationsAgree(t *testing.T) {
	sqlite := readSchema(t, storetest.Open(t, storetest.SQLite))
	postgres := readSchema(t, storetest.Open(t, storetest.Postgres)) // skips, saying why, without TEST_DATABASE_URL
	if len(sqlite) == 0 {
		t.Fatal("the SQLite migrations left no tables")
	}
	lite, pg := sqlite.lines(), postgres.lines()
	var onlyLite, onlyPG []string
	for _, l := range lite {
		if !slices.Contains(pg, l) {
			onlyLite = append(onlyLite, l)
		}
	}
	for _, l := range pg {
		if !slices.Contains(lite, l) {
			onlyPG = append(onlyPG, l)
		}
	}
	if len(onlyLite)+len(onlyPG) > 0 {
		t.Errorf("the migrations of the two engines differ:\n only on SQLite:\n  %s\n only on PostgreSQL:\n  %s",
			strings.Join(onlyLite, "\n  "), strings.Join(onlyPG, "\n  "))
	}
	t.Logf("%d facts alike", len(lite)-len(onlyLite))
}
