package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestPurgeExpiredChecks: the purge deletes the answers that expired, keeps the others, and
// stops with its context.
func TestPurgeExpiredChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org, err := s.CreateOrganization(ctx, "acme", "AR")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		err = s.CacheChecks(ctx, org.ID, []store.CachedCheck{
			{MatchKey: "542235961983", Phone: "+5492235961983", OnWhatsApp: true, JID: "5492235961983@s.whatsapp.net", CheckedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
			{MatchKey: "541100000000", Phone: "+5491100000000", CheckedAt: now, ExpiresAt: now.Add(time.Hour)},
		})
		if err != nil {
			t.Fatal(err)
		}
		purgeCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			purgeExpiredChecks(purgeCtx, s, time.Millisecond, slog.New(slog.DiscardHandler))
		}()
		deadline := time.Now().Add(5 * time.Second)
		for {
			// Read as of three hours ago, when neither had expired: only the purge removes one.
			cached, err := s.CachedChecks(ctx, org.ID, []string{"542235961983", "541100000000"}, now.Add(-3*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(cached) == 1 {
				if _, ok := cached["541100000000"]; !ok {
					t.Fatalf("the purge deleted the answer that had not expired: %v", cached)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 5s the cache holds %v", cached)
			}
			time.Sleep(5 * time.Millisecond)
		}
		stop()
		<-done
	})
}
