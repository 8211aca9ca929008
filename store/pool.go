package store

import "database/sql"

// Pool is the store's connection pool, for reading its statistics (metrics) and for
// whatsmeow's device store, which keeps its tables in the same database (whatsapp.Devices);
// wagate's own queries go through the store's methods. The store closes it: nobody else may.
func (s *Store) Pool() *sql.DB { return s.sql }
