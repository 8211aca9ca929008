package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// APIKeyPrefix starts every API key secret, so that leaked keys are easy to scan for.
const APIKeyPrefix = "wgk_"

// apiKeySecretLen is the number of random base-62 characters after the prefix: 40 of them carry
// about 238 bits, which is why a fast hash (SHA-256) is enough to store them; slow password
// hashes exist for guessable secrets.
const apiKeySecretLen = 40

// shownPrefixLen is how much of a secret is kept in clear, to tell keys apart in a list.
const shownPrefixLen = len(APIKeyPrefix) + 4

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// APIKey is a key's record; the secret itself is never stored.
type APIKey struct {
	ID           string
	OrgID        string
	Name         string
	Prefix       string
	Capabilities Capabilities
	CreatedAt    time.Time
	ExpiresAt    *time.Time
	RevokedAt    *time.Time
	LastUsedAt   *time.Time
}

// NewAPIKey is what a caller chooses about a new key.
type NewAPIKey struct {
	Name         string
	Capabilities Capabilities
	ExpiresAt    *time.Time
}

type apiKeyRow struct {
	ID           string `gorm:"primaryKey"`
	OrgID        string
	Name         string
	Prefix       string
	SecretHash   []byte
	Capabilities string
	CreatedAt    time.Time
	ExpiresAt    *time.Time
	RevokedAt    *time.Time
	LastUsedAt   *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r apiKeyRow) apiKey() APIKey {
	caps, _ := ParseCapabilities(r.Capabilities) // written by this package, always valid
	return APIKey{
		ID: r.ID, OrgID: r.OrgID, Name: r.Name, Prefix: r.Prefix, Capabilities: caps,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt),
		LastUsedAt: utcPtr(r.LastUsedAt),
	}
}

// newAPIKeyRow makes a key and its secret. Returns EINVALID for an empty name, no
// capabilities, or an expiry that is not in the future.
func newAPIKeyRow(orgID string, in NewAPIKey, now time.Time) (apiKeyRow, string, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return apiKeyRow{}, "", invalid("name", "API key name must be 1 to 100 characters, not only spaces")
	}
	caps := in.Capabilities.Normal()
	if len(caps) == 0 {
		return apiKeyRow{}, "", invalid("capabilities", "an API key needs at least one capability: read, write or admin")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return apiKeyRow{}, "", invalid("expiresAt", "expiresAt must be in the future")
	}
	secret := newAPIKeySecret()
	hash := HashAPIKey(secret)
	return apiKeyRow{
		ID: newID("key", now), OrgID: orgID, Name: name, Prefix: secret[:shownPrefixLen],
		SecretHash: hash[:], Capabilities: caps.String(), CreatedAt: now, ExpiresAt: dbTimePtr(in.ExpiresAt),
	}, secret, nil
}

func newAPIKeySecret() string {
	b := make([]byte, 0, len(APIKeyPrefix)+apiKeySecretLen)
	b = append(b, APIKeyPrefix...)
	var buf [64]byte
	for len(b) < cap(b) {
		rand.Read(buf[:])
		for _, c := range buf {
			// Rejection sampling: 248 is the largest multiple of 62 below 256, so every
			// character is equally likely.
			if c < 248 && len(b) < cap(b) {
				b = append(b, base62[c%62])
			}
		}
	}
	return string(b)
}

// LooksLikeAPIKey reports whether s has the shape of an API key secret, so that malformed
// credentials are refused without a database read.
func LooksLikeAPIKey(s string) bool {
	if len(s) != len(APIKeyPrefix)+apiKeySecretLen || !strings.HasPrefix(s, APIKeyPrefix) {
		return false
	}
	for i := len(APIKeyPrefix); i < len(s); i++ {
		if !strings.ContainsRune(base62, rune(s[i])) {
			return false
		}
	}
	return true
}

// HashAPIKey is the stored form of a secret.
func HashAPIKey(secret string) [sha256.Size]byte { return sha256.Sum256([]byte(secret)) }

// CreateAPIKey creates a key in the organization and returns it with its secret, which is not
// kept and cannot be shown again. Returns EINVALID as newAPIKeyRow says.
func (s *Store) CreateAPIKey(ctx context.Context, orgID string, in NewAPIKey) (APIKey, string, error) {
	row, secret, err := newAPIKeyRow(orgID, in, s.Now())
	if err != nil {
		return APIKey{}, "", err
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return APIKey{}, "", err
	}
	return row.apiKey(), secret, nil
}

// ListAPIKeys returns up to limit of the organization's keys that are not revoked, in creation
// order, starting after the key with id after ("" for the first page). more says whether
// another page follows.
func (s *Store) ListAPIKeys(ctx context.Context, orgID, after string, limit int) (keys []APIKey, more bool, err error) {
	var rows []apiKeyRow
	q := s.db.WithContext(ctx).Where("org_id = ? AND revoked_at IS NULL", orgID)
	if after != "" {
		q = q.Where("id > ?", after)
	}
	if err := q.Order("id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, false, err
	}
	rows, more = trimPage(rows, limit)
	keys = make([]APIKey, len(rows))
	for i, r := range rows {
		keys[i] = r.apiKey()
	}
	return keys, more, nil
}

// RevokeAPIKey revokes a key of the organization. Returns ENOTFOUND when the organization has
// no such key, or it is already revoked. On PostgreSQL the revoke is announced to every process
// watching revocations (WatchRevocations), in the same transaction, so only once it commits.
func (s *Store) RevokeAPIKey(ctx context.Context, orgID, keyID string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&apiKeyRow{}).
			Where("id = ? AND org_id = ? AND revoked_at IS NULL", keyID, orgID).
			Update("revoked_at", s.Now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errorf(ENOTFOUND, "API key %s not found", keyID)
		}
		if s.AnnouncesRevocations() {
			return tx.Exec("SELECT pg_notify(?, ?)", revocationsChannel, keyID).Error
		}
		return nil
	})
}

// APIKeyBySecret returns the key whose secret is secret, revoked and expired ones included (the
// caller says why a key is refused). Returns ENOTFOUND when no key has this secret.
func (s *Store) APIKeyBySecret(ctx context.Context, secret string) (APIKey, error) {
	hash := HashAPIKey(secret)
	var row apiKeyRow
	err := s.db.WithContext(ctx).Where("secret_hash = ?", hash[:]).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return APIKey{}, errorf(ENOTFOUND, "API key not found")
	}
	if err != nil {
		return APIKey{}, err
	}
	return row.apiKey(), nil
}

// TouchAPIKey records that the key was used at at. Callers throttle it: it is a write.
func (s *Store) TouchAPIKey(ctx context.Context, keyID string, at time.Time) error {
	return s.db.WithContext(ctx).Model(&apiKeyRow{}).Where("id = ?", keyID).
		Update("last_used_at", dbTime(at)).Error
}
