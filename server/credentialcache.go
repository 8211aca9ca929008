package server

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"sync"
	"time"

	"github.com/wagate/wagate/store"
)

// credentialTTL is how long a key or organization read from the database is trusted, unless
// Config.CredentialTTL says otherwise. A key revoked through this server stops working at once
// (revoke drops it); on PostgreSQL, one revoked through another replica sharing the database
// too, as soon as its announcement arrives (revocations.go), and within this long should the
// announcement be lost. Expiry is checked on every request.
const credentialTTL = 10 * time.Second

// touchEvery throttles the write of an API key's last-used time.
const touchEvery = time.Minute

// maxCached bounds each cache; when full it starts over.
const maxCached = 10000

// keyEntry is an API key with its organization, as last read from the store.
type keyEntry struct {
	hash    [sha256.Size]byte
	key     store.APIKey
	org     store.Organization
	fetched time.Time
	touched time.Time // when last_used_at was last written, or read
}

// apiKeyCache saves the two reads (key, organization) that would otherwise precede every request.
type apiKeyCache struct {
	store *store.Store
	log   *slog.Logger
	ttl   time.Duration

	// read fetches a key and its organization from the database; a test interleaves a revoke.
	read func(ctx context.Context, secret string) (store.APIKey, store.Organization, error)

	mu      sync.Mutex
	entries map[[sha256.Size]byte]*keyEntry
	// revocations counts revokes, here or announced, and whole-cache forgets. A read of the
	// database that began before one may have seen the key unrevoked, so it must not be kept:
	// get compares the count before and after.
	revocations uint64
}

func newAPIKeyCache(s *store.Store, log *slog.Logger) *apiKeyCache {
	c := &apiKeyCache{store: s, log: log, ttl: credentialTTL, entries: map[[sha256.Size]byte]*keyEntry{}}
	c.read = func(ctx context.Context, secret string) (store.APIKey, store.Organization, error) {
		key, err := s.APIKeyBySecret(ctx, secret)
		if err != nil {
			return store.APIKey{}, store.Organization{}, err
		}
		org, err := s.Organization(ctx, key.OrgID)
		return key, org, err
	}
	return c
}

// get returns the key with this secret. Returns ENOTFOUND when there is none.
func (c *apiKeyCache) get(ctx context.Context, secret string) (keyEntry, error) {
	hash := store.HashAPIKey(secret)
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[hash]; ok && now.Sub(e.fetched) < c.ttl {
		v := *e
		c.mu.Unlock()
		return v, nil
	}
	revocations := c.revocations
	c.mu.Unlock()

	key, org, err := c.read(ctx, secret)
	if err != nil {
		return keyEntry{}, err
	}
	fresh := &keyEntry{hash: hash, key: key, org: org, fetched: now}
	if key.LastUsedAt != nil {
		fresh.touched = *key.LastUsedAt
	}
	c.mu.Lock()
	if c.revocations == revocations {
		if len(c.entries) >= maxCached {
			clear(c.entries)
		}
		c.entries[hash] = fresh
	}
	c.mu.Unlock()
	return *fresh, nil
}

// touch records that the key was used, at most once per touchEvery. A failed write is logged
// and does not fail the request: the last-used time is a hint, not an audit log.
func (c *apiKeyCache) touch(ctx context.Context, e keyEntry, now time.Time) {
	if now.Sub(e.touched) < touchEvery {
		return
	}
	c.mu.Lock()
	if cached, ok := c.entries[e.hash]; ok {
		if now.Sub(cached.touched) < touchEvery {
			c.mu.Unlock()
			return // another request is writing it
		}
		cached.touched = now
	}
	c.mu.Unlock()
	if err := c.store.TouchAPIKey(ctx, e.key.ID, now); err != nil {
		c.log.WarnContext(ctx, "recording an API key's last use failed", "key_id", e.key.ID, "error", err)
	}
}

// revoke revokes a key of the organization and forgets it, so that it stops working on this
// server at once. Returns ENOTFOUND as store.RevokeAPIKey does.
func (c *apiKeyCache) revoke(ctx context.Context, orgID, keyID string) error {
	if err := c.store.RevokeAPIKey(ctx, orgID, keyID); err != nil {
		return err
	}
	c.forget(keyID)
	return nil
}

// forget drops the key with this id, revoked here or elsewhere.
func (c *apiKeyCache) forget(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revocations++
	for hash, e := range c.entries {
		if e.key.ID == keyID {
			delete(c.entries, hash)
		}
	}
}

// forgetAll drops every key: revokes may have gone unheard.
func (c *apiKeyCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revocations++
	clear(c.entries)
}

// orgCache keeps organizations named by login tokens, which carry only the id.
type orgCache struct {
	store *store.Store
	ttl   time.Duration

	mu      sync.Mutex
	entries map[string]orgEntry
}

type orgEntry struct {
	org     store.Organization
	fetched time.Time
}

func newOrgCache(s *store.Store) *orgCache {
	return &orgCache{store: s, ttl: credentialTTL, entries: map[string]orgEntry{}}
}

// get returns the organization with id. Returns ENOTFOUND when there is none.
func (c *orgCache) get(ctx context.Context, id string) (store.Organization, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < c.ttl {
		return e.org, nil
	}
	org, err := c.store.Organization(ctx, id)
	if err != nil {
		return store.Organization{}, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxCached {
		clear(c.entries)
	}
	c.entries[id] = orgEntry{org: org, fetched: now}
	c.mu.Unlock()
	return org, nil
}
