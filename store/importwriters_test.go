package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestImportWritersKeepTheFileOrder: chunks applied at once act as the file's order says when
// they share a phone. Each chunk k holds a new phone of its own and the phone of chunk k-1,
// named k: under update every phone ends with the name of its last row, under fail every
// second sighting fails, exactly as one writer does it.
func TestImportWritersKeepTheFileOrder(t *testing.T) {
	const chunks = 40
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
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
						if k > 0 {
							rows = append(rows, im.row(chained(k-1), "FullName", name))
							wantFailed = append(wantFailed, rows[1].Row)
						}
						rows = append(rows, im.row(fmt.Sprintf("+54911557%05d", k), "FullName", name))
						batches = append(batches, batch(rows))
					}
					got, err := im.run(im.start(store.ImportSpec{ListID: l.ID, OnConflict: onConflict}), batches, nil)
					if err != nil {
						t.Fatal(err)
					}
					read := int64(3*chunks - 1)
					if onConflict == store.ConflictUpdate {
						wantImport(t, s, got, store.ImportSucceeded, [6]int64{read, 2 * chunks, chunks - 1, 0, 0, 0})
					} else {
						wantImport(t, s, got, store.ImportSucceeded, [6]int64{read, 2 * chunks, 0, 0, 0, chunks - 1})
						var rows []int64
						for _, f := range got.FailedRows {
							rows = append(rows, f.Row)
						}
						if !reflect.DeepEqual(rows, wantFailed) {
							t.Fatalf("failed rows %v, want %v (the second sighting of each phone)", rows, wantFailed)
						}
					}
					contacts := listed(t, s, org.ID, l.ID)
					for k := range chunks {
						want := fmt.Sprint(k)
						if onConflict == store.ConflictUpdate && k < chunks-1 {
							want = fmt.Sprint(k + 1) // its last row's
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
