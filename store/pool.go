package store

import "database/sql"

// Pool is the store's connection pool, for reading its statistics (metrics); queries go
// through the store's methods.
func (s *Store) Pool() *sql.DB { return s.sql }
