package whatsapp_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

const (
	onNumber  = "+5492235961983" // an account, registered under this spelling
	onJID     = "5492235961983@s.whatsapp.net"
	offNumber = "+14155552671" // no account
)

// TestCheckCache: a first check asks WhatsApp and caches both answers; the next is answered
// from the cache without a call; each organization has its own cache; a "no" expires after
// NegativeTTL and a "yes" after PositiveTTL, each then asked again.
func TestCheckCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{PositiveTTL: 7 * 24 * time.Hour, NegativeTTL: 24 * time.Hour})
		f.wa.register(onNumber, "5492235961983")
		start := f.clock.Now()

		res := f.mustCheck(t, f.a, "sa", onNumber, offNumber)
		wantState(t, res[0], whatsapp.StateOnWhatsApp, onJID)
		wantState(t, res[1], whatsapp.StateNotOnWhatsApp, "")
		if res[0].Cached || res[1].Cached || !res[0].CheckedAt.Equal(start) || res[0].Phone != onNumber || res[1].Phone != offNumber {
			t.Fatalf("first answers = %+v", res)
		}
		if f.wa.calls() != 1 {
			t.Fatalf("%d WhatsApp calls for one batch", f.wa.calls())
		}

		f.clock.advance(time.Hour)
		res = f.mustCheck(t, f.a, "sa", onNumber, offNumber)
		wantState(t, res[0], whatsapp.StateOnWhatsApp, onJID)
		wantState(t, res[1], whatsapp.StateNotOnWhatsApp, "")
		if !res[0].Cached || !res[1].Cached || !res[0].CheckedAt.Equal(start) || f.wa.calls() != 1 {
			t.Fatalf("cached answers = %+v after %d calls", res, f.wa.calls())
		}

		// Organization b's cache is its own: a's answers do not answer it.
		res = f.mustCheck(t, f.b, "sb", onNumber)
		if res[0].Cached || f.wa.calls() != 2 {
			t.Fatalf("b got a's answer: %+v", res)
		}

		// A day on, the "no" has expired and is asked again; the "yes" is still cached.
		f.clock.advance(24 * time.Hour)
		res = f.mustCheck(t, f.a, "sa", onNumber, offNumber)
		if !res[0].Cached || res[1].Cached || f.wa.calls() != 3 || !slices.Equal(f.wa.lastAsked(), []string{offNumber}) {
			t.Fatalf("after a day: %+v, asked %v", res, f.wa.lastAsked())
		}
		// A week on, the "yes" too; the number has since left WhatsApp, and the new answer
		// overwrites the expired one.
		delete(f.wa.accounts, onNumber)
		f.clock.advance(7 * 24 * time.Hour)
		res = f.mustCheck(t, f.a, "sa", onNumber)
		wantState(t, res[0], whatsapp.StateNotOnWhatsApp, "")
		if res[0].Cached || f.wa.calls() != 4 {
			t.Fatalf("after a week: %+v", res)
		}
		res = f.mustCheck(t, f.a, "sa", onNumber)
		if !res[0].Cached || res[0].State != whatsapp.StateNotOnWhatsApp {
			t.Fatalf("the overwritten entry: %+v", res)
		}
	})
}

// TestCheckUnknownIsNotCached: a number WhatsApp gave no entry for is unknown, with the
// reason, and asked again next time; once WhatsApp answers, the answer is cached.
func TestCheckUnknownIsNotCached(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		f.wa.register(onNumber, "5492235961983")
		f.wa.silent[offNumber] = true

		res := f.mustCheck(t, f.a, "sa", onNumber, offNumber)
		wantState(t, res[0], whatsapp.StateOnWhatsApp, onJID)
		wantState(t, res[1], whatsapp.StateUnknown, "")
		wantKind(t, res[1].Err, whatsapp.EUPSTREAM)

		res = f.mustCheck(t, f.a, "sa", onNumber, offNumber)
		if !res[0].Cached || res[1].State != whatsapp.StateUnknown || f.wa.calls() != 2 || !slices.Equal(f.wa.lastAsked(), []string{offNumber}) {
			t.Fatalf("second check: %+v, asked %v", res, f.wa.lastAsked())
		}
		delete(f.wa.silent, offNumber)
		f.mustCheck(t, f.a, "sa", offNumber)
		if res := f.mustCheck(t, f.a, "sa", offNumber); !res[0].Cached || res[0].State != whatsapp.StateNotOnWhatsApp || f.wa.calls() != 3 {
			t.Fatalf("once answered: %+v after %d calls", res, f.wa.calls())
		}
	})
}
