package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/phone"
)

var ctx = context.Background()

// wantCode fails the test unless err carries the store error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := store.ErrorCode(err); got != want {
		t.Fatalf("error = %v (code %q), want code %q", err, got, want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustPhone(t *testing.T, raw string) phone.Number {
	t.Helper()
	n, err := phone.Parse(raw, "AR")
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return n
}

func newOrg(t *testing.T, s *store.Store, name string) store.Organization {
	t.Helper()
	return must[store.Organization](t)(s.CreateOrganization(ctx, name, "AR"))
}

func newList(t *testing.T, s *store.Store, orgID, name string) store.ContactList {
	t.Helper()
	return must[store.ContactList](t)(s.CreateContactList(ctx, orgID, store.NewContactList{Name: name}))
}

func newContact(t *testing.T, s *store.Store, orgID string, listID int64, raw string) store.Contact {
	t.Helper()
	return must[store.Contact](t)(s.CreateContact(ctx, orgID, store.NewContact{ListID: listID, Phone: mustPhone(t, raw)}))
}

func ptr[T any](v T) *T { return &v }

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n, err := s.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate applied %d migrations, err %v; want 0, nil", n, err)
		}
	})
}

func TestTimestampsKeepMicrosecondsAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		n := mustPhone(t, "+5492235961983")
		base := time.Date(2025, 3, 28, 14, 22, 0, 0, time.UTC)
		// Whole seconds after fractions: text comparison of RFC 3339 with trimmed fractions
		// would put ...:00Z after ...:00.5Z; the stored layout must not.
		for _, at := range []time.Time{base.Add(500 * time.Millisecond), base, base.Add(123456 * time.Microsecond)} {
			if err := s.RecordInbound(ctx, org.ID, store.InboundMessage{SessionID: "sess_A", From: n, At: at, Direct: true}); err != nil {
				t.Fatal(err)
			}
		}
		l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if want := base.Add(500 * time.Millisecond); l.LastReplyAt == nil || !l.LastReplyAt.Equal(want) {
			t.Fatalf("LastReplyAt = %v, want %v", l.LastReplyAt, want)
		}
	})
}

func TestOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		if org.DefaultRegion != "AR" || len(org.ID) != len("org_")+26 {
			t.Fatalf("organization = %+v", org)
		}
		_, err := s.CreateOrganization(ctx, "acme", "US")
		wantCode(t, err, store.ECONFLICT)
		_, err = s.CreateOrganization(ctx, "other", "XX")
		wantCode(t, err, store.EINVALID)
		_, err = s.CreateOrganization(ctx, "  ", "AR")
		wantCode(t, err, store.EINVALID)
		lower := must[store.Organization](t)(s.CreateOrganization(ctx, "lower", "mx"))
		if lower.DefaultRegion != "MX" {
			t.Fatalf("region = %q, want MX", lower.DefaultRegion)
		}
		got := must[store.Organization](t)(s.OrganizationByName(ctx, "acme"))
		if got.ID != org.ID {
			t.Fatalf("by name = %+v, want %+v", got, org)
		}
		_, err = s.Organization(ctx, "org_nope")
		wantCode(t, err, store.ENOTFOUND)
	})
}

func TestBootstrapOnlyOnEmptyDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		b, ok, err := s.Bootstrap(ctx, "AR")
		if err != nil || !ok {
			t.Fatalf("first Bootstrap: ok=%v err=%v", ok, err)
		}
		if b.Organization.Name != "default" || !store.LooksLikeAPIKey(b.Secret) || !b.Key.Capabilities.Covers(store.AllCapabilities) {
			t.Fatalf("bootstrap = %+v", b)
		}
		key := must[store.APIKey](t)(s.APIKeyBySecret(ctx, b.Secret))
		if key.OrgID != b.Organization.ID {
			t.Fatalf("bootstrap key belongs to %s, want %s", key.OrgID, b.Organization.ID)
		}
		if _, ok, err := s.Bootstrap(ctx, "AR"); ok || err != nil {
			t.Fatalf("second Bootstrap: ok=%v err=%v, want false, nil", ok, err)
		}
	})
}

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
		_, err = s.APIKeyBySecret(ctx, secret[:len(secret)-1]+"x")
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
