package store_test

import (
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestSessionLifecycle: a session is created disconnected and unpaired, records each state
// its manager gives it (pairing, connected with its device, retrying, logged out with the
// device cleared), and is deleted.
func TestSessionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		s.SetClock(func() time.Time { return start })
		sess := must[store.Session](t)(s.CreateSession(ctx, org.ID, "  sales  "))
		if len(sess.ID) != len("sess_")+26 || sess.ID[:5] != "sess_" || sess.Name != "sales" || sess.Status != store.SessionDisconnected ||
			sess.Reason == "" || !sess.StatusChangedAt.Equal(start) || sess.DeviceJID != nil || sess.ReconnectAttempt != 0 || sess.NextRetryAt != nil {
			t.Fatalf("new session = %+v", sess)
		}

		later := start.Add(time.Minute)
		s.SetClock(func() time.Time { return later })
		got := must[store.Session](t)(s.SetSessionState(ctx, org.ID, sess.ID, store.SessionState{
			Status: store.SessionConnected, Reason: "paired",
			Device: &store.SessionDevice{JID: "5492235961983:7@s.whatsapp.net", Phone: "+5492235961983", PushName: "Ana"},
		}))
		if got.Status != store.SessionConnected || got.Reason != "paired" || !got.StatusChangedAt.Equal(later) || !got.UpdatedAt.Equal(later) ||
			!got.CreatedAt.Equal(start) || *got.DeviceJID != "5492235961983:7@s.whatsapp.net" || *got.Phone != "+5492235961983" || *got.PushName != "Ana" {
			t.Fatalf("connected = %+v", got)
		}

		retry := later.Add(30 * time.Second)
		got = must[store.Session](t)(s.SetSessionState(ctx, org.ID, sess.ID, store.SessionState{
			Status: store.SessionConnecting, Reason: "no route to WhatsApp; retrying", ReconnectAttempt: 3, NextRetryAt: &retry,
		}))
		if got.ReconnectAttempt != 3 || got.NextRetryAt == nil || !got.NextRetryAt.Equal(retry) || got.DeviceJID == nil {
			t.Fatalf("retrying (device kept) = %+v", got)
		}
		if again := must[store.Session](t)(s.Session(ctx, org.ID, sess.ID)); again.Reason != got.Reason || !again.NextRetryAt.Equal(retry) {
			t.Fatalf("read back %+v, want %+v", again, got)
		}

		got = must[store.Session](t)(s.SetSessionState(ctx, org.ID, sess.ID, store.SessionState{
			Status: store.SessionLoggedOut, Reason: "logged out from the phone", Device: &store.SessionDevice{},
		}))
		if got.DeviceJID != nil || got.Phone != nil || got.PushName != nil || got.ReconnectAttempt != 0 || got.NextRetryAt != nil {
			t.Fatalf("logged out = %+v", got)
		}

		if err := s.DeleteSession(ctx, org.ID, sess.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Session(ctx, org.ID, sess.ID)
		wantCode(t, err, store.ENOTFOUND)
		wantCode(t, s.DeleteSession(ctx, org.ID, sess.ID), store.ENOTFOUND)
	})
}

// TestSessionRules: names are required and unique per organization (not across them), a
// status must be one of the six, and one device is one session's.
func TestSessionRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		for _, name := range []string{"", "   ", string(make([]byte, 101))} {
			_, err := s.CreateSession(ctx, a.ID, name)
			wantCode(t, err, store.EINVALID)
		}
		first := must[store.Session](t)(s.CreateSession(ctx, a.ID, "main"))
		_, err := s.CreateSession(ctx, a.ID, "main")
		wantCode(t, err, store.ECONFLICT)
		other := must[store.Session](t)(s.CreateSession(ctx, b.ID, "main"))

		_, err = s.SetSessionState(ctx, a.ID, first.ID, store.SessionState{Status: "asleep", Reason: "?"})
		wantCode(t, err, store.EINVALID)
		_, err = s.SetSessionState(ctx, a.ID, first.ID, store.SessionState{Status: store.SessionConnecting, ReconnectAttempt: -1})
		wantCode(t, err, store.EINVALID)

		device := &store.SessionDevice{JID: "15550001111:3@s.whatsapp.net"}
		must[store.Session](t)(s.SetSessionState(ctx, a.ID, first.ID, store.SessionState{Status: store.SessionConnected, Reason: "paired", Device: device}))
		_, err = s.SetSessionState(ctx, b.ID, other.ID, store.SessionState{Status: store.SessionConnected, Reason: "paired", Device: device})
		wantCode(t, err, store.ECONFLICT)
		if got := must[store.Session](t)(s.Session(ctx, b.ID, other.ID)); got.Status != store.SessionDisconnected || got.DeviceJID != nil {
			t.Fatalf("the refused change left %+v", got)
		}
	})
}

// TestSessionTenancy: another organization's session is not found by any operation, and
// is left as it was.
func TestSessionTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		theirs := must[store.Session](t)(s.CreateSession(ctx, b.ID, "theirs"))

		_, err := s.Session(ctx, a.ID, theirs.ID)
		wantCode(t, err, store.ENOTFOUND)
		_, err = s.SetSessionState(ctx, a.ID, theirs.ID, store.SessionState{Status: store.SessionBanned, Reason: "x"})
		wantCode(t, err, store.ENOTFOUND)
		wantCode(t, s.DeleteSession(ctx, a.ID, theirs.ID), store.ENOTFOUND)
		if list, more, err := s.ListSessions(ctx, a.ID, "", 10); err != nil || len(list) != 0 || more {
			t.Fatalf("a lists %v, %v, %v", list, more, err)
		}
		if got := must[store.Session](t)(s.Session(ctx, b.ID, theirs.ID)); got.Status != store.SessionDisconnected {
			t.Fatalf("b's session after a's attempts = %+v", got)
		}
	})
}

// TestListSessionsPages: an organization's sessions page by id in creation order, each once.
func TestListSessionsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		var want []string
		for _, name := range []string{"one", "two", "three", "four", "five"} {
			want = append(want, must[store.Session](t)(s.CreateSession(ctx, a.ID, name)).ID)
			must[store.Session](t)(s.CreateSession(ctx, b.ID, name))
		}
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatal("paging does not end")
			}
			page, more, err := s.ListSessions(ctx, a.ID, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range page {
				if x.OrgID != a.ID {
					t.Fatalf("listed another organization's session %+v", x)
				}
				got = append(got, x.ID)
			}
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(got) != len(want) {
			t.Fatalf("listed %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("listed %v, want %v (creation order)", got, want)
			}
		}
	})
}

// TestSessionsToResume: a starting service takes up the sessions it left connecting,
// pairing or connected, and those banned until a known time, in every organization; not
// those disconnected, logged out, or banned with no end.
func TestSessionsToResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		until := time.Now().Add(time.Hour)
		want := map[string]bool{}
		for i, st := range []store.SessionState{
			{Status: store.SessionDisconnected, Reason: "stopped"},
			{Status: store.SessionConnecting, Reason: "retrying"},
			{Status: store.SessionPairing, Reason: "showing codes"},
			{Status: store.SessionConnected, Reason: "up"},
			{Status: store.SessionLoggedOut, Reason: "unlinked"},
			{Status: store.SessionBanned, Reason: "banned, no end"},
			{Status: store.SessionBanned, Reason: "banned for an hour", NextRetryAt: &until},
		} {
			// Alternate organizations: resuming is the service's, across all of them.
			org := newOrg(t, s, []string{"acme", "globex"}[i%2]+string(rune('a'+i)))
			sess := must[store.Session](t)(s.CreateSession(ctx, org.ID, "s"))
			must[store.Session](t)(s.SetSessionState(ctx, org.ID, sess.ID, st))
			if st.Status == store.SessionConnecting || st.Status == store.SessionPairing || st.Status == store.SessionConnected || st.NextRetryAt != nil {
				want[sess.ID] = true
			}
		}
		got := must[[]store.Session](t)(s.SessionsToResume(ctx))
		if len(got) != len(want) {
			t.Fatalf("resumed %d sessions, want %d: %+v", len(got), len(want), got)
		}
		for _, sess := range got {
			if !want[sess.ID] {
				t.Errorf("resumed %s (%s, %q)", sess.ID, sess.Status, sess.Reason)
			}
		}
	})
}

// TestSetSessionPushName: the push name changes alone (the status and its time stay), and
// only in the session's own organization.
func TestSetSessionPushName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		other := newOrg(t, s, "globex")
		sess := must[store.Session](t)(s.CreateSession(ctx, org.ID, "sales"))
		if err := s.SetSessionPushName(ctx, org.ID, sess.ID, "Ana"); err != nil {
			t.Fatal(err)
		}
		got := must[store.Session](t)(s.Session(ctx, org.ID, sess.ID))
		if got.PushName == nil || *got.PushName != "Ana" || !got.StatusChangedAt.Equal(sess.StatusChangedAt) || got.Status != sess.Status {
			t.Fatalf("after the push name: %+v", got)
		}
		if err := s.SetSessionPushName(ctx, other.ID, sess.ID, "Intruder"); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("another organization's push name: %v", err)
		}
		if got := must[store.Session](t)(s.Session(ctx, org.ID, sess.ID)); *got.PushName != "Ana" {
			t.Fatalf("another organization changed the push name: %+v", got)
		}
	})
}
