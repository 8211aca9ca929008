package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ImportStatus is where an import stands.
type ImportStatus string

const (
	ImportRunning   ImportStatus = "running"
	ImportSucceeded ImportStatus = "succeeded" // read to its end and applied; rows may have failed alone
	ImportFailed    ImportStatus = "failed"    // stopped, or atomic and applied nothing
)

// OnConflict is what an import's row does when the list already holds its phone.
type OnConflict string

const (
	ConflictUpdate OnConflict = "update" // write the row's fields over the contact's
	ConflictSkip   OnConflict = "skip"   // leave the contact as it is
	ConflictFail   OnConflict = "fail"   // report the row as failed
)

// MaxFailedRows is how many failed rows an import's record lists; the rest are counted.
const MaxFailedRows = 1000

// Import is the record of one contact import.
type Import struct {
	ID          string // imp_ + ULID
	OrgID       string
	Status      ImportStatus
	ListID      int64
	ListName    string
	ListCreated bool // the import created the list (by name)
	Format      string
	OnConflict  OnConflict
	Atomic      bool
	RowsRead    int64
	Created     int64
	Updated     int64
	Unchanged   int64 // met a contact with the same values; left as it was
	Skipped     int64
	Failed      int64
	// FailedRows are the first MaxFailedRows failed rows in the file's order; FailedRowsOmitted
	// counts the others.
	FailedRows        []RowError
	FailedRowsOmitted int64
	Error             *string // why a failed import failed
	StartedAt         time.Time
	FinishedAt        *time.Time
}

type importRow struct {
	OrgID             string `gorm:"primaryKey"`
	ID                string `gorm:"primaryKey"`
	Status            string
	ContactListID     int64
	ContactListName   string
	ListCreated       bool
	Format            string
	OnConflict        string
	Atomic            bool
	RowsRead          int64
	Created           int64
	Updated           int64
	Unchanged         int64
	Skipped           int64
	Failed            int64
	FailedRows        jsonObject // a JSON array here, not an object: the column type is the same
	FailedRowsOmitted int64
	Error             *string
	StartedAt         time.Time
	FinishedAt        *time.Time
}

func (importRow) TableName() string { return "contact_imports" }

func (r importRow) record() (Import, error) {
	imp := Import{
		ID: r.ID, OrgID: r.OrgID, Status: ImportStatus(r.Status), ListID: r.ContactListID,
		ListName: r.ContactListName, ListCreated: r.ListCreated, Format: r.Format,
		OnConflict: OnConflict(r.OnConflict), Atomic: r.Atomic, RowsRead: r.RowsRead,
		Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, Skipped: r.Skipped,
		Failed: r.Failed, FailedRowsOmitted: r.FailedRowsOmitted, Error: r.Error,
		StartedAt: r.StartedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt),
	}
	if len(r.FailedRows) > 0 {
		if err := json.Unmarshal(r.FailedRows, &imp.FailedRows); err != nil {
			return Import{}, err
		}
	}
	if imp.FailedRows == nil {
		imp.FailedRows = []RowError{}
	}
	return imp, nil
}

func (imp Import) row() (importRow, error) {
	failed, err := json.Marshal(imp.FailedRows)
	if err != nil {
		return importRow{}, err
	}
	if imp.FailedRows == nil {
		failed = []byte("[]")
	}
	return importRow{
		OrgID: imp.OrgID, ID: imp.ID, Status: string(imp.Status), ContactListID: imp.ListID,
		ContactListName: imp.ListName, ListCreated: imp.ListCreated, Format: imp.Format,
		OnConflict: string(imp.OnConflict), Atomic: imp.Atomic, RowsRead: imp.RowsRead,
		Created: imp.Created, Updated: imp.Updated, Unchanged: imp.Unchanged, Skipped: imp.Skipped,
		Failed: imp.Failed, FailedRows: jsonObject(failed), FailedRowsOmitted: imp.FailedRowsOmitted,
		Error: imp.Error, StartedAt: imp.StartedAt, FinishedAt: dbTimePtr(imp.FinishedAt),
	}, nil
}

// saveImportSQL writes an import's progress and outcome (what changes after it starts), with
// saveImportArgs: in a chunk's transaction on either engine (saveImportOn on SQLite), and at
// the end on the pool. $1 org, $2 id.
const saveImportSQL = `UPDATE contact_imports SET status = $3, rows_read = $4, created = $5, updated = $6,
unchanged = $7, skipped = $8, failed = $9, failed_rows = $10, failed_rows_omitted = $11, error = $12,
finished_at = $13 WHERE org_id = $1 AND id = $2`

func saveImportArgs(imp Import) ([]any, error) {
	failedRows := imp.FailedRows
	if failedRows == nil {
		failedRows = []RowError{}
	}
	failed, err := json.Marshal(failedRows)
	if err != nil {
		return nil, err
	}
	return []any{imp.OrgID, imp.ID, string(imp.Status), imp.RowsRead, imp.Created, imp.Updated,
		imp.Unchanged, imp.Skipped, imp.Failed, string(failed), imp.FailedRowsOmitted, imp.Error,
		dbTimePtr(imp.FinishedAt)}, nil
}

// saveImportOn runs saveImportSQL through database/sql: db is the pool, or SQLite's chunk
// transaction (PostgreSQL's chunks run it on pgx's own connection).
func (s *Store) saveImportOn(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, imp Import) error {
	args, err := saveImportArgs(imp)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, s.rebind(saveImportSQL), args...)
	return err
}

// Import returns an import of the organization. Returns ENOTFOUND if it has no such import.
func (s *Store) Import(ctx context.Context, orgID, id string) (Import, error) {
	var row importRow
	err := s.db.WithContext(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Import{}, errorf(ENOTFOUND, "import %s not found", id)
	}
	if err != nil {
		return Import{}, err
	}
	return row.record()
}

// Imports returns up to limit of the organization's imports, newest first, starting after the
// import with id before (all when empty); more says whether others follow.
func (s *Store) Imports(ctx context.Context, orgID, before string, limit int) (imports []Import, more bool, err error) {
	q := s.db.WithContext(ctx).Where("org_id = ?", orgID)
	if before != "" {
		q = q.Where("id < ?", before)
	}
	var rows []importRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, false, err
	}
	rows, more = trimPage(rows, limit)
	imports = make([]Import, 0, len(rows))
	for _, r := range rows {
		imp, err := r.record()
		if err != nil {
			return nil, false, err
		}
		imports = append(imports, imp)
	}
	return imports, more, nil
}

// interruptedImport is the error of an import its server stopped running.
const interruptedImport = "the server stopped during the import; the chunks that committed are applied, as the record counts them (an atomic import applied nothing); import the file again, with onConflict=update or skip"

// FailInterruptedImports marks failed the imports still running when the server starts: a
// process that stopped took their request with it, and nothing will finish them. One server
// per database, as for sessions. It returns how many it marked.
func (s *Store) FailInterruptedImports(ctx context.Context) (int64, error) {
	msg := interruptedImport
	now := s.Now()
	res := s.db.WithContext(ctx).Model(&importRow{}).Where("status = ?", string(ImportRunning)).
		Updates(map[string]any{"status": string(ImportFailed), "error": msg, "finished_at": now})
	return res.RowsAffected, res.Error
}
