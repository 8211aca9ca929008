package whatsapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// logsIn makes clients that log in as soon as they connect, as a paired device does.
func logsIn(c *whatsapptest.Client) { c.OnConnect = []any{&events.Connected{}} }

// TestResumeOnStart: a starting manager reconnects the paired sessions the last run left
// connected, records a session that was pairing as disconnected (its codes are gone), waits
// out a ban with a known end before reconnecting, and leaves disconnected sessions alone.
func TestResumeOnStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		up, _ := r.paired("up", "5491100000001", store.SessionConnected)
		down, _ := r.paired("down", "5491100000002", store.SessionDisconnected)
		banned, _ := r.paired("banned", "5491100000003", store.SessionConnected)
		until := time.Now().Add(150 * time.Millisecond)
		noErr[store.Session](t)(s.SetSessionState(ctx, r.org.ID, banned.ID, store.SessionState{Status: store.SessionBanned, Reason: "banned a while", NextRetryAt: &until}))
		pairing := r.session("pairing")
		noErr[store.Session](t)(s.SetSessionState(ctx, r.org.ID, pairing.ID, store.SessionState{Status: store.SessionPairing, Reason: "showing codes"}))

		if err := r.m.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		r.awaitStatus(up.ID, store.SessionConnected, "Connected to WhatsApp.")
		r.awaitStatus(pairing.ID, store.SessionDisconnected, "wagate restarted before a phone was paired")
		if got := noErr[store.Session](t)(s.Session(ctx, r.org.ID, banned.ID)); got.Status != store.SessionBanned && time.Now().Before(until) {
			t.Fatalf("a banned session was resumed before its ban ended: %+v", got)
		}
		got := r.awaitStatus(banned.ID, store.SessionConnected, "Connected to WhatsApp.")
		if time.Now().Before(until) {
			t.Fatalf("connected before the ban ended: %+v", got)
		}
		if got := noErr[store.Session](t)(s.Session(ctx, r.org.ID, down.ID)); got.Status != store.SessionDisconnected || got.Reason != "as the last run left it" {
			t.Fatalf("a disconnected session was touched: %+v", got)
		}
		if n := len(r.all()); n != 2 {
			t.Fatalf("%d clients made, want 2 (up and banned)", n)
		}
	})
}

// connected is a paired session connected through the rig's manager, and its client.
func connected(t *testing.T, r *rig, name, user string) (store.Session, *whatsapptest.Client) {
	t.Helper()
	sess, _ := r.paired(name, user, store.SessionDisconnected)
	noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
	sess = r.awaitStatus(sess.ID, store.SessionConnected, "Connected")
	for _, c := range r.all() {
		if c.Device.ID != nil && c.Device.ID.User == user {
			return sess, c
		}
	}
	t.Fatal("no client for the session")
	return sess, nil
}

// TestConnectionEvents: a connected session follows whatsmeow's events: a drop reconnects
// with the same client and the count of attempts starts over once connected; another
// connection taking over stops it; an unlink forgets the device and its keys, and needs a
// new pairing; a ban with an end waits it out.
func TestConnectionEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)

		sess, c := connected(t, r, "drops", "5491100000001")
		c.Dispatch(&events.Disconnected{})
		c.Dispatch(&events.StreamError{Code: "503"}) // the same drop, told twice: one retry
		r.awaitStatus(sess.ID, store.SessionConnected, "Connected")
		if got := noErr[store.Session](t)(s.Session(ctx, r.org.ID, sess.ID)); got.ReconnectAttempt != 0 || got.NextRetryAt != nil {
			t.Fatalf("connected again but still retrying: %+v", got)
		}
		eventually(t, "the reconnect", func() bool { return c.Calls("ConnectContext") == 2 })
		time.Sleep(2 * fastBackoff.Max)
		if n := c.Calls("ConnectContext"); n != 2 {
			t.Fatalf("connected %d times after one drop told twice, want 2", n)
		}

		// The account's name arrives with its settings, after the login.
		before := noErr[store.Session](t)(s.Session(ctx, r.org.ID, sess.ID))
		name := "Ana María"
		c.Dispatch(&events.PushNameSetting{Action: &waSyncAction.PushNameSetting{Name: &name}})
		if got := noErr[store.Session](t)(s.Session(ctx, r.org.ID, sess.ID)); got.PushName == nil || *got.PushName != "Ana María" ||
			!got.StatusChangedAt.Equal(before.StatusChangedAt) {
			t.Fatalf("after the push name setting: %+v", got)
		}

		// Keepalives: failing a while is shown; failing past whatsmeow's limit reconnects.
		c.Dispatch(&events.KeepAliveTimeout{ErrorCount: 2, LastSuccess: time.Now().Add(-time.Minute)})
		r.awaitStatus(sess.ID, store.SessionConnected, "the connection is unstable: 2 keepalive pings failed")
		c.Dispatch(&events.KeepAliveRestored{})
		r.awaitStatus(sess.ID, store.SessionConnected, "answers keepalive pings again")
		c.Dispatch(&events.KeepAliveTimeout{ErrorCount: 9, LastSuccess: time.Now().Add(-10 * time.Minute)})
		eventually(t, "a reconnect after keepalives failed too long", func() bool { return c.Calls("ConnectContext") == 3 })
		r.awaitStatus(sess.ID, store.SessionConnected, "Connected to WhatsApp.")

		sess, c = connected(t, r, "replaced", "5491100000002")
		c.Dispatch(&events.StreamReplaced{})
		r.awaitStatus(sess.ID, store.SessionDisconnected, "Another connection to this WhatsApp account replaced this one")
		time.Sleep(2 * fastBackoff.Max)
		if n := c.Calls("ConnectContext"); n != 1 {
			t.Fatalf("a replaced session connected again (%d connects)", n)
		}

		sess, c = connected(t, r, "unlinked", "5491100000003")
		jid := *c.Device.ID
		c.Dispatch(&events.LoggedOut{Reason: events.ConnectFailureLoggedOut})
		got := r.awaitStatus(sess.ID, store.SessionLoggedOut, "unlinked this device")
		if got.DeviceJID != nil || got.Phone != nil {
			t.Fatalf("a logged-out session kept its device: %+v", got)
		}
		if _, err := r.devices.Get(ctx, jid); whatsapp.KindOf(err) != whatsapp.ENOTFOUND {
			t.Fatalf("the unlinked device's keys are still stored (err %v)", err)
		}
		_, err := r.m.Connect(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ECONFLICT)
		if !strings.Contains(err.Error(), "needs a new pairing") {
			t.Fatalf("connect after logged out: %v", err)
		}
		cleared := noErr[store.Session](t)(r.m.Logout(ctx, r.org.ID, sess.ID))
		if cleared.Status != store.SessionDisconnected || !strings.Contains(cleared.Reason, "connect to pair a phone") {
			t.Fatalf("logout of a logged-out session: %+v", cleared)
		}

		sess, c = connected(t, r, "banned", "5491100000004")
		c.Dispatch(&events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: 200 * time.Millisecond})
		got = r.awaitStatus(sess.ID, store.SessionBanned, "the ban ends at")
		if got.NextRetryAt == nil {
			t.Fatalf("a ban with an end recorded no retry time: %+v", got)
		}
		_, err = r.m.Connect(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ECONFLICT)
		r.awaitStatus(sess.ID, store.SessionConnected, "Connected")
		if n := c.Calls("ConnectContext"); n != 2 {
			t.Fatalf("connected %d times around a ban, want 2", n)
		}
	})
}

// TestLogout: logging out a connected session tells WhatsApp; one not connected deletes the
// keys here and says WhatsApp was not told; both leave the session unpaired and ready to
// pair again. A session never paired has nothing to log out.
func TestLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, func(c *whatsapptest.Client) {
			logsIn(c)
			c.LogoutFunc = func(context.Context) error { return nil }
		})
		sess, c := connected(t, r, "live", "5491100000001")
		jid := *c.Device.ID
		got := noErr[store.Session](t)(r.m.Logout(ctx, r.org.ID, sess.ID))
		if got.Status != store.SessionDisconnected || got.DeviceJID != nil || !strings.Contains(got.Reason, "the phone no longer lists this device") || c.Calls("Logout") != 1 {
			t.Fatalf("logout while connected: %+v (%d Logout calls)", got, c.Calls("Logout"))
		}
		if _, err := r.devices.Get(ctx, jid); whatsapp.KindOf(err) != whatsapp.ENOTFOUND {
			t.Fatalf("the keys are still stored (err %v)", err)
		}

		off, dev := r.paired("off", "5491100000002", store.SessionDisconnected)
		got = noErr[store.Session](t)(r.m.Logout(ctx, r.org.ID, off.ID))
		if got.Status != store.SessionDisconnected || got.DeviceJID != nil || !strings.Contains(got.Reason, "WhatsApp could not be told") {
			t.Fatalf("logout while disconnected: %+v", got)
		}
		if _, err := r.devices.Get(ctx, *dev.ID); whatsapp.KindOf(err) != whatsapp.ENOTFOUND {
			t.Fatalf("the keys are still stored (err %v)", err)
		}
		_, err := r.m.Logout(ctx, r.org.ID, off.ID)
		kindOf(t, err, whatsapp.ECONFLICT)
	})
}

// TestDelete: deleting a session stops it, deletes its device's keys and its row.
func TestDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		sess, c := connected(t, r, "live", "5491100000001")
		if err := r.m.Delete(ctx, r.org.ID, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, r.org.ID, sess.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("the session is still stored (err %v)", err)
		}
		if _, err := r.devices.Get(ctx, *c.Device.ID); whatsapp.KindOf(err) != whatsapp.ENOTFOUND {
			t.Fatalf("the keys are still stored (err %v)", err)
		}
		if c.IsConnected() {
			t.Fatal("the deleted session's client is still connected")
		}
	})
}

// TestOtherOrganization: every call on another organization's session is not found, and
// changes nothing.
func TestOtherOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		sess, c := connected(t, r, "theirs", "5491100000001")
		intruder := noErr[store.Organization](t)(s.CreateOrganization(ctx, "intruder", "AR"))
		number, _ := phone.Parse("+5492235961983", "")
		calls := map[string]func() error{
			"connect":      func() error { _, err := r.m.Connect(ctx, intruder.ID, sess.ID); return err },
			"disconnect":   func() error { _, err := r.m.Disconnect(ctx, intruder.ID, sess.ID); return err },
			"logout":       func() error { _, err := r.m.Logout(ctx, intruder.ID, sess.ID); return err },
			"delete":       func() error { return r.m.Delete(ctx, intruder.ID, sess.ID) },
			"qr":           func() error { _, err := r.m.QR(ctx, intruder.ID, sess.ID); return err },
			"pairing code": func() error { _, err := r.m.PairPhone(ctx, intruder.ID, sess.ID, number); return err },
			"live":         func() error { _, err := r.m.Live(ctx, intruder.ID, sess.ID); return err },
		}
		for name, call := range calls {
			if err := call(); store.ErrorCode(err) != store.ENOTFOUND {
				t.Errorf("%s on another organization's session: %v, want not found", name, err)
			}
		}
		if got := noErr[store.Session](t)(s.Session(ctx, r.org.ID, sess.ID)); got.Status != store.SessionConnected || !c.IsLoggedIn() {
			t.Fatalf("the session changed: %+v", got)
		}
	})
}

// TestLiveNeedsConnection: a session that is not logged in has no live client: the error
// says its status and why.
func TestLiveNeedsConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, nil)
		sess := r.session("idle")
		_, err := r.m.Live(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ENOTCONNECTED)
		if !strings.Contains(err.Error(), "status disconnected") {
			t.Fatalf("not connected: %v", err)
		}
	})
}
