package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// On SQLite an import's chunk is applied in one transaction of batched statements: the list's
// contacts with the chunk's phones are read 500 phones at a time, new contacts are inserted
// 200 to a statement, and a changed contact is updated by its id. SQLite runs in this process,
// so a statement costs no round trip; the transaction's one commit is what costs.

// sqliteKeysPerRead is how many phones one read of the list's contacts asks for: well under
// SQLite's limit on a statement's parameters.
const sqliteKeysPerRead = 500

// sqliteRowsPerInsert is how many contacts one INSERT writes (24 parameters each).
const sqliteRowsPerInsert = 200

// sqliteImportEngine runs an import on the store's pool.
type sqliteImportEngine struct{ s *Store }

func (e sqliteImportEngine) allocateIDs(ctx context.Context, orgID string, n int) (int64, error) {
	return e.s.AllocateIDs(ctx, orgID, ContactIDs, n)
}

func (e sqliteImportEngine) begin(ctx context.Context) (importTx, error) {
	tx := e.s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return nil, tx.Error
	}
	return &sqliteImportTx{s: e.s, tx: tx}, nil
}

// locksOut: _txlock=immediate takes the database's one write lock at BEGIN.
func (e sqliteImportEngine) locksOut() bool { return true }

type sqliteImportTx struct {
	s  *Store
	tx *gorm.DB
	// updateStmt is sqliteUpdateContact, prepared on the transaction at its first update: a
	// statement GORM builds afresh for every row cost a file of updates 7 times its inserts.
	updateStmt *sql.Stmt
}

// sqliteUpdateContact writes an imported row over a contact: its phone, the fields an import
// writes, updatedAt. The arguments are in that order, then the organization and the id.
var sqliteUpdateContact = func() string {
	set := []string{"phone = ?", "country_code = ?"}
	for _, f := range importFields {
		set = append(set, f.Column+" = ?")
	}
	return "UPDATE contacts SET " + strings.Join(set, ", ") + ", updated_at = ? WHERE org_id = ? AND id = ?"
}()

func (t *sqliteImportTx) update(ctx context.Context, orgID string, row contactRow, now time.Time) error {
	if t.updateStmt == nil {
		stmt, err := t.tx.Statement.ConnPool.PrepareContext(ctx, sqliteUpdateContact)
		if err != nil {
			return err
		}
		t.updateStmt = stmt
	}
	f := row.contact().ContactFields
	args := make([]any, 0, len(importFields)+5)
	args = append(args, row.Phone, row.CountryCode)
	for _, field := range importFields {
		args = append(args, field.value(&f))
	}
	args = append(args, now, orgID, row.ID)
	_, err := t.updateStmt.ExecContext(ctx, args...)
	return err
}

func (t *sqliteImportTx) apply(ctx context.Context, imp Import, rows []ImportRow, firstID int64) (chunkOutcome, error) {
	var out chunkOutcome
	now := t.s.Now()
	for _, round := range importRounds(rows) {
		held, err := t.held(imp, rows, round)
		if err != nil {
			return out, fmt.Errorf("find the phones the list holds: %w", err)
		}
		var inserts []contactRow
		for _, i := range round {
			r := &rows[i]
			old, ok := held[r.Phone.MatchKey]
			if !ok {
				row := contactRow{ID: firstID + int64(i), OrgID: imp.OrgID, ContactListID: imp.ListID, CreatedAt: now, UpdatedAt: now}
				row.setPhone(r.Phone)
				if err := row.setFields(r.ContactFields); err != nil {
					out.failed = append(out.failed, RowError{Row: r.Row, Line: r.Line, Field: "metadata", Reason: err.Error()})
					continue
				}
				inserts = append(inserts, row)
				continue
			}
			switch imp.OnConflict {
			case ConflictFail:
				out.failed = append(out.failed, phoneHeld(*r, imp.ListID, old.ID))
			case ConflictSkip:
				out.skipped++
			case ConflictUpdate:
				next := old
				next.setPhone(r.Phone)
				if err := next.setFields(withPresent(old.contact().ContactFields, r.ContactFields, r.Present)); err != nil {
					out.failed = append(out.failed, RowError{Row: r.Row, Line: r.Line, Field: "metadata", Reason: err.Error()})
					continue
				}
				if sameContact(old, next) {
					out.unchanged++
					continue
				}
				if err := t.update(ctx, imp.OrgID, next, now); err != nil {
					return out, fmt.Errorf("update contact %d: %w", old.ID, err)
				}
				out.updated++
			}
		}
		if len(inserts) > 0 {
			if err := t.tx.CreateInBatches(&inserts, sqliteRowsPerInsert).Error; err != nil {
				return out, fmt.Errorf("insert the contacts: %w", err)
			}
			out.created += int64(len(inserts))
		}
	}
	sortRowErrors(out.failed)
	return out, nil
}

// held reads the list's contacts that have the phones of one round, by match key.
func (t *sqliteImportTx) held(imp Import, rows []ImportRow, round []int) (map[string]contactRow, error) {
	out := map[string]contactRow{}
	for start := 0; start < len(round); start += sqliteKeysPerRead {
		part := round[start:min(start+sqliteKeysPerRead, len(round))]
		keys := make([]string, len(part))
		for j, i := range part {
			keys[j] = rows[i].Phone.MatchKey
		}
		var found []contactRow
		err := t.tx.Where("org_id = ? AND contact_list_id = ? AND match_key IN ?", imp.OrgID, imp.ListID, keys).
			Find(&found).Error
		if err != nil {
			return nil, err
		}
		for _, c := range found {
			out[c.MatchKey] = c
		}
	}
	return out, nil
}

// sameContact reports whether an update would leave the contact as it is: then it is not
// written, and its updatedAt stays.
func sameContact(a, b contactRow) bool {
	if a.Phone != b.Phone || a.CountryCode != b.CountryCode {
		return false
	}
	fa, fb := a.contact().ContactFields, b.contact().ContactFields
	for _, f := range importFields {
		if !sameValue(f.value(&fa), f.value(&fb)) {
			return false
		}
	}
	return true
}

// sameValue compares two of importField.value's results.
func sameValue(x, y any) bool {
	switch a := x.(type) {
	case string:
		return a == y.(string)
	case *string:
		b := y.(*string)
		return (a == nil) == (b == nil) && (a == nil || *a == *b)
	case *int32:
		b := y.(*int32)
		return (a == nil) == (b == nil) && (a == nil || *a == *b)
	case *time.Time:
		b := y.(*time.Time)
		return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
	}
	panic(fmt.Sprintf("store: an import value of type %T", x))
}

func (t *sqliteImportTx) save(ctx context.Context, imp Import) error {
	return t.s.saveImportOn(ctx, t.tx.Statement.ConnPool, imp)
}

// allocateIDs runs in the transaction: it holds SQLite's one write lock, which a statement
// of its own would wait for until the import ends.
func (t *sqliteImportTx) allocateIDs(ctx context.Context, orgID string, n int) (int64, error) {
	var last int64
	if err := t.tx.Raw(allocateQuery, orgID, string(ContactIDs), n).Scan(&last).Error; err != nil {
		return 0, fmt.Errorf("allocate %d contact ids: %w", n, err)
	}
	return last - int64(n) + 1, nil
}

func (t *sqliteImportTx) commit(ctx context.Context) error {
	t.closeStmt()
	return t.tx.Commit().Error
}

func (t *sqliteImportTx) rollback(ctx context.Context) {
	t.closeStmt()
	t.tx.Rollback()
}

func (t *sqliteImportTx) closeStmt() {
	if t.updateStmt != nil {
		t.updateStmt.Close()
		t.updateStmt = nil
	}
}
