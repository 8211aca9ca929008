package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	_ "github.com/ncruces/go-sqlite3/driver" // the "sqlite3" driver Migrate opens (gormlite uses it too)
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one folder of versioned SQL per dialect; both folders carry the same versions.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// migrationTable records which versions have been applied.
const migrationTable = "wagate_schema_migrations"

// Migration is one migration Migrate applied.
type Migration struct {
	Version int64
	Name    string // the file's name without its version and extension: "org_scoped_ids"
}

func (m Migration) String() string { return fmt.Sprintf("%05d %s", m.Version, m.Name) }

// Migrate applies the migrations this binary has and the database lacks, and returns them in
// the order it applied them (none when the database was up to date). On PostgreSQL an advisory
// lock keeps replicas that start together from racing.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	p, done, err := s.migrations()
	if err != nil {
		return nil, err
	}
	defer done()
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s database: %w", s.dialect, err)
	}
	applied := make([]Migration, 0, len(results))
	for _, r := range results {
		name := strings.TrimSuffix(path.Base(r.Source.Path), path.Ext(r.Source.Path))
		if _, rest, ok := strings.Cut(name, "_"); ok {
			name = rest
		}
		applied = append(applied, Migration{Version: r.Source.Version, Name: name})
	}
	return applied, nil
}

// migrations returns the goose provider of the store's dialect, and what to call when done.
func (s *Store) migrations() (*goose.Provider, func(), error) {
	dir, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, nil, err
	}
	db, dialect, done := s.sql, goose.DialectSQLite3, func() {}
	opts := []goose.ProviderOption{goose.WithTableName(migrationTable)}
	if s.dialect == SQLite {
		if db, err = sql.Open("sqlite3", s.dsn); err != nil {
			return nil, nil, err
		}
		done = func() { db.Close() }
	} else {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db, dir, opts...)
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, done, nil
}
