package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
)

// importResult is everything a reader gave: its rows and failures in the order Next returned
// them, the batches' sizes, and the error that ended it (io.EOF for a clean end).
type importResult struct {
	rows    []store.ImportRow
	failed  []store.RowError
	batches []int64
	err     error
}

// readImport opens body and reads it to its end under lim (the defaults when lim is zero).
func readImport(t *testing.T, body io.Reader, format importFormat, region string, lim importLimits) importResult {
	t.Helper()
	if lim == (importLimits{}) {
		lim = defaultImportLimits()
	}
	r, err := openImportWith(context.Background(), body, format, region, lim)
	if err != nil {
		t.Fatalf("openImport: %v", err)
	}
	defer r.Close()
	var res importResult
	for {
		b, err := r.Next()
		if err != nil {
			res.err = err
			return res
		}
		if b.Read() != int64(len(b.Rows)+len(b.Failed)) || b.Read() == 0 || b.Read() > int64(lim.batchRows) {
			t.Fatalf("a batch with Read %d, %d rows and %d failed (batches of %d)", b.Read(), len(b.Rows), len(b.Failed), lim.batchRows)
		}
		res.rows = append(res.rows, b.Rows...)
		res.failed = append(res.failed, b.Failed...)
		res.batches = append(res.batches, b.Read())
	}
}

func fileError(t *testing.T, err error) *importFileError {
	t.Helper()
	var fe *importFileError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v (%T), want an *importFileError", err, err)
	}
	return fe
}

// TestImportOrderAcrossBatches reads many small batches with many workers: rows come back in
// file order, numbered from 1, each batch whole.
func TestImportOrderAcrossBatches(t *testing.T) {
	const n = 2000
	var sb strings.Builder
	sb.WriteString("phone,fullName\n")
	for i := range n {
		if i%10 == 3 {
			fmt.Fprintf(&sb, "not a phone,row %d\n", i+1)
			continue
		}
		fmt.Fprintf(&sb, "+54 9 11 5%03d-%04d,row %d\n", i/1000, i%10000, i+1)
	}
	lim := importLimits{rows: importMaxRows, batchRows: 7, batchBytes: importBatchBytes, rowBytes: importMaxRowBytes, workers: 16}
	res := readImport(t, strings.NewReader(sb.String()), importCSV, "AR", lim)
	if res.err != io.EOF {
		t.Fatalf("ended with %v", res.err)
	}
	if len(res.rows)+len(res.failed) != n || len(res.failed) != n/10 {
		t.Fatalf("%d rows and %d failed, want %d in all and %d failed", len(res.rows), len(res.failed), n, n/10)
	}
	var total int64
	for _, b := range res.batches[:len(res.batches)-1] {
		if b != 7 {
			t.Fatalf("batches of %v, want 7 rows each but the last", res.batches)
		}
	}
	for _, b := range res.batches {
		total += b
	}
	if total != n {
		t.Fatalf("batches add up to %d rows", total)
	}
	last := int64(0)
	for _, r := range res.rows {
		if r.Row <= last || *r.FullName != fmt.Sprintf("row %d", r.Row) || r.Line != r.Row+1 {
			t.Fatalf("row %d (line %d, %q) after row %d", r.Row, r.Line, *r.FullName, last)
		}
		last = r.Row
	}
	last = 0
	for _, f := range res.failed {
		if f.Row <= last || f.Row%10 != 4 || f.Field != "phone" {
			t.Fatalf("failed row %+v after row %d", f, last)
		}
		last = f.Row
	}
}

// TestImportTooManyRows: the rows up to the limit come, in a partial batch, then the error.
func TestImportTooManyRows(t *testing.T) {
	lim := defaultImportLimits()
	lim.rows, lim.batchRows = 10, 4
	for _, tc := range []struct {
		format importFormat
		body   string
		line   int64
	}{
		{importCSV, "phone\n" + strings.Repeat("+5491155550000\n", 12), 12},
		{importNDJSON, strings.Repeat(`{"phone":"+5491155550000"}`+"\n", 11), 11},
		{importJSON, "[" + strings.Repeat(`{"phone":"+5491155550000"},`, 11) + `{"phone":"+5491155550000"}]`, 0},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			res := readImport(t, strings.NewReader(tc.body), tc.format, "AR", lim)
			fe := fileError(t, res.err)
			if !fe.TooManyRows || fe.Line != tc.line || !strings.Contains(fe.Message, "more than 10 rows") {
				t.Fatalf("error %+v, want too many rows at line %d", fe, tc.line)
			}
			if len(res.rows) != 10 || len(res.failed) != 0 || fmt.Sprint(res.batches) != "[4 4 2]" {
				t.Fatalf("%d rows, %d failed, batches %v before the error", len(res.rows), len(res.failed), res.batches)
			}
		})
	}
	// Exactly the limit is fine.
	res := readImport(t, strings.NewReader("phone\n"+strings.Repeat("+5491155550000\n", 10)), importCSV, "AR", lim)
	if res.err != io.EOF || len(res.rows) != 10 {
		t.Fatalf("%d rows, then %v", len(res.rows), res.err)
	}
}

// failingBody gives data, then fails as a body over http.MaxBytesReader's limit does.
type failingBody struct {
	data io.Reader
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.data.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

// TestImportBodyErrorPasses: the body's own error reaches the caller as it is, after the rows
// before it, for every format: a body over http.MaxBytesReader's limit, a chunked body cut short.
func TestImportBodyErrorPasses(t *testing.T) {
	for format, body := range map[importFormat]string{
		importCSV:    "phone\n+5491155550000\n+5491155550001\n+54911",
		importNDJSON: `{"phone":"+5491155550000"}` + "\n" + `{"phone":"+5491155550001"}` + "\n" + `{"pho`,
		importJSON:   `[{"phone":"+5491155550000"},{"phone":"+5491155550001"},{"pho`,
	} {
		for _, bodyErr := range []error{&http.MaxBytesError{Limit: 99}, io.ErrUnexpectedEOF} {
			t.Run(fmt.Sprintf("%s %T", format, bodyErr), func(t *testing.T) {
				lim := defaultImportLimits()
				lim.batchRows = 1
				res := readImport(t, &failingBody{strings.NewReader(body), bodyErr}, format, "AR", lim)
				if res.err != bodyErr {
					t.Fatalf("ended with %v (%T), want the body's %v", res.err, res.err, bodyErr)
				}
				if len(res.rows) != 2 {
					t.Fatalf("%d rows before the error, want 2", len(res.rows))
				}
			})
		}
	}
}

// endlessBody is a CSV whose second row never ends: Read blocks (as a slow client's body
// does) until release is closed, then gives more of the same row.
type endlessBody struct {
	header  bool
	release chan struct{}
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if !b.header {
		b.header = true
		return copy(p, "phone,notes\n+5491155550000,a\n+5491155550001,b\n+5491155550002,\""), nil
	}
	<-b.release
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestImportCloseLeavesNoGoroutine closes readers at several points, and cancels one through
// its context: every goroutine the reader started is gone once Close returns.
func TestImportCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	lim := defaultImportLimits()
	lim.batchRows, lim.workers = 1, 4

	// Closed before any Next, with the reading goroutine blocked on a full line of batches.
	body := strings.NewReader("phone\n" + strings.Repeat("+5491155550000\n", 100))
	r, err := openImportWith(context.Background(), body, importCSV, "AR", lim)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	closeWithin(t, r)
	closeWithin(t, r)

	// Closed after one batch, while the body's Read is blocked: Close waits for the Read to
	// return, as the brief of Close says, and no longer.
	eb := &endlessBody{release: make(chan struct{})}
	r, err = openImportWith(context.Background(), eb, importCSV, "AR", lim)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := r.Next(); err != nil || len(b.Rows) != 1 {
		t.Fatalf("first batch %+v, %v", b, err)
	}
	close(eb.release)
	closeWithin(t, r)

	// Cancelled through its context: Next says so, and Close still waits.
	ctx, cancel := context.WithCancel(context.Background())
	body = strings.NewReader("phone\n" + strings.Repeat("+5491155550000\n", 100))
	r, err = openImportWith(ctx, body, importCSV, "AR", lim)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after the context ended: %v", err)
	}
	closeWithin(t, r)

	// Read to its end, then closed.
	res := readImport(t, strings.NewReader("phone\n+5491155550000\n"), importCSV, "AR", lim)
	if res.err != io.EOF {
		t.Fatal(res.err)
	}

	// The test's own goroutines (none here) aside, the count is back where it was. Close has
	// waited for the reader's; the runtime may take a moment to retire them.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closeWithin closes r, and fails the test (rather than hang it) when a goroutine of r's does
// not stop.
func closeWithin(t *testing.T, r *importReader) {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		r.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Close has not returned after 5s:\n%s", buf[:runtime.Stack(buf, true)])
	}
}

// TestImportNextAfterTheEnd: the error that ended the file is returned again.
func TestImportNextAfterTheEnd(t *testing.T) {
	r, err := openImport(context.Background(), strings.NewReader("phone\n+5491155550000\n\"\n"), importCSV, "AR")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := r.Next(); err != nil || len(b.Rows) != 1 {
		t.Fatalf("first batch %+v, %v", b, err)
	}
	for range 2 {
		if _, err := r.Next(); fileError(t, err).Line != 3 {
			t.Fatalf("error %v, want one at line 3", err)
		}
	}
}
