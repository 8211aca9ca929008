package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/wagate/wagate/store"
)

// checkCachePurgeEvery is how often expired WhatsApp check answers are deleted. They are
// misses already; the purge only keeps the table to the numbers still in use, so an hour is
// plenty, and one DELETE an hour costs nothing.
const checkCachePurgeEvery = time.Hour

// purgeExpiredChecks deletes expired check answers every interval until ctx ends. Every
// process on a shared PostgreSQL purges: the DELETE is idempotent, and two in one hour cost
// no more than one.
func purgeExpiredChecks(ctx context.Context, s *store.Store, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := s.DeleteExpiredChecks(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("delete expired WhatsApp check answers", "err", err)
		case n > 0:
			log.Debug("deleted expired WhatsApp check answers", "count", n)
		}
	}
}
