package whatsapp_test

import (
	"context"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// TestPairingConnectionDrops: a connection that drops while pairing ends the session (as
// whatsmeow tells it: Disconnected to the manager's handler, then a timeout on the QR
// channel); connecting again starts a new pairing at once, with no conflict.
func TestPairingConnectionDrops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, showsCodes)
		sess := r.session("sales")
		noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		c := r.client()
		r.awaitStatus(sess.ID, store.SessionPairing, "")
		c.EmitQR(whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@first", Timeout: time.Minute})
		c.Dispatch(&events.Disconnected{})
		c.EmitQR(whatsmeow.QRChannelTimeout)
		r.awaitStatus(sess.ID, store.SessionDisconnected, "The connection closed before a QR code was scanned")
		if _, err := r.m.Connect(ctx, r.org.ID, sess.ID); err != nil {
			t.Fatalf("connect after the pairing connection dropped: %v", err)
		}
	})
}

// TestLateEventAfterDisconnect: an event whatsmeow dispatches after the session was
// disconnected (its goroutines may still hold one) changes nothing.
func TestLateEventAfterDisconnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		sess, c := connected(t, r, "a", "5491100000001")
		noErr[store.Session](t)(r.m.Disconnect(ctx, r.org.ID, sess.ID))
		c.Dispatch(&events.Connected{})
		c.Dispatch(&events.LoggedOut{Reason: events.ConnectFailureLoggedOut})
		if got := noErr[store.Session](t)(s.Session(ctx, r.org.ID, sess.ID)); got.Status != store.SessionDisconnected || got.DeviceJID == nil {
			t.Fatalf("after disconnect, late events changed the session: %+v", got)
		}
	})
}

// TestCloseDuringConnect: stopping the service while a session connects leaves its recorded
// state as it was, so that the next start resumes it.
func TestCloseDuringConnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, func(c *whatsapptest.Client) {
			c.Connect = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		})
		sess, _ := r.paired("a", "5491100000001", store.SessionConnected)
		if err := r.m.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		c := r.client()
		eventually(t, "the dial", func() bool { return c.Calls("ConnectContext") == 1 })
		r.m.Close()
		resumable := noErr[[]store.Session](t)(s.SessionsToResume(ctx))
		if len(resumable) != 1 || resumable[0].ID != sess.ID {
			t.Fatalf("after a close mid-connect, the sessions to resume are %+v", resumable)
		}
	})
}

// TestLoginReconnectAfterPairing: after a pairing, WhatsApp asks the device to log in on a
// new connection; the manager makes it at once, on the same client, and the session ends
// connected.
func TestLoginReconnectAfterPairing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, showsCodes)
		sess := r.session("sales")
		noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		c := r.client()
		r.awaitStatus(sess.ID, store.SessionPairing, "")
		jid := types.JID{User: "5492235961983", Device: 12, Server: types.DefaultUserServer}
		c.Dispatch(&events.PairSuccess{ID: jid, Platform: "android"})
		c.EmitQR(whatsmeow.QRChannelSuccess)
		c.OnConnect = []any{&events.Connected{}} // the login connection logs in
		c.Dispatch(&events.ManualLoginReconnect{})
		got := r.awaitStatus(sess.ID, store.SessionConnected, "Connected")
		if got.DeviceJID == nil || *got.DeviceJID != jid.String() || got.ReconnectAttempt != 0 {
			t.Fatalf("after the login reconnect: %+v", got)
		}
		if n := c.Calls("ConnectContext"); n != 2 || len(r.all()) != 1 {
			t.Fatalf("%d connects on %d clients, want 2 on 1", n, len(r.all()))
		}
	})
}
