package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// This file lends package store_test what its tests of the field declaration and of the
// migrations need from inside the store.

// ContactRow is the GORM row of a contact.
type ContactRow = contactRow

// PgHeld is the statement by which an import's chunk finds and locks the contacts its list
// holds with the chunk's phones ($1 org, $2 list, $3 match keys), and PgImportSettings the
// statements that open an import's transaction.
const PgHeld = pgHeld

var PgImportSettings = pgImportSettings

// MigrationTable is goose's table of applied versions.
const MigrationTable = migrationTable

// DB is the store's database/sql pool, for reading the database's catalog.
func (s *Store) DB() *sql.DB { return s.sql }

// InsertContactRow writes r as it is, through GORM.
func (s *Store) InsertContactRow(ctx context.Context, r ContactRow) error {
	return s.db.WithContext(ctx).Create(&r).Error
}

// ScanContacts reads the organization's contacts as the lookup does: contactColumns, each row
// through scanContact.
func (s *Store) ScanContacts(ctx context.Context, orgID string) ([]ContactRow, error) {
	rows, err := s.sql.QueryContext(ctx, s.rebind(`SELECT `+contactColumns+` FROM contacts c `+contactJoin+` WHERE c.org_id = $1`), orgID)
	if err != nil {
		return nil, err
	}
	var out []ContactRow
	err = eachRow(rows, func() error {
		r, _, err := scanContact(rows)
		out = append(out, r)
		return err
	})
	return out, err
}

// ThroughRow writes f into a row with setFields and reads it back with contact().
func ThroughRow(f ContactFields) (ContactFields, error) {
	var r contactRow
	if err := r.setFields(f); err != nil {
		return ContactFields{}, err
	}
	return r.contact().ContactFields, nil
}

// ChangeIsEmpty is ContactChange.empty.
func ChangeIsEmpty(c ContactChange) bool { return c.empty() }

// ApplyChange is ContactChange.applyFields.
func ApplyChange(c ContactChange, f ContactFields) ContactFields {
	c.applyFields(&f)
	return f
}

// MigrateUpTo applies the migrations up to and including version, for tests that need a
// database as an older wagate left it.
func (s *Store) MigrateUpTo(ctx context.Context, version int64) error {
	p, done, err := s.migrations()
	if err != nil {
		return err
	}
	defer done()
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls the migrations back to version.
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	p, done, err := s.migrations()
	if err != nil {
		return err
	}
	defer done()
	_, err = p.DownTo(ctx, version)
	return err
}

// Exec runs a statement written with PostgreSQL's placeholders, for tests that write rows
// the way an older wagate did.
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := s.sql.ExecContext(ctx, s.rebind(query), args...); err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	return nil
}

// SeenContactsStatement is the statement SeenContacts runs for these arguments, and its
// arguments (led by pgx's exec mode on PostgreSQL), for benchmarks that run the same SQL
// straight through pgx beside the store.
func (s *Store) SeenContactsStatement(orgID, sessionID string, f SeenFilter, after int64, limit int) (string, []any) {
	q, args, _ := s.seenContactsStatement(orgID, sessionID, f, after, limit)
	return q, args
}

// RecordInboundStatement is RecordInbound's statement, with PostgreSQL's placeholders ($1 org,
// $2 match key, $3 session, $4 phone, $5 time, $6 direct time or NULL).
func RecordInboundStatement() string {
	var b strings.Builder
	n := 0
	for _, r := range recordInbound {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SetImportWriters sets how many chunks of one import PostgreSQL applies at once, for the
// imports started after it (SQLite applies one whatever it says).
func (s *Store) SetImportWriters(n int) { s.importWriters = n }
