package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

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

// StartImport finds (or, by name, creates) the list and records the import as running.
// Returns ENOTFOUND when ListID is not a list of the organization, EINVALID for a bad spec.
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
		if created {
			s.dropCreatedList(ctx, imp)
		}
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

// dropCreatedList deletes the list an import created, when the import applied nothing: an
// atomic import that failed leaves nothing behind. A list someone filled meanwhile stays.
func (s *Store) dropCreatedList(ctx context.Context, imp Import) {
	ctx = context.WithoutCancel(ctx)
	s.db.WithContext(ctx).Where("org_id = ? AND id = ? AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.org_id = ? AND c.contact_list_id = ?)",
		imp.OrgID, imp.ListID, imp.OrgID, imp.ListID).Delete(&contactListRow{})
}

// chunkOutcome is what one chunk did to its rows.
type chunkOutcome struct {
	created, updated, unchanged, skipped int64
	failed                               []RowError
}

func (o *chunkOutcome) add(p chunkOutcome) {
	o.created += p.created
	o.updated += p.updated
	o.unchanged += p.unchanged
	o.skipped += p.skipped
	o.failed = append(o.failed, p.failed...)
}

// importTx is one transaction of an import on one engine: a chunk's (or, atomic, the whole
// import's).
type importTx interface {
	// allocateIDs takes n contact ids for a chunk's new contacts (see AllocateIDs).
	allocateIDs(ctx context.Context, orgID string, n int) (first int64, err error)
	// apply writes rows, whose new contacts take ids from firstID on.
	apply(ctx context.Context, imp Import, rows []ImportRow, firstID int64) (chunkOutcome, error)
	// save writes the import's record in the transaction, so that it commits with the rows.
	save(ctx context.Context, imp Import) error
	// locksOut reports whether the transaction keeps every other writer out until it ends
	// (SQLite's one writer): an atomic import's progress cannot then be written beside it.
	locksOut() bool
	commit(ctx context.Context) error
	rollback(ctx context.Context)
}

// RunImport applies the batches next returns until it returns io.EOF (the file's end) or
// another error (the file stopped being readable, the body failed), and records the outcome.
//
// Without Atomic each batch is one transaction that writes its rows and the record's counts
// together: a batch is applied whole or not at all, and the record never counts a row that is
// not there. With Atomic all batches share one transaction, committed only when the file was
// read to its end without a failed row; the record shows the rows read as they are read.
//
// It returns the import as recorded at its end, and the error that stopped it (next's, or the
// database's) if any; an atomic import with failed rows ends failed without an error.
func (s *Store) RunImport(ctx context.Context, imp Import, next func() (ImportBatch, error)) (Import, error) {
	var out Import
	var cause error
	run := func(begin func(context.Context) (importTx, error)) error {
		out, cause = s.driveImport(ctx, imp, begin, next)
		return nil
	}
	var err error
	if s.dialect == Postgres {
		err = s.withPgxConn(ctx, func(begin func(context.Context) (importTx, error)) error { return run(begin) })
	} else {
		err = run(s.beginSQLiteImport)
	}
	if err != nil { // no connection to run it on
		return s.endImport(ctx, imp, err)
	}
	return out, cause
}

// driveImport is RunImport's loop over an engine's transactions.
func (s *Store) driveImport(ctx context.Context, imp Import, begin func(context.Context) (importTx, error), next func() (ImportBatch, error)) (Import, error) {
	var tx importTx
	if imp.Atomic {
		var err error
		if tx, err = begin(ctx); err != nil {
			return s.endImport(ctx, imp, err)
		}
	}
	// applied is the record as the database will have it after the next commit; imp is what
	// it has now (an atomic import's counts wait for its commit).
	applied := imp
	fail := func(cause error) (Import, error) {
		if tx != nil {
			tx.rollback(ctx)
		}
		if imp.Atomic {
			imp.RowsRead = applied.RowsRead
			if imp.ListCreated {
				s.dropCreatedList(ctx, imp)
			}
		}
		return s.endImport(ctx, imp, cause)
	}
	for {
		batch, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if !imp.Atomic {
			if tx, err = begin(ctx); err != nil {
				return fail(err)
			}
		}
		var firstID int64
		if len(batch.Rows) > 0 {
			// The ids of rows that update or skip are left unused.
			if firstID, err = tx.allocateIDs(ctx, imp.OrgID, len(batch.Rows)); err != nil {
				return fail(err)
			}
		}
		outcome, err := tx.apply(ctx, applied, batch.Rows, firstID)
		if err != nil {
			return fail(fmt.Errorf("rows %d to %d: %w", firstRow(batch), lastRow(batch), err))
		}
		outcome.failed = mergeRowErrors(batch.Failed, outcome.failed)
		applied.count(batch.Read, outcome)
		if imp.Atomic {
			imp.RowsRead = applied.RowsRead
			if !tx.locksOut() {
				if err := s.saveProgress(ctx, imp); err != nil {
					return fail(err)
				}
			}
			continue
		}
		if err := tx.save(ctx, applied); err != nil {
			return fail(err)
		}
		if err := tx.commit(ctx); err != nil {
			tx = nil // a failed commit has rolled back
			return fail(err)
		}
		tx, imp = nil, applied
	}
	if imp.Atomic && applied.Failed > 0 {
		tx.rollback(ctx)
		if imp.ListCreated {
			s.dropCreatedList(ctx, imp)
		}
		imp.RowsRead, imp.Failed = applied.RowsRead, applied.Failed
		imp.FailedRows, imp.FailedRowsOmitted = applied.FailedRows, applied.FailedRowsOmitted
		msg := fmt.Sprintf("%d of %d rows failed; an atomic import applies every row or none, so none was applied", applied.Failed, applied.RowsRead)
		return s.finishImport(ctx, imp, ImportFailed, &msg)
	}
	applied.Status, applied.FinishedAt = ImportSucceeded, ptrTo(s.Now())
	if imp.Atomic {
		if err := tx.save(ctx, applied); err != nil {
			return fail(err)
		}
		if err := tx.commit(ctx); err != nil {
			tx = nil
			return fail(err)
		}
		return applied, nil
	}
	return s.finishImport(ctx, applied, ImportSucceeded, nil)
}

// count adds a committed (or, atomic, applied) batch to the record.
func (imp *Import) count(read int64, o chunkOutcome) {
	imp.RowsRead += read
	imp.Created += o.created
	imp.Updated += o.updated
	imp.Unchanged += o.unchanged
	imp.Skipped += o.skipped
	imp.Failed += int64(len(o.failed))
	room := max(0, MaxFailedRows-len(imp.FailedRows))
	listed := o.failed[:min(room, len(o.failed))]
	imp.FailedRows = append(slices.Clip(imp.FailedRows), listed...)
	imp.FailedRowsOmitted += int64(len(o.failed) - len(listed))
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
// record shows progress before the commit.
func (s *Store) saveProgress(ctx context.Context, imp Import) error {
	return s.db.WithContext(ctx).Model(&importRow{}).Where("org_id = ? AND id = ?", imp.OrgID, imp.ID).
		Update("rows_read", imp.RowsRead).Error
}

// endImport records an import stopped by cause, and returns the record with cause.
func (s *Store) endImport(ctx context.Context, imp Import, cause error) (Import, error) {
	msg := importFailure(cause)
	out, err := s.finishImport(ctx, imp, ImportFailed, &msg)
	if err != nil {
		return out, errors.Join(cause, err)
	}
	return out, cause
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
	return strings.TrimSpace(msg) + "; the rows of the chunks committed before it are applied (an atomic import applied nothing)"
}

// finishImport writes the import's end. It runs even when the request's context has ended:
// the record must not stay running.
func (s *Store) finishImport(ctx context.Context, imp Import, status ImportStatus, msg *string) (Import, error) {
	imp.Status, imp.Error, imp.FinishedAt = status, msg, ptrTo(s.Now())
	err := saveImport(s.db.WithContext(context.WithoutCancel(ctx)), imp)
	return imp, err
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

// raced is the failure of a row whose phone another writer added to the list while the chunk
// was applied: PostgreSQL's ON CONFLICT DO NOTHING left it out.
func raced(r ImportRow) RowError {
	return RowError{Row: r.Row, Line: r.Line, Field: "phone",
		Reason: fmt.Sprintf("%s was added to the list by another request during the import; import the row again", r.Phone.E164)}
}

func sortRowErrors(rows []RowError) {
	slices.SortStableFunc(rows, func(x, y RowError) int { return int(x.Row - y.Row) })
}
