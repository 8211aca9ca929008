package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// DefaultImportWriters is how many chunks of one import PostgreSQL applies at once unless
// Config.ImportWriters says otherwise. A chunk's time is nearly all PostgreSQL's (its indexes,
// the trigram one first), and one backend works on one core: a second writer puts the other
// core to work (a 1,000,000-row import went from about 90 s to about 65 s on two cores).
const DefaultImportWriters = 2

// importWritersFor is how many chunks of one import are applied at once: those asked for,
// and never more than a quarter of a pool of maxConns connections, each writer holding one.
func importWritersFor(asked, maxConns int) int {
	if asked <= 0 {
		asked = DefaultImportWriters
	}
	return max(1, min(asked, maxConns/4))
}

// importBudget counts the connections running imports hold, against the most they may.
type importBudget struct {
	mu         sync.Mutex
	used, most int
}

// importBudgetFor is the connections imports may hold on a pool of maxConns: a quarter of
// it, so that the API keeps the rest, and at least one import's writers.
func importBudgetFor(maxConns, writers int) *importBudget {
	return &importBudget{most: max(writers, maxConns/4)}
}

// take counts n more connections, or returns EBUSY when that would pass the most.
func (b *importBudget) take(n int) (release func(), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.most {
		return nil, errorf(EBUSY, "the imports running hold %d of the %d database connections this server gives imports, and this one needs %d; retry when one has ended", b.used, b.most, n)
	}
	b.used += n
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.used -= n
		})
	}, nil
}

// writeChunks applies a non-atomic import's batches, each in a transaction of its own with
// the record's counts, on the engines given: with two, a chunk is applied while the one
// before it is, each on its own connection.
//
// A file's rows must act as they would one after the other, so the rows of a chunk whose
// phone a chunk still being applied holds wait for that one to end: a phone twice in the file
// is created, then updated, skipped or failed, as in one writer's order. The chunk's other
// rows (nearly all of them: a CRM's file repeats a phone seldom, but over a million rows a
// few of every chunk's phones are in the chunk before) are applied at once, in a transaction
// of their own; the waiting rows follow in another. Rows without a phone in common touch no
// contact in common and commit in whichever order they end; the record adds each
// transaction as it commits (importTally), so it counts exactly the rows applied.
//
// When a chunk fails, the chunks before it in the file are still applied whole, and no chunk
// after it begins. Those after it already under way when it failed (at most one less than the
// writers) may have committed, whole or, when split, their first part: the record counts them.
func (s *Store) writeChunks(ctx context.Context, imp Import, engines []importEngine, next func() (ImportBatch, error)) importEnd {
	tally := &importTally{imp: imp}
	free := make(chan importEngine, len(engines))
	for _, e := range engines {
		free <- e
	}
	reads, quit := readAhead(next)
	defer close(quit)
	var (
		wg      sync.WaitGroup
		fail    = newChunkFailures()
		fileErr error // next's, or the context's: the file ends there
		running []*chunkJob
	)
dispatch:
	for seq := 0; ; seq++ {
		var e importEngine
		select {
		case e = <-free: // a writer is free: take the next batch for it
		case <-fail.any:
			break dispatch
		}
		var r batchRead
		select {
		case r = <-reads:
		case <-fail.any: // at once, not when the client sends the next batch
			break dispatch
		case <-ctx.Done():
			r.err = ctx.Err()
		}
		if errors.Is(r.err, io.EOF) {
			break dispatch
		}
		if r.err != nil {
			fileErr = r.err // the chunks read before it are applied still
			break dispatch
		}
		batch := r.batch
		job := newChunkJob(batch, len(engines) > 1)
		running = slices.DeleteFunc(running, (*chunkJob).ended)
		now, later, after := job.split(batch, running)
		running = append(running, job)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { free <- e }()
			defer close(job.done) // before the writer is free again, so the next batch sees it ended
			defer func() {
				// Out of the request's goroutine a panic would end the process, not the request.
				if p := recover(); p != nil {
					fail.record(seq, fmt.Errorf("rows %d to %d: the import's writer failed: %v", firstRow(batch), lastRow(batch), p))
				}
			}()
			apply := func(part ImportBatch) bool {
				if fail.after(seq) {
					return false
				}
				if err := s.applyChunk(ctx, e, imp, tally, part); err != nil {
					fail.record(seq, fmt.Errorf("%s: %w", partRows(batch, part), err))
					return false
				}
				return true
			}
			if now.Read() > 0 && !apply(now) {
				return
			}
			if len(later.Rows) > 0 {
				for _, earlier := range after {
					<-earlier.done
				}
				apply(later)
			}
		}()
	}
	wg.Wait()
	// A chunk's failure says more than the file's end: with the client gone both are the
	// same cancellation, and a database's failure is what the record must show.
	if err := cmp.Or(fail.cause, fileErr); err != nil {
		return importEnd{imp: tally.imp, status: ImportFailed, cause: chunkFailure(err, imp)}
	}
	return importEnd{imp: tally.imp, status: ImportSucceeded}
}

// chunkFailures is where an import's chunks failed: the first in the file's order, and a
// channel closed at the first failure, whichever chunk it was.
type chunkFailures struct {
	mu    sync.Mutex
	seq   int   // the failed chunk first in the file; valid once any is closed
	cause error // its failure
	any   chan struct{}
}

func newChunkFailures() *chunkFailures { return &chunkFailures{any: make(chan struct{})} }

// record notes that chunk seq failed with err.
func (f *chunkFailures) record(seq int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cause == nil {
		close(f.any)
	} else if seq >= f.seq {
		return
	}
	f.seq, f.cause = seq, err
}

// after reports whether a chunk before seq has failed: seq's rows are then left out.
func (f *chunkFailures) after(seq int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cause != nil && f.seq < seq
}

// batchRead is one answer of an import's next.
type batchRead struct {
	batch ImportBatch
	err   error
}

// readAhead calls next in a goroutine of its own, one batch ahead of the writers, until it
// answers an error (io.EOF at the file's end) or quit is closed: a chunk that fails ends the
// import at once, where waiting in next would wait for a client that may have stopped
// sending. After quit, a call of next under way is left to end when the caller closes its
// reader (the server's reader also ends with the request's context); nothing calls next
// again. A panic in next is an error read, not the end of the process.
func readAhead(next func() (ImportBatch, error)) (<-chan batchRead, chan<- struct{}) {
	reads, quit := make(chan batchRead), make(chan struct{})
	call := func() (r batchRead) {
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("reading the file failed: %v", p)
			}
		}()
		r.batch, r.err = next()
		return r
	}
	go func() {
		for {
			r := call()
			select {
			case reads <- r:
			case <-quit:
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	return reads, quit
}

// partRows names the rows of part, batch or some of its rows, for a failure's message.
func partRows(batch, part ImportBatch) string {
	if part.Read() == batch.Read() {
		return fmt.Sprintf("rows %d to %d", firstRow(batch), lastRow(batch))
	}
	return fmt.Sprintf("%d of rows %d to %d (the others wait for, or went before, the rows of their phones in an earlier chunk)", part.Read(), firstRow(batch), lastRow(batch))
}

// chunkJob is a batch given to a writer: its phones, and whether it has ended.
type chunkJob struct {
	phones map[string]struct{} // match keys; nil when no writer runs beside it
	done   chan struct{}       // closed when it has committed, failed or been left out
}

// newChunkJob is b's job; its phones only where another writer may run beside it (with one,
// the chunk before has always ended, and a million rows' map would be built for nothing).
func newChunkJob(b ImportBatch, beside bool) *chunkJob {
	if !beside {
		return &chunkJob{done: make(chan struct{})}
	}
	phones := make(map[string]struct{}, len(b.Rows))
	for i := range b.Rows {
		phones[b.Rows[i].Phone.MatchKey] = struct{}{}
	}
	return &chunkJob{phones: phones, done: make(chan struct{})}
}

func (j *chunkJob) ended() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// split parts batch, j's, into the rows that may be applied at once and those whose phone
// one of the running chunks holds, with the chunks these wait for. One running chunk that
// waits for another ends only after it, so waiting for those that share a phone is enough
// whatever they wait for. The rows keep the file's order in each part; the rows that failed
// before the store go with the first.
func (j *chunkJob) split(batch ImportBatch, running []*chunkJob) (now, later ImportBatch, after []*chunkJob) {
	held := map[string]bool{}
	for _, r := range running {
		shares := false
		for k := range j.phones {
			if _, ok := r.phones[k]; ok {
				held[k], shares = true, true
			}
		}
		if shares {
			after = append(after, r)
		}
	}
	if len(held) == 0 {
		return batch, ImportBatch{}, nil
	}
	now.Failed = batch.Failed
	for _, row := range batch.Rows {
		if held[row.Phone.MatchKey] {
			later.Rows = append(later.Rows, row)
		} else {
			now.Rows = append(now.Rows, row)
		}
	}
	return now, later, after
}

// importTally is a non-atomic import's record as committed, shared by its writers. A chunk's
// transaction adds its counts and writes the record last, under the lock, and commits before
// letting go: the record the database holds always counts the chunks committed, whichever
// order they end in, and no two transactions wait on each other for the record's row.
type importTally struct {
	mu  sync.Mutex
	imp Import
}

// commit writes the record with the chunk's outcome added, and commits the chunk's
// transaction; on a failure the tally stays as it was and the transaction is rolled back.
func (t *importTally) commit(ctx context.Context, tx importTx, read int64, out chunkOutcome) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := t.imp
	next.count(read, out)
	if err := tx.save(ctx, next); err != nil {
		tx.rollback(ctx)
		return err
	}
	if err := tx.commit(ctx); err != nil { // a failed commit has rolled back
		return err
	}
	t.imp = next
	return nil
}
