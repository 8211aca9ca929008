package store

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wagate/wagate/whatsapp/phone"
)

func chunkOf(keys ...string) *chunkJob {
	var b ImportBatch
	for _, k := range keys {
		b.Rows = append(b.Rows, ImportRow{Phone: phone.Number{MatchKey: k}})
	}
	return newChunkJob(b, true)
}

// The rows of a chunk whose phones running chunks hold wait for those chunks; the others,
// and the rows that failed before the store, go at once. Each part keeps the file's order.
func TestChunkSplitsOffTheRowsOfRunningChunksPhones(t *testing.T) {
	a, b, c := chunkOf("1", "2", "3"), chunkOf("4", "5"), chunkOf("6")
	var batch ImportBatch
	for i, k := range []string{"5", "7", "1", "8", "5"} {
		batch.Rows = append(batch.Rows, ImportRow{Row: int64(i + 1), Phone: phone.Number{MatchKey: k}})
	}
	batch.Failed = []RowError{{Row: 6}}
	now, later, after := newChunkJob(batch, true).split(batch, []*chunkJob{a, b, c})
	if len(after) != 2 || after[0] != a || after[1] != b {
		t.Fatalf("waits for %d chunks, want a and b", len(after))
	}
	if rows(now) != "2 4 failed 6" || rows(later) != "1 3 5" {
		t.Fatalf("at once: %s; later: %s", rows(now), rows(later))
	}
	now, later, after = newChunkJob(batch, true).split(batch, []*chunkJob{c})
	if len(after) != 0 || rows(now) != "1 2 3 4 5 failed 6" || len(later.Rows) != 0 {
		t.Fatalf("a chunk of phones no running chunk holds waits for %d chunks, at once: %s", len(after), rows(now))
	}
	close(a.done)
	if !a.ended() || b.ended() {
		t.Fatal("ended() does not follow done")
	}
}

func rows(b ImportBatch) string {
	var out []string
	for _, r := range b.Rows {
		out = append(out, fmt.Sprint(r.Row))
	}
	for _, f := range b.Failed {
		out = append(out, fmt.Sprint("failed ", f.Row))
	}
	return strings.Join(out, " ")
}

// Chunks that commit out of the file's order still leave the record's list of failed rows in
// row order, the first MaxFailedRows of them, and count the rest.
func TestCountKeepsTheFirstFailedRowsWhateverTheOrder(t *testing.T) {
	failures := func(from, n int64) []RowError {
		var out []RowError
		for r := from; r < from+n; r++ {
			out = append(out, RowError{Row: r, Reason: fmt.Sprint("row ", r)})
		}
		return out
	}
	var imp Import
	imp.count(600, chunkOutcome{failed: failures(601, 600)}) // rows 601 to 1200, committed first
	imp.count(600, chunkOutcome{created: 10, failed: failures(1, 590)})
	if imp.Failed != 1190 || imp.RowsRead != 1200 || imp.Created != 10 {
		t.Fatalf("counts: failed %d, read %d, created %d", imp.Failed, imp.RowsRead, imp.Created)
	}
	want := append(failures(1, 590), failures(601, MaxFailedRows-590)...)
	if !reflect.DeepEqual(imp.FailedRows, want) {
		t.Fatalf("failed rows %d..%d (%d), want the first %d by row", imp.FailedRows[0].Row, imp.FailedRows[len(imp.FailedRows)-1].Row, len(imp.FailedRows), MaxFailedRows)
	}
	if imp.FailedRowsOmitted != 1190-MaxFailedRows {
		t.Fatalf("%d omitted, want %d", imp.FailedRowsOmitted, 1190-MaxFailedRows)
	}
}

// Imports take connections from one budget, a quarter of the pool: an atomic import one, the
// others one per writer; past it an import is EBUSY until one gives its connections back.
func TestImportBudget(t *testing.T) {
	b := importBudgetFor(16, 2)
	first, err := b.take(2)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.take(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.take(1); ErrorCode(err) != EBUSY {
		t.Fatalf("a fifth connection of a pool of 16: %v, want EBUSY", err)
	}
	first()
	first() // twice is once
	if _, err := b.take(2); err != nil {
		t.Fatalf("after one import ended: %v", err)
	}
	if _, err := b.take(1); ErrorCode(err) != EBUSY {
		t.Fatalf("a release counted twice: %v", err)
	}
	second()
	if _, err := b.take(1); err != nil {
		t.Fatal(err)
	}
	if got := importBudgetFor(2, 1).most; got != 1 {
		t.Fatalf("a pool of 2 gives imports %d connections, want 1 (one import)", got)
	}
}
