package store

import (
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

// importSlotsFor is how many imports may run at once on a pool of maxConns connections, each
// holding writers connections for its whole life: together at most a quarter of the pool,
// so that the API keeps the rest.
func importSlotsFor(maxConns, writers int) int { return max(1, maxConns/(4*max(1, writers))) }

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
// After a chunk fails no chunk begins; those being applied end as they would have, so an
// import that stopped may have applied rows after those that failed, and counts them.
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
		mu      sync.Mutex
		cause   error                 // the first chunk that failed
		fileErr error                 // next's, the file's end
		failed  = make(chan struct{}) // closed with cause set
		running []*chunkJob
	)
	// stop ends the import at a chunk that failed: no chunk begins after it.
	stop := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if cause == nil {
			cause = err
			close(failed)
		}
	}
	stopped := func() bool {
		select {
		case <-failed:
			return true
		default:
			return false
		}
	}
dispatch:
	for {
		var e importEngine
		select {
		case e = <-free: // a writer is free: take the next batch for it
		case <-failed:
			break dispatch
		}
		var r batchRead
		select {
		case r = <-reads:
		case <-failed: // at once, not when the client sends the next batch
			break dispatch
		}
		if errors.Is(r.err, io.EOF) {
			break dispatch
		}
		if r.err != nil {
			fileErr = r.err // the file ends here, broken: the chunks read before it are applied still
			break dispatch
		}
		batch := r.batch
		job := newChunkJob(batch)
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
					stop(fmt.Errorf("rows %d to %d: the import's writer failed: %v", firstRow(batch), lastRow(batch), p))
				}
			}()
			apply := func(part ImportBatch) bool {
				if stopped() {
					return false
				}
				if err := s.applyChunk(ctx, e, imp, tally, part); err != nil {
					stop(fmt.Errorf("%s: %w", partRows(batch, part), err))
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
	if err := errors.Join(cause, fileErr); err != nil {
		return importEnd{imp: tally.imp, status: ImportFailed, cause: chunkFailure(err, imp)}
	}
	return importEnd{imp: tally.imp, status: ImportSucceeded}
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
// reader; nothing calls next again.
func readAhead(next func() (ImportBatch, error)) (<-chan batchRead, chan<- struct{}) {
	reads, quit := make(chan batchRead), make(chan struct{})
	go func() {
		for {
			b, err := next()
			select {
			case reads <- batchRead{b, err}:
			case <-quit:
				return
			}
			if err != nil {
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
	return fmt.Sprintf("%d of rows %d to %d (the others wait for, or went before, the rows of their phones in an earlier chunk)", len(part.Rows), firstRow(batch), lastRow(batch))
}

// chunkJob is a batch given to a writer: its phones, and whether it has ended.
type chunkJob struct {
	phones map[string]struct{} // match keys
	done   chan struct{}       // closed when it has committed, failed or been left out
}

func newChunkJob(b ImportBatch) *chunkJob {
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
