package whatsapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// showsCodes makes clients that connect and get WhatsApp's QR event, as an unpaired device does.
func showsCodes(c *whatsapptest.Client) {
	c.OnConnect = []any{&events.QR{Codes: []string{"2@first", "2@second"}}}
	c.PairPhoneFunc = func(_ context.Context, phone string) (string, error) {
		if phone != "+5492235961983" {
			return "", whatsmeow.ErrPhoneNumberIsNotInternational
		}
		return "ABCD-EFGH", nil
	}
}

// TestPairingByQR: an unpaired session connects to show QR codes; the code in view is
// served with its expiry; a phone code can be asked for instead; PairSuccess records the
// device, Connected the push name, and a paired session shows no more codes.
func TestPairingByQR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, showsCodes)
		sess := r.session("sales")
		_, err := r.m.QR(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ECONFLICT)
		if !strings.Contains(err.Error(), "connect it to get one") {
			t.Fatalf("QR before connect: %v", err)
		}
		noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		c := r.client()
		r.awaitStatus(sess.ID, store.SessionPairing, "scan the QR code")
		_, err = r.m.QR(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ECONFLICT) // the event came, the channel has shown no code yet
		if !c.EmitQR(whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@first", Timeout: 60 * time.Second}) {
			t.Fatal("the manager asked for no QR channel")
		}
		var code whatsapp.QRCode
		eventually(t, "the first code", func() bool {
			code, err = r.m.QR(ctx, r.org.ID, sess.ID)
			return err == nil
		})
		if code.Code != "2@first" || time.Until(code.ExpiresAt) < 55*time.Second || time.Until(code.ExpiresAt) > 61*time.Second {
			t.Fatalf("code = %+v", code)
		}

		number, _ := phone.Parse("+54 9 223 596-1983", "")
		if got, err := r.m.PairPhone(ctx, r.org.ID, sess.ID, number); err != nil || got != "ABCD-EFGH" {
			t.Fatalf("pairing code = %q, %v", got, err)
		}
		other, _ := phone.Parse("+1 202 555 0100", "")
		_, err = r.m.PairPhone(ctx, r.org.ID, sess.ID, other)
		kindOf(t, err, whatsapp.EINVALID)

		// The phone scans: whatsmeow saves the device, says PairSuccess, reconnects and
		// says Connected once logged in.
		jid := types.JID{User: "5492235961983", Device: 12, Server: types.DefaultUserServer}
		c.Device.ID, c.Device.PushName = &jid, "Ana"
		c.Dispatch(&events.PairSuccess{ID: jid, Platform: "android"})
		c.EmitQR(whatsmeow.QRChannelSuccess)
		got := r.awaitStatus(sess.ID, store.SessionConnecting, "Paired with the WhatsApp account of +5492235961983")
		if got.DeviceJID == nil || *got.DeviceJID != jid.String() || *got.Phone != "+5492235961983" {
			t.Fatalf("after PairSuccess: %+v", got)
		}
		c.Dispatch(&events.Connected{})
		got = r.awaitStatus(sess.ID, store.SessionConnected, "Connected")
		if got.PushName == nil || *got.PushName != "Ana" {
			t.Fatalf("after Connected: %+v", got)
		}
		_, err = r.m.QR(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ECONFLICT)
		if !strings.Contains(err.Error(), "already paired with +5492235961983") {
			t.Fatalf("QR when paired: %v", err)
		}
		_, err = r.m.PairPhone(ctx, r.org.ID, sess.ID, number)
		kindOf(t, err, whatsapp.ECONFLICT)
		if live, err := r.m.Live(ctx, r.org.ID, sess.ID); err != nil || live != c {
			t.Fatalf("Live = %v, %v; want the session's client", live, err)
		}
	})
}

// TestPairingCodesRunOut: when no phone scans a code before the channel runs out, the
// session ends disconnected, saying so, and shows no code.
func TestPairingCodesRunOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, showsCodes)
		sess := r.session("sales")
		noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		c := r.client()
		r.awaitStatus(sess.ID, store.SessionPairing, "")
		c.EmitQR(whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@first", Timeout: time.Minute})
		c.EmitQR(whatsmeow.QRChannelTimeout)
		r.awaitStatus(sess.ID, store.SessionDisconnected, "No phone scanned the QR code before the codes ran out")
		_, err := r.m.QR(ctx, r.org.ID, sess.ID)
		kindOf(t, err, whatsapp.ECONFLICT)
		// The loop has ended: connecting again starts a new pairing with a new client.
		eventually(t, "the session to stop", func() bool {
			_, err := r.m.Connect(ctx, r.org.ID, sess.ID)
			return err == nil
		})
		eventually(t, "a new client for the new pairing", func() bool { return len(r.all()) == 2 && r.client() != c })
	})
}

// TestPairError: a pairing that fails ends disconnected, saying why in words a person
// understands.
func TestPairError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, showsCodes)
		sess := r.session("sales")
		noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		c := r.client()
		r.awaitStatus(sess.ID, store.SessionPairing, "")
		c.Dispatch(&events.PairError{Error: whatsmeow.ErrPairInvalidDeviceSignature})
		got := r.awaitStatus(sess.ID, store.SessionDisconnected, "Pairing failed: the phone's answer failed verification")
		if got.DeviceJID != nil {
			t.Fatalf("a failed pairing recorded a device: %+v", got)
		}
	})
}
