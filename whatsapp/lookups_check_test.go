package whatsapp_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
)

// TestCheckBothSpellings: Argentine, Mexican and Brazilian numbers are asked in both
// spellings in one call, and the answer is the spelling WhatsApp confirms, with WhatsApp's
// JID, whichever spelling was given.
func TestCheckBothSpellings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		// Accounts registered under the other spelling than the one the test asks for.
		f.wa.register("+5492235961983", "5492235961983") // AR: with the 9
		f.wa.register("+5215512345678", "5215512345678") // MX: an old account, with the 1
		f.wa.register("+551187654321", "551187654321")   // BR: an old account, 8 digits
		res := f.mustCheck(t, f.a, "sa", "+542235961983", "+525512345678", "+5511987654321")
		wantState(t, res[0], whatsapp.StateOnWhatsApp, "5492235961983@s.whatsapp.net")
		wantState(t, res[1], whatsapp.StateOnWhatsApp, "5215512345678@s.whatsapp.net")
		wantState(t, res[2], whatsapp.StateOnWhatsApp, "551187654321@s.whatsapp.net")
		if res[0].Phone != "+542235961983" || res[1].Phone != "+525512345678" || res[2].Phone != "+5511987654321" {
			t.Fatalf("phones = %+v", res)
		}
		want := []string{"+542235961983", "+5492235961983", "+525512345678", "+5215512345678", "+5511987654321", "+551187654321"}
		if f.wa.calls() != 1 || !slicesEqualSet(f.wa.lastAsked(), want) {
			t.Fatalf("asked %v in %d calls, want %v in one", f.wa.lastAsked(), f.wa.calls(), want)
		}
		// Cached under the number, whatever the spelling asked next.
		res = f.mustCheck(t, f.a, "sa", "+5492235961983", "+5215512345678", "+551187654321")
		for _, r := range res {
			if !r.Cached || r.State != whatsapp.StateOnWhatsApp {
				t.Fatalf("other spelling after the check: %+v", r)
			}
		}
	})
}

// TestCheckBothSpellingsConfirmed: when WhatsApp confirms both spellings, the number's own
// is the answer; when it confirms neither, the number is not on WhatsApp.
func TestCheckBothSpellingsConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		f.wa.register("+525512345678", "525512345678")
		f.wa.register("+5215512345678", "5215512345678")
		res := f.mustCheck(t, f.a, "sa", "+525512345678", "+5491123456789")
		wantState(t, res[0], whatsapp.StateOnWhatsApp, "525512345678@s.whatsapp.net")
		wantState(t, res[1], whatsapp.StateNotOnWhatsApp, "")
	})
}

// TestCheckMatchesByQuery: WhatsApp answers in its own order and leaves a number out; each
// number gets its own answer, the one left out is unknown (never "not on WhatsApp"), and an
// entry for something not asked is ignored.
func TestCheckMatchesByQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		accounts := map[string]string{"+14155550001": "14155550001", "+34612345678": "34612345678"}
		f.sessions.live["sa"].IsOnWhatsAppFunc = func(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
			out := []types.IsOnWhatsAppResponse{{Query: "+19999999999", IsIn: true, JID: types.NewJID("19999999999", types.DefaultUserServer)}}
			for _, p := range phones {
				if p == "+447911123456" {
					continue // WhatsApp's silence
				}
				r := types.IsOnWhatsAppResponse{Query: p}
				if user, ok := accounts[p]; ok {
					r.IsIn, r.JID = true, types.NewJID(user, types.DefaultUserServer)
				}
				out = append(out, r)
			}
			// Shuffled: not the order asked.
			slices.Reverse(out)
			out[0], out[len(out)-1] = out[len(out)-1], out[0]
			return out, nil
		}
		res := f.mustCheck(t, f.a, "sa", "+14155550001", "+447911123456", "+14155550002", "+34612345678")
		wantState(t, res[0], whatsapp.StateOnWhatsApp, "14155550001@s.whatsapp.net")
		wantState(t, res[1], whatsapp.StateUnknown, "")
		if e := wantKind(t, res[1].Err, whatsapp.EUPSTREAM); e.Message != "WhatsApp did not answer for this number" {
			t.Fatalf("silence: %q", e.Message)
		}
		wantState(t, res[2], whatsapp.StateNotOnWhatsApp, "")
		wantState(t, res[3], whatsapp.StateOnWhatsApp, "34612345678@s.whatsapp.net")

		// A single number WhatsApp is silent about: the request fails with the reason.
		_, err := f.check(t, f.a, "sa", "+447911123456")
		wantKind(t, err, whatsapp.EUPSTREAM)
	})
}

// TestCheckDuplicates: the same number, in one spelling or two, is asked once and every slot
// is answered, each with the spelling it gave.
func TestCheckDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		f.wa.register("+5492235961983", "5492235961983")
		res := f.mustCheck(t, f.a, "sa", "+5492235961983", "+542235961983", "+14155550001", "+5492235961983")
		for _, i := range []int{0, 1, 3} {
			wantState(t, res[i], whatsapp.StateOnWhatsApp, "5492235961983@s.whatsapp.net")
		}
		wantState(t, res[2], whatsapp.StateNotOnWhatsApp, "")
		if res[1].Phone != "+542235961983" || res[3].Phone != "+5492235961983" {
			t.Fatalf("phones = %+v", res)
		}
		if asked := f.wa.lastAsked(); f.wa.calls() != 1 || len(asked) != 3 {
			t.Fatalf("asked %v in %d calls, want 3 queries in one", asked, f.wa.calls())
		}
	})
}

// TestCheckTimeout: a WhatsApp that does not answer is a timeout after Timeout, not cached,
// and leaves no goroutine behind.
func TestCheckTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{Timeout: 50 * time.Millisecond})
		before := runtime.NumGoroutine()
		f.sessions.live["sa"].IsOnWhatsAppFunc = func(ctx context.Context, _ []string) ([]types.IsOnWhatsAppResponse, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		_, err := f.check(t, f.a, "sa", "+14155550001")
		if e := wantKind(t, err, whatsapp.ETIMEOUT); !errors.Is(e, context.DeadlineExceeded) {
			t.Fatalf("cause lost: %v", e.Cause)
		}
		// One number cached, one timing out: the batch answers both slots.
		f.wa.register("+34612345678", "34612345678")
		f.sessions.live["sb"].IsOnWhatsAppFunc = f.wa.isOnWhatsApp
		f.sessions.owner["sb"] = f.a // sa's organization, a cache of its own
		f.mustCheck(t, f.a, "sb", "+34612345678")
		res := f.mustCheck(t, f.a, "sa", "+34612345678", "+14155550001")
		wantState(t, res[0], whatsapp.StateOnWhatsApp, "34612345678@s.whatsapp.net")
		wantState(t, res[1], whatsapp.StateUnknown, "")
		wantKind(t, res[1].Err, whatsapp.ETIMEOUT)
		if c := must(s.CachedChecks(context.Background(), f.a, []string{"14155550001"}, f.clock.Now())); len(c) != 0 {
			t.Fatalf("a timeout was cached: %+v", c)
		}
		waitGoroutines(t, before)
	})
}

// TestCheckWhatsAppErrors: a dropped connection is ENOTCONNECTED, any other failure
// EUPSTREAM with its cause; neither is ever "not on WhatsApp", nor cached.
func TestCheckWhatsAppErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		for _, c := range []struct {
			err  error
			kind string
		}{
			{whatsmeow.ErrNotConnected, whatsapp.ENOTCONNECTED},
			{whatsmeow.ErrNotLoggedIn, whatsapp.ENOTCONNECTED},
			{whatsmeow.ErrIQServiceUnavailable, whatsapp.EUPSTREAM},
			{errors.New("usync: unexpected node"), whatsapp.EUPSTREAM},
			{whatsmeow.ErrIQTimedOut, whatsapp.ETIMEOUT},
		} {
			f.wa.fail(c.err)
			_, err := f.check(t, f.a, "sa", "+14155550001")
			if wantKind(t, err, c.kind); !errors.Is(err, c.err) {
				t.Fatalf("%v: cause lost in %v", c.err, err)
			}
		}
		f.wa.fail(nil)
		if res := f.mustCheck(t, f.a, "sa", "+14155550001"); res[0].Cached {
			t.Fatal("an error was cached")
		}
	})
}

// TestCheckSession: the session is checked first, always: an unknown session or another
// organization's is the store's not-found, and one not connected is the manager's
// ENOTCONNECTED as it is, even when every answer is cached; nothing is asked of WhatsApp.
func TestCheckSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		f.mustCheck(t, f.a, "sa", "+14155550001")
		for _, c := range []struct{ org, session string }{{f.a, "nope"}, {f.a, "sb"}, {f.b, "sa"}} {
			_, err := f.check(t, c.org, c.session, "+14155550001")
			if store.ErrorCode(err) != store.ENOTFOUND {
				t.Fatalf("%s of %s: %v", c.session, c.org, err)
			}
			_, err = f.lookups.About(context.Background(), c.org, c.session, numbers(t, "+14155550001")[0])
			if store.ErrorCode(err) != store.ENOTFOUND {
				t.Fatalf("about, %s of %s: %v", c.session, c.org, err)
			}
		}
		f.sessions.disconnect("sa")
		_, err := f.check(t, f.a, "sa", "+14155550001")
		if err != errDisconnected {
			t.Fatalf("disconnected, all cached: %v", err)
		}
		if f.wa.calls() != 1 {
			t.Fatalf("%d WhatsApp calls", f.wa.calls())
		}
	})
}

// TestCheckBadInput: no numbers, more than 50, or a number phone.Parse did not make are
// refused before anything else.
func TestCheckBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		fifty := make([]phone.Number, 50)
		for i := range fifty {
			fifty[i] = numbers(t, "+1415555"+string(rune('0'+i/10))+string(rune('0'+i%10))+"00")[0]
		}
		if res, err := f.lookups.Check(context.Background(), f.a, "sa", fifty); err != nil || len(res) != 50 {
			t.Fatalf("50 numbers: %d results, %v", len(res), err)
		}
		calls := f.sessions.calls
		for _, bad := range [][]phone.Number{nil, {}, append(slices.Clone(fifty), fifty[0]), {{E164: "", MatchKey: ""}}, {{E164: "14155550001", MatchKey: "14155550001"}}} {
			_, err := f.lookups.Check(context.Background(), f.a, "sa", bad)
			wantKind(t, err, whatsapp.EINVALID)
		}
		_, err := f.lookups.About(context.Background(), f.a, "sa", phone.Number{})
		wantKind(t, err, whatsapp.EINVALID)
		if f.sessions.calls != calls || f.wa.calls() != 1 {
			t.Fatal("bad input reached the session")
		}
	})
}

// TestNewLookupsRefusesBadConfig: missing parts and negative values are refused.
func TestNewLookupsRefusesBadConfig(t *testing.T) {
	ok := whatsapp.LookupConfig{Sessions: newSessions(), Cache: &store.Store{}}
	if _, err := whatsapp.NewLookups(ok); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*whatsapp.LookupConfig){
		"no sessions":       func(c *whatsapp.LookupConfig) { c.Sessions = nil },
		"no cache":          func(c *whatsapp.LookupConfig) { c.Cache = nil },
		"negative rate":     func(c *whatsapp.LookupConfig) { c.PerMinute = -1 },
		"infinite rate":     func(c *whatsapp.LookupConfig) { c.PerMinute = math.Inf(1) },
		"negative burst":    func(c *whatsapp.LookupConfig) { c.Burst = -1 },
		"negative wait":     func(c *whatsapp.LookupConfig) { c.MaxWait = -time.Second },
		"negative positive": func(c *whatsapp.LookupConfig) { c.PositiveTTL = -time.Second },
		"negative negative": func(c *whatsapp.LookupConfig) { c.NegativeTTL = -time.Second },
		"negative timeout":  func(c *whatsapp.LookupConfig) { c.Timeout = -time.Second },
	} {
		cfg := ok
		edit(&cfg)
		if _, err := whatsapp.NewLookups(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// waitGoroutines waits for the goroutine count to come back to at most before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
