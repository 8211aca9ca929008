package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

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

// Migrate applies the migrations this binary has and the database lacks, and returns how many
// it applied. On PostgreSQL an advisory lock keeps replicas that start together from racing.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, done, err := s.migrations()
	if err != nil {
		return 0, err
	}
	defer done()
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate %s database: %w", s.dialect, err)
	}
	return len(results), nil
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
		if db, err = sql.Open("sqlite3", s.migrateDSN); err != nil {
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
