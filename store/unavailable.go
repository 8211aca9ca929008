package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"
)

// IsUnavailable reports whether err means the database cannot serve now, as opposed to
// refusing a statement: the connection is lost or refused, the server is shutting down or
// full, or the SQLite file is locked or unreachable. A caller may retry later (an HTTP 503),
// where any other failure is a fault (a 500). It looks through whatever pgx, database/sql and
// GORM wrap these in: GORM's TranslateError only rewrites constraint violations.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pgUnavailable(pg.Code)
	}
	// go-sqlite3's *Error, and its bare codes, all convert to an extended code. (Its *Error
	// also has Timeout and Temporary, so it passes for a net.Error: look for it first.)
	var lite sqlite3.ExtendedErrorCode
	if errors.As(err, &lite) {
		return sqliteUnavailable(lite)
	}
	var connect *pgconn.ConnectError
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &connect), errors.As(err, &op), errors.As(err, &dns),
		errors.Is(err, pgconn.ErrConnClosed),
		// The server went away mid-message: pgx reads a message that stops short.
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return true
	}
	// database/sql's error for a closed pool is not exported.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// pgUnavailable reports whether a PostgreSQL SQLSTATE means the server cannot serve now:
// a connection exception (class 08), a server shutting down or starting (57P01 admin
// shutdown, 57P02 crash shutdown, 57P03 cannot connect now), a session ended by an idle
// timeout (57P05), or no connection slot left (53300). Every other SQLSTATE is the
// statement's own fate.
func pgUnavailable(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "57P05", "53300":
		return true
	}
	return strings.HasPrefix(code, "08")
}

// sqliteUnavailable reports whether a SQLite result code means the file cannot be used now,
// through no fault of the statement, and may be again later without a person repairing it:
//   - BUSY and LOCKED: another connection held the lock past the busy timeout (contention);
//   - CANTOPEN and READONLY_DBMOVED: the file or its directory is gone or unreachable (a
//     volume unmounted, a path removed);
//   - READONLY_RECOVERY: another connection is recovering the WAL;
//   - IOERR: the operating system failed a read, write, lock or sync (a disk or network file
//     system gone away), except IOERR_DATA and IOERR_CORRUPTFS, which report corrupt pages;
//   - FULL: the disk is full; the request was fine and works again once space is freed.
//
// The rest stay 500s: CORRUPT and NOTADB need a person, and READONLY, MISUSE, SCHEMA and the
// like are the program's or the configuration's fault, which retrying will not mend.
func sqliteUnavailable(code sqlite3.ExtendedErrorCode) bool {
	switch code {
	case sqlite3.IOERR_DATA, sqlite3.IOERR_CORRUPTFS:
		return false
	case sqlite3.READONLY_RECOVERY, sqlite3.READONLY_DBMOVED:
		return true
	}
	switch code.Code() {
	case sqlite3.BUSY, sqlite3.LOCKED, sqlite3.CANTOPEN, sqlite3.IOERR, sqlite3.FULL:
		return true
	}
	return false
}

// isRetryable reports whether err is an import's chunk that lost to another writer and rolled
// back whole, so that trying it again is safe: a deadlock, a serialization failure, or a phone
// another writer added to the list between the chunk's read and its COPY (a unique violation:
// the chunk's own rows never repeat a phone).
func isRetryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001" || pg.Code == "23505")
}

// isForeignKeyViolation reports whether err is a row whose parent is gone (a contact whose
// list was deleted meanwhile).
func isForeignKeyViolation(err error) bool {
	if errors.Is(err, gorm.ErrForeignKeyViolated) { // GORM's translation (TranslateError)
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	var lite sqlite3.ExtendedErrorCode
	return errors.As(err, &lite) && lite == sqlite3.CONSTRAINT_FOREIGNKEY
}
