package store_test

import (
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestLookupRepliesAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := time.Date(2025, 3, 28, 14, 22, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return now })
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "l")
		c := newContact(t, s, org.ID, list.ID, "+5492235961983")
		n := mustPhone(t, "5492235961983")

		l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if !l.Found() || l.Contact.ID != c.ID || l.LastReplyAt != nil || l.WindowExpiresAt != nil {
			t.Fatalf("before any reply = %+v", l)
		}

		// A group message is a reply but opens no window.
		group := now.Add(-2 * time.Hour)
		record(t, s, org.ID, store.InboundMessage{SessionID: "sess_A", From: n, At: group})
		l = must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if l.LastReplyAt == nil || !l.LastReplyAt.Equal(group) || l.WindowExpiresAt != nil {
			t.Fatalf("after a group message = %+v", l)
		}

		// A direct message to another session opens the window for 24 hours.
		direct := now.Add(-time.Hour)
		record(t, s, org.ID, store.InboundMessage{SessionID: "sess_B", From: n, At: direct, Direct: true})
		// A late redelivery of an older message changes nothing.
		record(t, s, org.ID, store.InboundMessage{SessionID: "sess_B", From: n, At: direct.Add(-10 * time.Hour), Direct: true})
		l = must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if !l.LastReplyAt.Equal(direct) || l.WindowExpiresAt == nil || !l.WindowExpiresAt.Equal(direct.Add(24*time.Hour)) {
			t.Fatalf("after a direct message = %+v", l)
		}

		// Narrowed to session A, only the group message counts.
		l = must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, "sess_A"))
		if !l.LastReplyAt.Equal(group) || l.WindowExpiresAt != nil {
			t.Fatalf("narrowed to sess_A = %+v", l)
		}

		// A day later the window has closed; the reply is still on record.
		now = direct.Add(24*time.Hour + time.Second)
		l = must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if l.LastReplyAt == nil || l.WindowExpiresAt != nil {
			t.Fatalf("a day later = %+v", l)
		}
	})
}

func record(t *testing.T, s *store.Store, orgID string, m store.InboundMessage) {
	t.Helper()
	if err := s.RecordInbound(ctx, orgID, m); err != nil {
		t.Fatal(err)
	}
}

func TestLookupPicksTheMostRecentlyChangedContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		first := newContact(t, s, org.ID, newList(t, s, org.ID, "one").ID, "+5492235961983")
		s.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
		second := newContact(t, s, org.ID, newList(t, s, org.ID, "two").ID, "+54 223 15-596-1983")
		key := mustPhone(t, "+5492235961983").MatchKey
		if l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, key, "")); l.Contact.ID != second.ID {
			t.Fatalf("lookup = contact %d, want the newer %d", l.Contact.ID, second.ID)
		}
		s.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
		must[store.Contact](t)(s.UpdateContact(ctx, org.ID, first.ID, store.ContactChange{Notes: store.Some(ptr("called"))}))
		if l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, key, "")); l.Contact.ID != first.ID {
			t.Fatalf("lookup = contact %d, want the just-changed %d", l.Contact.ID, first.ID)
		}
		batch := must[map[string]store.Lookup](t)(s.LookupContacts(ctx, org.ID, []string{key}, ""))
		if batch[key].Contact == nil || batch[key].Contact.ID != first.ID {
			t.Fatalf("batch lookup = %+v, want contact %d", batch[key], first.ID)
		}
	})
}

func TestLookupIsScopedToTheOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		newContact(t, s, a.ID, newList(t, s, a.ID, "l").ID, "+5492235961983")
		n := mustPhone(t, "+5492235961983")
		record(t, s, a.ID, store.InboundMessage{SessionID: "sess_A", From: n, At: s.Now(), Direct: true})

		if l := must[store.Lookup](t)(s.LookupContact(ctx, b.ID, n.MatchKey, "")); l.Found() || l.LastReplyAt != nil || l.WindowExpiresAt != nil {
			t.Fatalf("organization b sees a's data: %+v", l)
		}
		if got := must[map[string]store.Lookup](t)(s.LookupContacts(ctx, b.ID, []string{n.MatchKey}, "")); len(got) != 0 {
			t.Fatalf("organization b sees a's data in a batch: %+v", got)
		}
	})
}

func TestBatchLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "l")
		c := newContact(t, s, org.ID, list.ID, "+5492235961983")
		replied := mustPhone(t, "+5491155554444") // wrote, but is no contact
		record(t, s, org.ID, store.InboundMessage{SessionID: "sess_A", From: replied, At: s.Now(), Direct: true})

		keys := []string{mustPhone(t, "+5492235961983").MatchKey, replied.MatchKey, mustPhone(t, "+5491166667777").MatchKey}
		got := must[map[string]store.Lookup](t)(s.LookupContacts(ctx, org.ID, keys, ""))
		if l := got[keys[0]]; l.Contact == nil || l.Contact.ID != c.ID || l.LastReplyAt != nil {
			t.Fatalf("contact = %+v", l)
		}
		if l := got[keys[1]]; l.Found() || l.LastReplyAt == nil || l.WindowExpiresAt == nil {
			t.Fatalf("replied stranger = %+v", l)
		}
		if _, ok := got[keys[2]]; ok {
			t.Fatalf("unknown phone has a result: %+v", got[keys[2]])
		}
		// The single lookup agrees for a phone that is no contact.
		if l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, replied.MatchKey, "")); l.Found() || l.LastReplyAt == nil {
			t.Fatalf("single lookup of a replied stranger = %+v", l)
		}
	})
}
