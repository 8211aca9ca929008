package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The pieces every repository of the store shares: transactions, row locks, the
// organization-scoped delete, constraint errors, and reading pages and rows.

// inTx runs fn in a transaction; SQLite's transactions take the write lock at once (_txlock).
func (s *Store) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// deleteOwned deletes the row of model's table with id if the organization owns it. Returns
// ENOTFOUND, naming it what, when it does not.
func (s *Store) deleteOwned(ctx context.Context, model any, orgID string, id any, what string) error {
	res := s.db.WithContext(ctx).Where("id = ? AND org_id = ?", id, orgID).Delete(model)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errorf(ENOTFOUND, "%s %v not found", what, id)
	}
	return nil
}

// lockForUpdate locks the rows of table that a read-modify-write transaction reads, so that
// two concurrent PATCHes of different fields both land. Only table's rows: a query joining
// contacts to their list must not lock the list too, or two contacts moving between two lists
// in opposite directions deadlock. SQLite has no row locks and needs none: its transactions
// hold the database's write lock from the start (_txlock=immediate).
func (s *Store) lockForUpdate(tx *gorm.DB, table string) *gorm.DB {
	if s.dialect == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: table, Raw: true}})
	}
	return tx
}

// trimPage cuts a page read with limit+1 rows back to limit and says whether the extra row existed.
func trimPage[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// keyArgs returns the keys as query arguments and their placeholders, numbered from first.
func keyArgs(keys []string, first int) ([]any, string) {
	args := make([]any, len(keys))
	marks := make([]string, len(keys))
	for i, k := range keys {
		args[i] = k
		marks[i] = "$" + strconv.Itoa(first+i)
	}
	return args, strings.Join(marks, ", ")
}

// eachRow calls fn for every row and closes rows.
func eachRow(rows *sql.Rows, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}
