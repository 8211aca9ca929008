package server_test

import (
	"testing"
	"time"

	"github.com/wagate/wagate/client"
)

// TestReplyFromWhatsAppShowsInLookup: a message a phone sends a connected session, as
// whatsmeow hands it to the session's handlers, is a reply the contact lookup shows at once:
// replied, at the message's time, with the direct chat's 24-hour window open; narrowed to
// that session it shows, narrowed to another it does not.
func TestReplyFromWhatsAppShowsInLookup(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		createJuan(t, h)
		ventas := connected(t, h, "ventas")
		c := h.wa.last() // ventas's client
		soporte := connected(t, h, "soporte")
		at := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
		if !c.Receive("5492235961983", "", at) {
			t.Fatal("the session did not take the message")
		}
		api := h.api(h.admin)
		lookup := func(session *string) client.ContactLookup {
			t.Helper()
			l, err := api.LookupContact(ctx, &client.LookupContactParams{Phone: "+54 223 15-596-1983", SessionId: session})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		l := lookup(nil)
		if !l.Found || !l.HasReplied || !l.LastReplyAt.MustGet().Equal(at) || !l.SessionWindowActive ||
			!l.SessionExpiresAt.MustGet().Equal(at.Add(24*time.Hour)) {
			t.Fatalf("after the message: %+v", l)
		}
		if l := lookup(&ventas.Id); !l.HasReplied || !l.SessionWindowActive {
			t.Fatalf("narrowed to the session that received it: %+v", l)
		}
		if l := lookup(&soporte.Id); l.HasReplied || l.SessionWindowActive {
			t.Fatalf("narrowed to another session: %+v", l)
		}
	})
}
