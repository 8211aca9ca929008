package store

import (
	"context"
	"fmt"
)

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
