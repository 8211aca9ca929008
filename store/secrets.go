package store

import (
	"context"
	"crypto/rand"
)

// ServerSecret returns the random 32-byte secret named name, creating it on first use. Every
// replica sharing the database reads the same value, and it survives restarts, so that what
// one replica signs (a page cursor) another accepts.
func (s *Store) ServerSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	db := s.db.WithContext(ctx)
	if err := db.Exec(`INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh).Error; err != nil {
		return nil, err
	}
	var value []byte
	if err := db.Raw(`SELECT value FROM server_secrets WHERE name = ?`, name).Row().Scan(&value); err != nil {
		return nil, err
	}
	return value, nil
}
