package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestImportWritersKeepTheFileOrder: chunks applied at once act as the file's order says when
// they share a phone. Each chunk k holds a new phone of its own and the phones of chunks k-1
// and k-2, named k: under update every phone ends with the name of its last row, under fail
// every later sighting fails, exactly as one writer does it. The phone of chunk k-2 is in the
// part of chunk k-1 that waited for k-2: chunk k must wait for that part too.
//
// On PostgreSQL the first chunk is held up before it inserts its phones (a trigger sleeps on
// a row that sorts first), so that the second chunk, applied beside it, would reach their
// shared phone first if it did not wait for it.
func TestImportWritersKeepTheFileOrder(t *testing.T) {
	const chunks = 40
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		if s.Dialect() == store.Postgres {
			for _, q := range []string{
				`CREATE FUNCTION import_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.full_name = 'slow' THEN PERFORM pg_sleep(0.5); END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER import_test_slow BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION import_test_slow()`,
			} {
				if _, err := s.Pool().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, writers := range []int{1, 2} {
			for _, onConflict := range []store.OnConflict{store.ConflictUpdate, store.ConflictFail} {
				t.Run(fmt.Sprintf("writers=%d %s", writers, onConflict), func(t *testing.T) {
					s.SetImportWriters(writers)
					defer s.SetImportWriters(store.DefaultImportWriters)
					l := newList(t, s, org.ID, fmt.Sprintf("w%d %s", writers, onConflict))
					im := &importer{t: t, s: s, org: org.ID}
					var batches []store.ImportBatch
					var wantFailed []int64 // rows
					chained := func(k int) string { return fmt.Sprintf("+54911556%05d", k) }
					for k := range chunks {
						name := fmt.Sprint(k)
						rows := []store.ImportRow{im.row(chained(k), "FullName", name)}
						for back := 1; back <= 2 && back <= k; back++ {
							rows = append(rows, im.row(chained(k-back), "FullName", name))
							wantFailed = append(wantFailed, rows[len(rows)-1].Row)
						}
						rows = append(rows, im.row(fmt.Sprintf("+54911557%05d", k), "FullName", name))
						if k == 0 { // sorts before the chained phones: inserted, and slept on, first
							rows = append(rows, im.row("+5491155500001", "FullName", "slow"))
						}
						batches = append(batches, batch(rows))
					}
					got, err := im.run(im.start(store.ImportSpec{ListID: l.ID, OnConflict: onConflict}), batches, nil)
					if err != nil {
						t.Fatal(err)
					}
					again := int64(2*chunks - 3) // sightings after a phone's first
					read := 2*chunks + 1 + again
					if onConflict == store.ConflictUpdate {
						wantImport(t, s, got, store.ImportSucceeded, [6]int64{read, 2*chunks + 1, again, 0, 0, 0})
					} else {
						wantImport(t, s, got, store.ImportSucceeded, [6]int64{read, 2*chunks + 1, 0, 0, 0, again})
						var rows []int64
						for _, f := range got.FailedRows {
							rows = append(rows, f.Row)
						}
						if !reflect.DeepEqual(rows, wantFailed) {
							t.Fatalf("failed rows %v, want %v (the later sightings of each phone)", rows, wantFailed)
						}
					}
					contacts := listed(t, s, org.ID, l.ID)
					for k := range chunks {
						want := fmt.Sprint(k)
						if onConflict == store.ConflictUpdate {
							want = fmt.Sprint(min(k+2, chunks-1)) // its last row's
						}
						if got := deref(contacts[chained(k)].FullName); got != want {
							t.Fatalf("%s is named %q, want %q: a later chunk was applied before an earlier one", chained(k), got, want)
						}
					}
				})
			}
		}
	})
}
