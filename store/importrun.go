package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ImportSpec is what an import is asked to do: into which list (by id, or by a name created
// when absent), from which format, and how.
type ImportSpec struct {
	ListID     int64  // the list, or 0 to name it
	ListName   string // the list of this name, created when the organization has none
	Format     string // csv, ndjson or json: recorded, the store reads rows, not files
	OnConflict OnConflict
	Atomic     bool
}

// ImportSlot takes the connections an import will hold for its whole life (one for an
// atomic import, one per writer otherwise), or returns EBUSY when the imports running hold so
// many that these would pass the quarter of the pool imports may have: an import waits on its
// client's upload for as long as it lasts, and queueing more of them would hold connections
// the API needs. release gives them back.
func (s *Store) ImportSlot(atomic bool) (release func(), err error) {
	return s.importConns.take(s.importConnsFor(atomic))
}

// importConnsFor is the connections an import holds: its one transaction's if atomic, one per
// writer otherwise.
func (s *Store) importConnsFor(atomic bool) int {
	if atomic {
		return 1
	}
	return s.importWriters
}

// StartImport finds (or, by name, creates) the list and records the import as running.
// Returns ENOTFOUND when ListID is not a list of the organization, EINVALID for a bad spec.
// A list created by name stays, even when the import then applies nothing: another import
// may have found it by its name meanwhile.
func (s *Store) StartImport(ctx context.Context, orgID string, spec ImportSpec) (Import, error) {
	if !slices.Contains([]OnConflict{ConflictUpdate, ConflictSkip, ConflictFail}, spec.OnConflict) {
		return Import{}, invalid("onConflict", "onConflict must be update, skip or fail, not %q", spec.OnConflict)
	}
	if !slices.Contains([]string{"csv", "ndjson", "json"}, spec.Format) {
		return Import{}, invalid("format", "format must be csv, ndjson or json, not %q", spec.Format)
	}
	list, created, err := s.importList(ctx, orgID, spec)
	if err != nil {
		return Import{}, err
	}
	now := s.Now()
	imp := Import{
		ID: newID("imp", now), OrgID: orgID, Status: ImportRunning, ListID: list.ID,
		ListName: list.Name, ListCreated: created, Format: spec.Format, OnConflict: spec.OnConflict,
		Atomic: spec.Atomic, FailedRows: []RowError{}, StartedAt: now,
	}
	row, err := imp.row()
	if err != nil {
		return Import{}, err
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return Import{}, err
	}
	return imp, nil
}

// importList is the import's list: by id, or by name, created when absent.
func (s *Store) importList(ctx context.Context, orgID string, spec ImportSpec) (list ContactList, created bool, err error) {
	if (spec.ListID == 0) == (spec.ListName == "") {
		return ContactList{}, false, invalid("contactListId", "give the list's id (contactListId) or its name (contactListName), one of them")
	}
	if spec.ListID != 0 {
		list, err := s.ContactList(ctx, orgID, spec.ListID)
		return list, false, err
	}
	name, err := checkListName(spec.ListName)
	if err != nil {
		return ContactList{}, false, invalid("contactListName", "contactListName must be 1 to 200 characters, not only spaces")
	}
	// Two tries: a list created by someone else between the read and the create is then read.
	for range 2 {
		var row contactListRow
		err := s.db.WithContext(ctx).Where("org_id = ? AND name = ?", orgID, name).Take(&row).Error
		if err == nil {
			return row.contactList(), false, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return ContactList{}, false, err
		}
		list, err := s.CreateContactList(ctx, orgID, NewContactList{Name: name})
		if err == nil {
			return list, true, nil
		}
		if ErrorCode(err) != ECONFLICT {
			return ContactList{}, false, err
		}
	}
	return ContactList{}, false, errorf(ECONFLICT, "the contact list %q was created and deleted while the import started; try again", name)
}

// chunkOutcome is what one chunk did to its rows.
type chunkOutcome struct {
	created, updated, unchanged, skipped int64
	failed                               []RowError
}

// importEngine is where an import runs: one connection of its own on PostgreSQL, the store's
// pool on SQLite.
type importEngine interface {
	// allocateIDs takes n contact ids outside any transaction of the import (see AllocateIDs).
	allocateIDs(ctx context.Context, orgID string, n int) (first int64, err error)
	begin(ctx context.Context) (importTx, error)
	// locksOut reports whether a transaction keeps every other writer out until it ends
	// (SQLite's one writer): an atomic import must then read its whole file before it begins.
	locksOut() bool
}

// importTx is one transaction of an import: a chunk's, or an atomic import's whole.
type importTx interface {
	// allocateIDs takes n contact ids while the transaction is open (an atomic import's).
	allocateIDs(ctx context.Context, orgID string, n int) (first int64, err error)
	// apply writes rows, whose new contacts take ids from firstID on.
	apply(ctx context.Context, imp Import, rows []ImportRow, firstID int64) (chunkOutcome, error)
	// save writes the import's record in the transaction, so that it commits with the rows.
	save(ctx context.Context, imp Import) error
	commit(ctx context.Context) error
	rollback(ctx context.Context)
}

// importEnd is how an import ended, to be recorded once its connection is back in the pool.
type importEnd struct {
	imp    Import
	status ImportStatus
	msg    *string
	cause  error // what stopped it, if anything did
	saved  bool  // the record was written with the rows (an atomic import's commit)
}

// chunkRetries is how often a chunk that lost a deadlock (or a serialization conflict) to
// another writer is tried again: it rolled back whole, so trying again is safe.
const chunkRetries = 3

// RunImport applies the batches next returns until it returns io.EOF (the file's end) or
// another error (the file stopped being readable, the body failed), and records the outcome.
//
// Without Atomic each batch is one transaction that writes its rows and the record's counts
// together: a batch is applied whole or not at all, and the record never counts a row that is
// not there. On PostgreSQL several batches are applied at once (writeChunks). With Atomic all
// batches share one transaction, committed only when the file was read to its end without a
// failed row; the record shows the rows read as they are read.
//
// It returns the import as recorded at its end, and the error that stopped it (next's, or the
// database's) if any; an atomic import with failed rows ends failed without an error.
func (s *Store) RunImport(ctx context.Context, imp Import, next func() (ImportBatch, error)) (Import, error) {
	var end importEnd
	run := func(engines []importEngine) error {
		if imp.Atomic {
			end = s.driveAtomic(ctx, imp, engines[0], next)
		} else {
			end = s.writeChunks(ctx, imp, engines, next)
		}
		return nil
	}
	var err error
	if s.dialect == Postgres {
		err = s.withPgxConns(ctx, s.importConnsFor(imp.Atomic), run)
	} else {
		err = run([]importEngine{sqliteImportEngine{s}}) // one writer is SQLite's rule
	}
	if err != nil { // no connection to run it on
		end = importEnd{imp: imp, status: ImportFailed, cause: err}
	}
	return s.recordEnd(ctx, end)
}

// driveAtomic is an atomic import: every batch in one transaction.
func (s *Store) driveAtomic(ctx context.Context, imp Import, e importEngine, next func() (ImportBatch, error)) importEnd {
	if e.locksOut() {
		// Read and check the whole file before the transaction takes the one write lock:
		// held while a client uploads, it would stop every other writer for as long.
		spool, err := s.spoolImport(ctx, &imp, next)
		if err != nil {
			return importEnd{imp: imp, status: ImportFailed, cause: err}
		}
		defer spool.close()
		next = spool.next
		imp.RowsRead = 0 // counted again as the spool is replayed
	}
	tx, err := e.begin(ctx)
	if err != nil {
		return importEnd{imp: imp, status: ImportFailed, cause: err}
	}
	// applied is the record as the database will have it if the transaction commits; imp is
	// what it has now, the rows read.
	applied := imp
	fail := func(cause error) importEnd {
		if tx != nil { // nil after a failed commit, which rolled back
			tx.rollback(ctx)
		}
		imp.RowsRead = applied.RowsRead
		return importEnd{imp: imp, status: ImportFailed, cause: chunkFailure(cause, imp)}
	}
	for {
		batch, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		outcome, err := s.applyInTx(ctx, tx, applied, batch)
		if err != nil {
			return fail(fmt.Errorf("rows %d to %d: %w", firstRow(batch), lastRow(batch), err))
		}
		applied.count(batch.Read(), outcome)
		imp.RowsRead = applied.RowsRead
		if !e.locksOut() { // progress beside the open transaction (a spooled file was counted already)
			s.saveProgress(ctx, imp)
		}
	}
	if applied.Failed > 0 {
		tx.rollback(ctx)
		imp.RowsRead, imp.Failed = applied.RowsRead, applied.Failed
		imp.FailedRows, imp.FailedRowsOmitted = applied.FailedRows, applied.FailedRowsOmitted
		msg := fmt.Sprintf("%d of %d rows failed; an atomic import applies every row or none, so none was applied", applied.Failed, applied.RowsRead)
		return importEnd{imp: imp, status: ImportFailed, msg: &msg}
	}
	applied.Status, applied.FinishedAt = ImportSucceeded, ptrTo(s.Now())
	if err := tx.save(ctx, applied); err != nil {
		return fail(err)
	}
	if err := tx.commit(ctx); err != nil {
		tx = nil // a failed commit has rolled back
		return fail(err)
	}
	return importEnd{imp: applied, status: ImportSucceeded, saved: true}
}

// applyInTx applies a batch in an atomic import's open transaction.
func (s *Store) applyInTx(ctx context.Context, tx importTx, imp Import, batch ImportBatch) (chunkOutcome, error) {
	var firstID int64
	if len(batch.Rows) > 0 {
		var err error
		if firstID, err = tx.allocateIDs(ctx, imp.OrgID, len(batch.Rows)); err != nil {
			return chunkOutcome{}, err
		}
	}
	out, err := tx.apply(ctx, imp, batch.Rows, firstID)
	out.failed = mergeRowErrors(batch.Failed, out.failed)
	return out, err
}

// applyChunk applies a batch of a non-atomic import (imp as it started: its organization,
// list and spec) in a transaction of its own, adds it to the record and commits; a chunk that
// lost a deadlock is tried again.
func (s *Store) applyChunk(ctx context.Context, e importEngine, imp Import, tally *importTally, batch ImportBatch) error {
	var firstID int64
	if len(batch.Rows) > 0 {
		// The ids of rows that update or skip are left unused.
		var err error
		if firstID, err = e.allocateIDs(ctx, imp.OrgID, len(batch.Rows)); err != nil {
			return err
		}
	}
	for try := 1; ; try++ {
		err := s.tryChunk(ctx, e, imp, tally, batch, firstID)
		if err == nil || try == chunkRetries || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

func (s *Store) tryChunk(ctx context.Context, e importEngine, imp Import, tally *importTally, batch ImportBatch, firstID int64) error {
	tx, err := e.begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// A panic must not leave the transaction open, holding its contacts' locks (and,
		// between the record's save and the commit, the record's row the other writer needs)
		// until the whole import gives its connections back.
		if p := recover(); p != nil {
			tx.rollback(ctx)
			panic(p)
		}
	}()
	out, err := tx.apply(ctx, imp, batch.Rows, firstID)
	if err != nil {
		tx.rollback(ctx)
		return err
	}
	out.failed = mergeRowErrors(batch.Failed, out.failed)
	return tally.commit(ctx, tx, batch.Read(), out)
}

// chunkFailure words what stopped an import where the store knows better than the driver:
// a list deleted while rows went into it, a deadlock lost more often than retried.
func chunkFailure(err error, imp Import) error {
	switch {
	case isForeignKeyViolation(err):
		return errorf(ENOTFOUND, "contact list %d was deleted during the import", imp.ListID)
	case isRetryable(err):
		return errorf(EBUSY, "other writes held the same contacts of contact list %d, %d times; import the file again (with onConflict=update or skip): %v", imp.ListID, chunkRetries, err)
	}
	return err
}

// count adds a committed (or, atomic, applied) batch to the record.
func (imp *Import) count(read int64, o chunkOutcome) {
	imp.RowsRead += read
	imp.Created += o.created
	imp.Updated += o.updated
	imp.Unchanged += o.unchanged
	imp.Skipped += o.skipped
	imp.Failed += int64(len(o.failed))
	// Chunks may commit out of the file's order: the list keeps the first rows by number.
	failed := mergeRowErrors(imp.FailedRows, o.failed)
	listed := min(len(failed), MaxFailedRows)
	imp.FailedRows = failed[:listed:listed]
	imp.FailedRowsOmitted += int64(len(failed) - listed)
}

// mergeRowErrors merges two lists of failed rows, each in row order, into one in row order.
func mergeRowErrors(a, b []RowError) []RowError {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	sortRowErrors(out)
	return out
}

func firstRow(b ImportBatch) int64 {
	if len(b.Rows) > 0 {
		return b.Rows[0].Row
	}
	return 0
}

func lastRow(b ImportBatch) int64 {
	if len(b.Rows) > 0 {
		return b.Rows[len(b.Rows)-1].Row
	}
	return 0
}

// saveProgress writes an atomic import's rows read, outside its transaction, so that the
// record shows progress before the commit. Progress is worth a short wait at most: an import
// that cannot show it goes on.
func (s *Store) saveProgress(ctx context.Context, imp Import) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	s.db.WithContext(ctx).Model(&importRow{}).Where("org_id = ? AND id = ?", imp.OrgID, imp.ID).
		Update("rows_read", imp.RowsRead)
}

// recordEndTimeout bounds the write of an import's end. It runs even when the request's
// context has ended (the record must not stay running), so it needs a bound of its own.
const recordEndTimeout = 10 * time.Second

// recordEnd writes how the import ended (unless its commit did), and returns the record with
// what stopped it.
func (s *Store) recordEnd(ctx context.Context, end importEnd) (Import, error) {
	imp := end.imp
	if end.saved {
		return imp, nil
	}
	imp.Status, imp.Error, imp.FinishedAt = end.status, end.msg, ptrTo(s.Now())
	if end.cause != nil && imp.Error == nil {
		msg := importFailure(end.cause)
		imp.Error = &msg
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordEndTimeout)
	defer cancel()
	if err := s.saveImportOn(ctx, s.sql, imp); err != nil {
		return imp, errors.Join(end.cause, fmt.Errorf("record the import's end: %w", err))
	}
	return imp, end.cause
}

// importFailure words why an import stopped, for its record.
func importFailure(cause error) string {
	var e *Error
	if errors.As(cause, &e) {
		return e.Message
	}
	msg := cause.Error()
	if IsUnavailable(cause) {
		msg = "the database could not be reached: " + msg
	}
	if errors.Is(cause, context.Canceled) {
		msg = "the request ended before the import did (the client went away or the server is stopping): " + msg
	}
	return strings.TrimSpace(msg) + "; the rows of the chunks that committed are applied, as the record counts them (an atomic import applied nothing)"
}

func ptrTo[T any](v T) *T { return &v }

// importRounds splits a chunk's rows (by index) into rounds in which no phone repeats: the
// first row of each phone, then the second, and so on. Each round is applied after the one
// before, so that a phone twice in a chunk acts as it would in two chunks: created, then
// updated, skipped or failed by onConflict. Nearly always there is one round.
func importRounds(rows []ImportRow) [][]int {
	seen := make(map[string]int, len(rows))
	var rounds [][]int
	for i := range rows {
		k := seen[rows[i].Phone.MatchKey]
		seen[rows[i].Phone.MatchKey] = k + 1
		if k == len(rounds) {
			rounds = append(rounds, make([]int, 0, len(rows)))
		}
		rounds[k] = append(rounds[k], i)
	}
	return rounds
}

// phoneHeld is the failure of a row whose phone the list holds, under onConflict=fail.
func phoneHeld(r ImportRow, listID, contactID int64) RowError {
	return RowError{Row: r.Row, Line: r.Line, Field: "phone",
		Reason: fmt.Sprintf("contact list %d already holds %s as contact %d (onConflict=fail)", listID, r.Phone.E164, contactID)}
}

func sortRowErrors(rows []RowError) {
	slices.SortStableFunc(rows, func(x, y RowError) int { return int(x.Row - y.Row) })
}
