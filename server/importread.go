package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/wagate/wagate/store"
)

// importFormat is the file's format, from the request's media type.
type importFormat string

const (
	importCSV    importFormat = "csv"    // text/csv
	importNDJSON importFormat = "ndjson" // application/x-ndjson
	importJSON   importFormat = "json"   // application/json: one array of ImportRow objects
)

// importBatchRows is how many rows a batch holds (the store commits a batch as one chunk).
const importBatchRows = 5000

// importMaxRows is the most rows one import reads.
const importMaxRows = 1_000_000

// importMaxRowBytes is the longest row a file may have. It bounds what one row costs in memory:
// the readers never hold more of a row than this and a few KB of read-ahead.
const importMaxRowBytes = 1 << 20

// importMaxWorkers bounds the goroutines checking one import's rows: each holds batches in
// flight, so on a machine of many cores an import's memory would grow with them; past a few
// cores the database, not the parsing, sets the pace.
const importMaxWorkers = 4

// importBatchBytes cuts a batch short of importBatchRows when its rows' text reaches it, so that
// a file of long rows (5000 rows of 1 MiB would be 5 GB) costs the same memory per batch as a
// file of short ones.
const importBatchBytes = 4 << 20

// importLimits are the bounds a reader works under: the constants above, smaller in tests.
type importLimits struct {
	rows       int64 // importMaxRows
	batchRows  int   // importBatchRows
	batchBytes int   // importBatchBytes
	rowBytes   int64 // importMaxRowBytes
	workers    int   // GOMAXPROCS
}

func defaultImportLimits() importLimits {
	return importLimits{
		rows: importMaxRows, batchRows: importBatchRows, batchBytes: importBatchBytes,
		rowBytes: importMaxRowBytes, workers: min(runtime.GOMAXPROCS(0), importMaxWorkers),
	}
}

// importFileError is a file that stopped being readable: where, and why, in words for a user.
type importFileError struct {
	Line        int64  // the line of the file where reading failed (1-based); 0 when unknown
	Message     string // e.g. `line 7: bare " in non-quoted field`
	TooManyRows bool   // the file has more than importMaxRows rows
}

func (e *importFileError) Error() string { return e.Message }

// rawRow is one row as the file holds it, before it is checked: a CSV record's cells, or a JSON
// object's text. fail, when set, is why the row failed already while it was read (an NDJSON
// line too long to keep).
type rawRow struct {
	row, line int64
	cells     []string
	text      []byte
	fail      string
}

// importSource reads a file's rows one at a time, in file order. next returns io.EOF after the
// last row, an *importFileError when the file stops being readable, or the body's own error.
type importSource interface {
	next() (rawRow, error)
}

// importJob is one batch on its way through the workers. Next takes jobs in file order from
// importReader.order and waits for each to be done, so the workers may finish them in any order.
type importJob struct {
	raws  []rawRow
	err   error         // what ended the file after these rows (io.EOF at its end); nil when it goes on
	done  chan struct{} // closed once batch is built
	batch store.ImportBatch
}

// importReader reads an import's body into batches (see openImport).
type importReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	order  chan *importJob // every batch, in file order, as the reading goroutine cuts it
	jobs   chan *importJob // the batches to build, for the workers
	rows   rowChecker
	err    error // the error Next returned, returned again by every later call
}

// openImport starts reading body. A CSV header that cannot be used (an unknown column, a column
// given twice, no phone column, no header at all) is returned here as a 400 (*apiError from
// invalid(fieldError{Field: <the header as written>, In: "body", Message: ...})), before any row.
// region is the region national phone spellings are read under when a row has no countryCode.
func openImport(ctx context.Context, body io.Reader, format importFormat, region string) (*importReader, error) {
	return openImportWith(ctx, body, format, region, defaultImportLimits())
}

// openImportWith is openImport under lim.
func openImportWith(ctx context.Context, body io.Reader, format importFormat, region string, lim importLimits) (*importReader, error) {
	// CSV and JSON parsers hold a whole record: they read through a rowLimitReader. The NDJSON
	// reader cuts lines itself and drops a long one, so it reads the body as it is.
	in := newRowLimitReader(body, lim.rowBytes)
	var src importSource
	rows := rowChecker{region: region, format: format}
	switch format {
	case importCSV:
		s, cols, err := openCSVSource(in)
		if err != nil {
			return nil, err
		}
		src, rows.columns = s, cols
	case importNDJSON:
		src = newNDJSONSource(body, lim.rowBytes)
	case importJSON:
		src = newJSONArraySource(in)
	default:
		return nil, fmt.Errorf("import: unknown format %q", format)
	}
	workers := max(lim.workers, 1)
	lim.batchRows = max(lim.batchRows, 1) // a batch of no rows would never end the file
	ctx, cancel := context.WithCancel(ctx)
	r := &importReader{
		ctx: ctx, cancel: cancel, rows: rows,
		// Two batches a worker wait in line or are being built; the reading goroutine stops
		// when the line is full, which bounds memory whatever the file's size.
		order: make(chan *importJob, 2*workers),
		jobs:  make(chan *importJob),
	}
	r.wg.Add(1 + workers)
	go r.read(src, lim)
	for range workers {
		go r.work()
	}
	return r, nil
}

// read cuts the source's rows into batches and hands each to Next (in order) and to the
// workers, until the file ends, fails, or the reader is closed.
func (r *importReader) read(src importSource, lim importLimits) {
	defer r.wg.Done()
	defer close(r.jobs)
	defer close(r.order)
	var count int64
	for {
		job := &importJob{done: make(chan struct{})}
		size := 0
		for len(job.raws) < lim.batchRows && size < lim.batchBytes {
			raw, err := src.next()
			if err == nil && count == lim.rows {
				err = &importFileError{
					Line:        raw.line,
					Message:     fmt.Sprintf("%sthe file has more than %d rows", linePrefix(raw.line), lim.rows),
					TooManyRows: true,
				}
			}
			if err != nil {
				job.err = err
				break
			}
			count++
			raw.row = count
			size += len(raw.text)
			for _, c := range raw.cells {
				size += len(c) + 1
			}
			job.raws = append(job.raws, raw)
		}
		select {
		case r.order <- job:
		case <-r.ctx.Done():
			return
		}
		if len(job.raws) == 0 {
			close(job.done)
		} else {
			select {
			case r.jobs <- job:
			case <-r.ctx.Done():
				return
			}
		}
		if job.err != nil {
			return
		}
	}
}

// work builds the batches of raw rows it is handed into checked rows and failures.
func (r *importReader) work() {
	defer r.wg.Done()
	for {
		select {
		case job, ok := <-r.jobs:
			if !ok {
				return
			}
			if !r.build(job) {
				return
			}
			close(job.done)
		case <-r.ctx.Done():
			return
		}
	}
}

// build checks job's rows into its batch; false when the reader was closed meanwhile.
func (r *importReader) build(job *importJob) bool {
	b := &job.batch
	b.Rows = make([]store.ImportRow, 0, len(job.raws))
	for i := range job.raws {
		// Checking a batch takes tens of milliseconds; Close should not wait for all of it.
		if i%256 == 255 && r.ctx.Err() != nil {
			return false
		}
		row, fail := r.rows.check(&job.raws[i])
		if fail != nil {
			b.Failed = append(b.Failed, *fail)
		} else {
			b.Rows = append(b.Rows, row)
		}
		job.raws[i] = rawRow{} // the text is not needed any more: let it go with the batch
	}
	return true
}

// Next returns the next batch, in file order, io.EOF after the last. Each batch holds up to
// importBatchRows rows (Rows + Failed), Read = len(Rows)+len(Failed). When the file stops being
// readable as its format (mismatched CSV quotes, a JSON syntax error in an array, a row over
// importMaxRowBytes, more than importMaxRows rows) Next returns an *importFileError; the rows before
// it came in earlier batches (a partial batch before the error is returned first, then the error).
// An error of body itself (*http.MaxBytesError, a client gone) is returned so that errors.As
// finds it.
func (r *importReader) Next() (store.ImportBatch, error) {
	if r.err != nil {
		return store.ImportBatch{}, r.err
	}
	var job *importJob
	select {
	case j, ok := <-r.order:
		if !ok {
			// The reading goroutine only stops without a last job when the reader was closed.
			return store.ImportBatch{}, r.fail(r.ctx.Err())
		}
		job = j
	case <-r.ctx.Done():
		return store.ImportBatch{}, r.fail(r.ctx.Err())
	}
	select {
	case <-job.done:
	case <-r.ctx.Done():
		return store.ImportBatch{}, r.fail(r.ctx.Err())
	}
	if job.err != nil {
		r.err = job.err
	}
	if job.batch.Read() == 0 && job.err != nil {
		return store.ImportBatch{}, job.err
	}
	return job.batch, nil
}

func (r *importReader) fail(err error) error {
	if err == nil {
		err = errors.New("import: the reader stopped")
	}
	r.err = err
	return err
}

// Close stops the reader's goroutines and waits for them; safe after any Next result, and twice.
// A Read of the body that is under way is waited for: the caller makes it return (the request's
// end, or a read deadline) when it gives up on a body the client is still sending.
func (r *importReader) Close() {
	r.cancel()
	r.wg.Wait()
}

// linePrefix is "line N: " for a known line, "" otherwise.
func linePrefix(line int64) string {
	if line <= 0 {
		return ""
	}
	return fmt.Sprintf("line %d: ", line)
}

// errRowTooLong is rowLimitReader's answer once a row has grown past its limit.
var errRowTooLong = errors.New("row too long")

// rowLimitReader bounds the bytes a parser may read past the end of the last row it returned:
// encoding/csv and encoding/json buffer a whole record or value, so without it a file of one
// endless row would take all memory. The source marks each row's end (mark); Read fails with
// errRowTooLong once more than max bytes have been read beyond it. max allows the parsers'
// read-ahead of a few KB.
type rowLimitReader struct {
	r    io.Reader
	n    int64 // bytes read
	last int64 // n at the end of the last row
	max  int64
	err  error // the body's last failure (not io.EOF), to tell it from the parser's own
}

// rowReadAhead is what a parser may have read past a row's end when it returns it: encoding/csv's
// bufio.Reader holds 4 KiB; json.Decoder reads in 512-byte steps.
const rowReadAhead = 8 << 10

func newRowLimitReader(r io.Reader, rowBytes int64) *rowLimitReader {
	return &rowLimitReader{r: r, max: rowBytes + rowReadAhead}
}

func (l *rowLimitReader) Read(p []byte) (int, error) {
	left := l.max - (l.n - l.last)
	if left <= 0 {
		return 0, errRowTooLong
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// mark says a row ended at offset at of the stream read so far.
func (l *rowLimitReader) mark(at int64) { l.last = at }
