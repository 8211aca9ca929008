// Package store keeps wagate's multi-tenant contact store in PostgreSQL or in an embedded SQLite
// file. Every method that reads or writes tenant data takes the organization id and filters on
// it: one organization can never see or touch another's rows.
//
// Methods return *Error values with a Code (ENOTFOUND, ECONFLICT, EINVALID) for the failures a
// caller can act on; anything else is an unexpected failure.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Dialect names the database engine behind a Store.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// sqliteTimeLayout is how SQLite stores timestamps: fixed-width UTC with microseconds, so that
// comparing or taking MAX() of the text compares the times (RFC 3339 with trimmed fractions
// would not), and the precision is PostgreSQL's.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Config says which database to open.
type Config struct {
	// URL is a PostgreSQL URL (postgres:// or postgresql://), or a SQLite "file:" DSN.
	// Empty means the SQLite file wagate.db under DataDir.
	URL string
	// DataDir holds the default SQLite file; empty means the working directory.
	DataDir string
	// Logger receives slow-query warnings; nil discards them.
	Logger *slog.Logger
	// MaxConns bounds the connection pool (PostgreSQL; SQLite uses a small fixed pool). Zero means 16.
	MaxConns int
	// LockWait is how long Open waits for another process to let go of the SQLite file
	// before it fails with ErrDatabaseInUse; zero fails at once. PostgreSQL takes no lock.
	LockWait time.Duration
	// ImportWriters is how many chunks of one import PostgreSQL applies at once, each on a
	// connection of its own; zero means DefaultImportWriters, and never more than a quarter of
	// MaxConns. SQLite applies one at a time.
	ImportWriters int
}

// Store is the contact store. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	sql     *sql.DB
	dialect Dialect
	// dsn is the connection string without what GORM's SQLite dialector adds (_timefmt): goose
	// opens SQLite with it, since goose's version table keeps SQLite's own datetime('now') text,
	// which the fixed layout would refuse to read back; on PostgreSQL it opens the connection
	// that listens for revocations.
	dsn string
	// lookupSQL is lookupQuery in the dialect's placeholders.
	lookupSQL string
	// fileLock keeps the SQLite file to this Store until Close (see lockSQLite).
	fileLock *os.File
	// now is the clock; tests replace it, while requests run, to move through reply windows.
	now atomic.Pointer[func() time.Time]
	// seenStmts holds SQLite's prepared statements of a message's seen person (see execSeen).
	seenStmts sync.Map
	// importConns bounds the connections the imports running hold (see ImportSlot).
	importConns *importBudget
	// importWriters is how many chunks of one import are applied at once (see writeChunks).
	importWriters int
}

// Open connects to the database of cfg. It does not migrate; call Migrate.
//
// An SQLite file is one process's: Open locks it before anything reads it, and fails with
// ErrDatabaseInUse (an *InUseError) while another Store, in this process or another, has it
// open. That also serializes the migrations of processes that start together.
func Open(ctx context.Context, cfg Config) (_ *Store, err error) {
	dialect, dsn, err := dsnFor(cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{dialect: dialect}
	if dialect == SQLite {
		path, onFile := sqliteFile(dsn)
		if !onFile {
			// Each connection would get a database of its own, and the migrations one more.
			return nil, fmt.Errorf("%s is an in-memory SQLite database: it lasts as long as one connection, and wagate opens several; name a file", strings.TrimSpace(cfg.URL))
		}
		if s.fileLock, err = lockSQLite(ctx, path, cfg.LockWait, cfg.Logger); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.fileLock.Close()
			}
		}()
	}
	s.dsn = dsn
	s.SetClock(time.Now)
	s.lookupSQL = s.rebind(lookupQuery)
	dialector := postgres.Open(dsn)
	if dialect == SQLite {
		dialector = gormlite.Open(dsn + "&_timefmt=" + url.QueryEscape(sqliteTimeLayout))
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		TranslateError: true,
		// Each write here is one statement or an explicit transaction already.
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return s.Now() },
		Logger:                 newQueryLogger(cfg.Logger),
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	maxConns := cfg.MaxConns
	if maxConns <= 0 {
		maxConns = 16
	}
	if dialect == SQLite {
		// One writer at a time is SQLite's rule; _txlock=immediate makes each transaction take
		// the write lock up front and busy_timeout makes the others wait for it instead of
		// failing. A few connections still let reads run beside a write (WAL).
		maxConns = 4
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	s.importWriters = 1
	if dialect == Postgres {
		s.importWriters = importWritersFor(cfg.ImportWriters, maxConns)
	}
	s.importConns = importBudgetFor(maxConns, s.importWriters)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	s.db, s.sql = db, sqlDB
	if err := s.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// dsnFor returns the engine and connection string of cfg.
func dsnFor(cfg Config) (Dialect, string, error) {
	u := strings.TrimSpace(cfg.URL)
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return Postgres, u, nil
	case u == "" || strings.HasPrefix(u, "file:"):
		if u == "" {
			dir := cfg.DataDir
			if dir == "" {
				dir = "."
			}
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return "", "", fmt.Errorf("create data directory: %w", err)
			}
			u = "file:" + filepath.Join(dir, "wagate.db")
		}
		return SQLite, sqliteDSN(u), nil
	default:
		return "", "", fmt.Errorf("a database URL must start with postgres://, postgresql:// or file:, or be empty for the embedded SQLite file")
	}
}

// sqliteDSN adds the settings wagate relies on unless the DSN sets them itself.
func sqliteDSN(dsn string) string {
	path, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		q = url.Values{}
	}
	pragmas := strings.Join(q["_pragma"], ",")
	for _, p := range []string{"foreign_keys(1)", "journal_mode(wal)", "busy_timeout(10000)", "synchronous(normal)"} {
		name, _, _ := strings.Cut(p, "(")
		if !strings.Contains(pragmas, name) {
			q.Add("_pragma", p)
		}
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	q.Del("_timefmt") // Open sets it
	return path + "?" + q.Encode()
}

// Dialect says which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("%s database is not reachable: %w", s.dialect, err)
	}
	return nil
}

// Close closes the connection pool, then lets go of the SQLite file. Closing twice is harmless.
func (s *Store) Close() error {
	err := s.sql.Close()
	if s.fileLock != nil {
		s.fileLock.Close()
		s.fileLock = nil
	}
	return err
}

// Now is the store's clock in UTC at the databases' common precision (microseconds).
func (s *Store) Now() time.Time { return dbTime((*s.now.Load())()) }

// SetClock replaces the store's clock; tests use it to move through reply windows.
func (s *Store) SetClock(now func() time.Time) { s.now.Store(&now) }
