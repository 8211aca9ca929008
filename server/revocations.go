package server

import (
	"context"
	"time"

	"github.com/wagate/wagate/store"
)

// followRevocations keeps the key cache in step with the revokes of every process sharing the
// PostgreSQL database, until ctx ends: an announced revoke drops the key at once, and each
// (re)connection of the listener drops every key, since revokes made while it was down went
// unheard. The cache's TTL remains the bound should an announcement be lost anyway.
func (c *apiKeyCache) followRevocations(ctx context.Context) {
	c.store.WatchRevocations(ctx, store.RevocationWatcher{
		Listening: func(backendPID uint32) {
			c.forgetAll()
			c.log.Info("listening for API key revocations", "backend_pid", backendPID)
		},
		Revoked: c.forget,
		Lost: func(err error, retryIn time.Duration) {
			c.log.Warn("not hearing API key revocations from other processes; cached keys are trusted for their TTL meanwhile",
				"error", err, "retry_in", retryIn, "ttl", c.ttl)
		},
	})
}
