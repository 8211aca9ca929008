package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		key, secret, err := s.CreateAPIKey(ctx, a.ID, store.NewAPIKey{Name: "tool", Capabilities: store.Capabilities{store.Write, store.Read, store.Read}})
		if err != nil {
			t.Fatal(err)
		}
		if !store.LooksLikeAPIKey(secret) || key.Prefix != secret[:8] || key.Capabilities.String() != "read,write" {
			t.Fatalf("key = %+v, secret %q", key, secret)
		}
		found := must[store.APIKey](t)(s.APIKeyBySecret(ctx, secret))
		if found.ID != key.ID || found.LastUsedAt != nil {
			t.Fatalf("by secret = %+v", found)
		}
		// Another secret of the same shape: the last character changed to one it is not.
		wrong := secret[:len(secret)-1] + map[bool]string{true: "y", false: "x"}[strings.HasSuffix(secret, "x")]
		_, err = s.APIKeyBySecret(ctx, wrong)
		wantCode(t, err, store.ENOTFOUND)

		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := s.TouchAPIKey(ctx, key.ID, at); err != nil {
			t.Fatal(err)
		}
		if got := must[store.APIKey](t)(s.APIKeyBySecret(ctx, secret)); got.LastUsedAt == nil || !got.LastUsedAt.Equal(at) {
			t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, at)
		}

		_, _, err = s.CreateAPIKey(ctx, a.ID, store.NewAPIKey{Name: "late", Capabilities: store.AllCapabilities, ExpiresAt: ptr(s.Now().Add(-time.Second))})
		wantCode(t, err, store.EINVALID)
		_, _, err = s.CreateAPIKey(ctx, a.ID, store.NewAPIKey{Name: "none"})
		wantCode(t, err, store.EINVALID)

		// Revoking is scoped: b cannot revoke a's key, and a revoked key leaves the list.
		wantCode(t, s.RevokeAPIKey(ctx, b.ID, key.ID), store.ENOTFOUND)
		if err := s.RevokeAPIKey(ctx, a.ID, key.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.RevokeAPIKey(ctx, a.ID, key.ID), store.ENOTFOUND)
		if got := must[store.APIKey](t)(s.APIKeyBySecret(ctx, secret)); got.RevokedAt == nil {
			t.Fatal("revoked key has no RevokedAt")
		}
		keys, more, err := s.ListAPIKeys(ctx, a.ID, "", 10)
		if err != nil || len(keys) != 0 || more {
			t.Fatalf("list after revoke = %v, %v, %v", keys, more, err)
		}
	})
}

func TestAPIKeyPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		var ids []string
		for range 5 {
			k, _, err := s.CreateAPIKey(ctx, a.ID, store.NewAPIKey{Name: "k", Capabilities: store.Capabilities{store.Read}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, k.ID)
			if _, _, err := s.CreateAPIKey(ctx, b.ID, store.NewAPIKey{Name: "other", Capabilities: store.Capabilities{store.Read}}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		after := ""
		for {
			page, more, err := s.ListAPIKeys(ctx, a.ID, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range page {
				got = append(got, k.ID)
			}
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(got) != 5 {
			t.Fatalf("paged %d keys, want 5: %v", len(got), got)
		}
		for i := range got {
			if got[i] != ids[i] {
				t.Fatalf("page order %v, want %v", got, ids)
			}
		}
	})
}
