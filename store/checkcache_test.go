package store_test

import (
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

var checkedAt = time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)

func onWhatsApp(key, e164 string, ttl time.Duration) store.CachedCheck {
	return store.CachedCheck{MatchKey: key, Phone: e164, OnWhatsApp: true, JID: key + "@s.whatsapp.net", CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(ttl)}
}

// TestCheckCacheHitMissExpiry: an answer is found by its match key until it expires, a key
// never cached is a miss, and an expired entry is a miss that a new answer overwrites.
func TestCheckCacheHitMissExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		on := onWhatsApp("542235961983", "+5492235961983", time.Hour)
		off := store.CachedCheck{MatchKey: "14155552671", Phone: "+14155552671", CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(time.Minute)}
		if err := s.CacheChecks(ctx, org.ID, []store.CachedCheck{on, off}); err != nil {
			t.Fatal(err)
		}
		keys := []string{on.MatchKey, off.MatchKey, "34612345678"}
		got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, keys, checkedAt.Add(time.Second)))
		if len(got) != 2 || got[on.MatchKey] != on || got[off.MatchKey] != off {
			t.Fatalf("cached = %+v", got)
		}
		got = must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, keys, checkedAt.Add(time.Minute)))
		if _, ok := got[off.MatchKey]; ok || len(got) != 1 {
			t.Fatalf("at its expiry the negative answer is still a hit: %+v", got)
		}

		// The expired entry is overwritten by a later answer: now on WhatsApp.
		later := onWhatsApp(off.MatchKey, off.Phone, time.Hour)
		later.CheckedAt, later.ExpiresAt = checkedAt.Add(2*time.Minute), checkedAt.Add(time.Hour)
		if err := s.CacheChecks(ctx, org.ID, []store.CachedCheck{later}); err != nil {
			t.Fatal(err)
		}
		got = must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, keys, checkedAt.Add(3*time.Minute)))
		if got[off.MatchKey] != later {
			t.Fatalf("overwritten entry = %+v, want %+v", got[off.MatchKey], later)
		}
		if empty := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, nil, checkedAt)); len(empty) != 0 {
			t.Fatalf("no keys found %v", empty)
		}
	})
}

// TestCheckCacheNewerAnswerStands: two processes that checked the same number: an answer
// older than the one stored does not replace it.
func TestCheckCacheNewerAnswerStands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		newer := onWhatsApp("5511987654321", "+5511987654321", time.Hour)
		older := store.CachedCheck{MatchKey: newer.MatchKey, Phone: "+551187654321", CheckedAt: checkedAt.Add(-time.Second), ExpiresAt: checkedAt.Add(time.Hour)}
		noErr(t, s.CacheChecks(ctx, org.ID, []store.CachedCheck{newer}))
		noErr(t, s.CacheChecks(ctx, org.ID, []store.CachedCheck{older}))
		got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, []string{newer.MatchKey}, checkedAt))
		if got[newer.MatchKey] != newer {
			t.Fatalf("after an older answer: %+v, want %+v", got[newer.MatchKey], newer)
		}
	})
}

// TestCheckCacheLID: a LID is recorded for the account the entry holds, kept when the same
// account is checked again, and dropped when the number now belongs to another account.
func TestCheckCacheLID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		on := onWhatsApp("525512345678", "+525512345678", time.Hour)
		noErr(t, s.CacheChecks(ctx, org.ID, []store.CachedCheck{on}))
		wantCode(t, s.SetCheckLID(ctx, org.ID, on.MatchKey, "5215512345678@s.whatsapp.net", "123@lid"), store.ENOTFOUND)
		wantCode(t, s.SetCheckLID(ctx, org.ID, "14155552671", "14155552671@s.whatsapp.net", "123@lid"), store.ENOTFOUND)
		wantCode(t, s.SetCheckLID(ctx, org.ID, on.MatchKey, on.JID, ""), store.EINVALID)
		if err := s.SetCheckLID(ctx, org.ID, on.MatchKey, on.JID, "123@lid"); err != nil {
			t.Fatal(err)
		}
		lidOf := func() string {
			return must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, []string{on.MatchKey}, checkedAt))[on.MatchKey].LID
		}
		if lid := lidOf(); lid != "123@lid" {
			t.Fatalf("LID = %q", lid)
		}
		again := on
		again.CheckedAt = checkedAt.Add(time.Second)
		noErr(t, s.CacheChecks(ctx, org.ID, []store.CachedCheck{again}))
		if lid := lidOf(); lid != "123@lid" {
			t.Fatalf("re-checked, same account: LID = %q", lid)
		}
		other := again
		other.JID, other.CheckedAt = "5215512345678@s.whatsapp.net", checkedAt.Add(2*time.Second)
		noErr(t, s.CacheChecks(ctx, org.ID, []store.CachedCheck{other}))
		if lid := lidOf(); lid != "" {
			t.Fatalf("re-checked, another account: LID %q kept", lid)
		}
	})
}

// TestCheckCacheTenancy: organization A's answers never answer B, B's writes never touch
// A's, nor can B record a LID in A's entry; deleting an organization deletes its cache.
func TestCheckCacheTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		ours := onWhatsApp("542235961983", "+5492235961983", time.Hour)
		noErr(t, s.CacheChecks(ctx, a.ID, []store.CachedCheck{ours}))
		if got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, b.ID, []string{ours.MatchKey}, checkedAt)); len(got) != 0 {
			t.Fatalf("b reads a's answer: %+v", got)
		}
		wantCode(t, s.SetCheckLID(ctx, b.ID, ours.MatchKey, ours.JID, "9@lid"), store.ENOTFOUND)
		theirs := store.CachedCheck{MatchKey: ours.MatchKey, Phone: ours.Phone, CheckedAt: checkedAt.Add(time.Second), ExpiresAt: checkedAt.Add(time.Hour)}
		noErr(t, s.CacheChecks(ctx, b.ID, []store.CachedCheck{theirs}))
		if got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, a.ID, []string{ours.MatchKey}, checkedAt)); got[ours.MatchKey] != ours {
			t.Fatalf("a's answer after b's write: %+v", got)
		}
		if got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, b.ID, []string{ours.MatchKey}, checkedAt)); got[ours.MatchKey] != theirs {
			t.Fatalf("b's own answer: %+v", got)
		}
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM organizations WHERE id = '"+b.ID+"'"); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM wa_check_cache WHERE org_id = '"+b.ID+"'").Scan(&left); err != nil || left != 0 {
			t.Fatalf("after deleting b: %d rows left, %v", left, err)
		}
		if got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, a.ID, []string{ours.MatchKey}, checkedAt)); len(got) != 1 {
			t.Fatal("deleting b removed a's answer")
		}
	})
}

// TestCheckCacheRules: entries that contradict themselves are refused, and nothing of a
// refused batch is written.
func TestCheckCacheRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		good := onWhatsApp("14155552671", "+14155552671", time.Hour)
		for _, bad := range []store.CachedCheck{
			{Phone: "+14155552671", CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(time.Hour)},
			{MatchKey: "34612345678", CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(time.Hour)},
			{MatchKey: "34612345678", Phone: "+34612345678", OnWhatsApp: true, CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(time.Hour)},
			{MatchKey: "34612345678", Phone: "+34612345678", JID: "34612345678@s.whatsapp.net", CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(time.Hour)},
			{MatchKey: "34612345678", Phone: "+34612345678", LID: "1@lid", CheckedAt: checkedAt, ExpiresAt: checkedAt.Add(time.Hour)},
			{MatchKey: "34612345678", Phone: "+34612345678", CheckedAt: checkedAt, ExpiresAt: checkedAt},
		} {
			wantCode(t, s.CacheChecks(ctx, org.ID, []store.CachedCheck{good, bad}), store.EINVALID)
		}
		if got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org.ID, []string{good.MatchKey}, checkedAt)); len(got) != 0 {
			t.Fatalf("a refused batch wrote %+v", got)
		}
	})
}

// TestDeleteExpiredChecks: the sweep removes what expired, in every organization, and
// nothing else.
func TestDeleteExpiredChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		short, long := onWhatsApp("14155552671", "+14155552671", time.Minute), onWhatsApp("34612345678", "+34612345678", time.Hour)
		for _, org := range []string{a.ID, b.ID} {
			noErr(t, s.CacheChecks(ctx, org, []store.CachedCheck{short, long}))
		}
		if n := must[int64](t)(s.DeleteExpiredChecks(ctx, checkedAt.Add(time.Minute))); n != 2 {
			t.Fatalf("deleted %d, want 2", n)
		}
		for _, org := range []string{a.ID, b.ID} {
			got := must[map[string]store.CachedCheck](t)(s.CachedChecks(ctx, org, []string{short.MatchKey, long.MatchKey}, checkedAt))
			if len(got) != 1 || got[long.MatchKey] != long {
				t.Fatalf("left in %s: %+v", org, got)
			}
		}
	})
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
