package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestIsUnavailable pins which failures are "retry later" and which are faults, bare and as
// pgx, database/sql, GORM and the store wrap them. The real outages are in
// server/outage_test.go; this covers the codes an outage on this machine cannot produce.
func TestIsUnavailable(t *testing.T) {
	pg := func(code string) error { return &pgconn.PgError{Severity: "FATAL", Code: code} }
	wraps := func(err error) []error {
		return []error{err,
			fmt.Errorf("list contacts: %w", err),           // the store's own wrapping
			fmt.Errorf("%v; %w", errors.New("first"), err), // GORM's AddError joining two errors
		}
	}
	unavailable := []error{
		pg("57P01"), pg("57P02"), pg("57P03"), pg("57P05"), pg("53300"), pg("08006"), pg("08001"), pg("08P01"),
		pgconn.ErrConnClosed, io.ErrUnexpectedEOF, fmt.Errorf("receive message failed: %w", io.EOF),
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		driver.ErrBadConn, sql.ErrConnDone, errors.New("sql: database is closed"),
		sqlite3.BUSY, sqlite3.BUSY_TIMEOUT, sqlite3.LOCKED, sqlite3.CANTOPEN, sqlite3.IOERR_READ,
		sqlite3.IOERR_WRITE, sqlite3.IOERR_FSYNC, sqlite3.IOERR_LOCK, sqlite3.FULL, sqlite3.READONLY_DBMOVED,
		sqlite3.READONLY_RECOVERY,
	}
	faults := []error{
		pg("23505"), pg("22001"), pg("42P01"), pg("57014"), pg("40001"), pg("28P01"),
		gorm.ErrDuplicatedKey, gorm.ErrRecordNotFound, errors.New("boom"), context.DeadlineExceeded,
		sqlite3.CONSTRAINT_CHECK, sqlite3.CORRUPT, sqlite3.NOTADB, sqlite3.IOERR_DATA, sqlite3.IOERR_CORRUPTFS,
		sqlite3.READONLY, sqlite3.MISUSE, sqlite3.ERROR,
	}
	for _, err := range unavailable {
		for _, w := range wraps(err) {
			if !store.IsUnavailable(w) {
				t.Errorf("store.IsUnavailable(%v) = false, want true", w)
			}
		}
	}
	for _, err := range faults {
		for _, w := range wraps(err) {
			if store.IsUnavailable(w) {
				t.Errorf("store.IsUnavailable(%v) = true, want false", w)
			}
		}
	}
	if !store.IsUnavailable(fmt.Errorf("open: %w", &pgconn.ConnectError{})) {
		t.Error("a ConnectError is not unavailable")
	}
	if store.IsUnavailable(nil) {
		t.Error("nil is unavailable")
	}
}

// TestStatementErrorsAreFaults: a statement either engine refuses (a column or table that is
// not there, bad syntax) is the program's fault, a 500, never "retry later", as the real
// drivers return it. (go-sqlite3's errors also pass for net.Errors, which once made such a
// statement on SQLite a 503.)
func TestStatementErrorsAreFaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for _, q := range []string{
			"SELECT no_such_column FROM contacts",
			"SELECT 1 FROM no_such_table",
			"SELEC 1",
		} {
			rows, err := s.DB().QueryContext(context.Background(), q)
			if err == nil {
				rows.Close()
				t.Fatalf("%s: no error", q)
			}
			if store.IsUnavailable(err) {
				t.Errorf("%s: %v (%T) is taken for unavailable", q, err, err)
			}
			if err := s.Exec(context.Background(), q); err == nil || store.IsUnavailable(err) {
				t.Errorf("%s through Exec: %v is nil or taken for unavailable", q, err)
			}
		}
	})
}
