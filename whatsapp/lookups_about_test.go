package whatsapp_test

import (
	"context"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

// TestAbout: the about text of an account found by a check (in either spelling), matched by
// the user part of the JID WhatsApp answers with; its LID is recorded and then shown by
// checks; a hidden about is ""; a number not on WhatsApp is not found.
func TestAbout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		f.wa.accounts["+5215512345678"] = account{user: "5215512345678", about: "Hola, uso WhatsApp", lid: "123456789"}
		f.wa.accounts["+5492235961983"] = account{user: "5492235961983"} // about hidden
		ctx := context.Background()

		got, err := f.lookups.About(ctx, f.a, "sa", numbers(t, "+525512345678")[0])
		if err != nil {
			t.Fatal(err)
		}
		if got.About != "Hola, uso WhatsApp" || got.JID != "5215512345678@s.whatsapp.net" || got.Phone != "+525512345678" || !got.CheckedAt.Equal(f.clock.Now()) {
			t.Fatalf("about = %+v", got)
		}
		res := f.mustCheck(t, f.a, "sa", "+5215512345678")
		if !res[0].Cached || res[0].LID != "123456789@lid" {
			t.Fatalf("check after about: %+v", res[0])
		}

		got, err = f.lookups.About(ctx, f.a, "sa", numbers(t, "+542235961983")[0])
		if err != nil || got.About != "" || got.JID != "5492235961983@s.whatsapp.net" {
			t.Fatalf("hidden about: %+v, %v", got, err)
		}

		_, err = f.lookups.About(ctx, f.a, "sa", numbers(t, "+14155550001")[0])
		if e := wantKind(t, err, whatsapp.ENOTFOUND); e.Message != "+14155550001 is not on WhatsApp" {
			t.Fatalf("not on WhatsApp: %q", e.Message)
		}
		// Cached now: still not found, without asking.
		calls := f.wa.calls()
		_, err = f.lookups.About(ctx, f.a, "sa", numbers(t, "+14155550001")[0])
		if wantKind(t, err, whatsapp.ENOTFOUND); f.wa.calls() != calls {
			t.Fatal("a cached answer was asked again")
		}
	})
}

// TestAboutFailures: WhatsApp's failures of the info call are errors of their kinds, an
// answer without the account is EUPSTREAM, and the info call needs a token of its own.
func TestAboutFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := slow
		cfg.Burst = 3
		f := newFixture(t, s, cfg)
		f.wa.register("+34612345678", "34612345678")
		n := numbers(t, "+34612345678")[0]
		ctx := context.Background()
		live := f.sessions.live["sa"]

		live.GetUserInfoFunc = func(context.Context, []types.JID) (map[types.JID]types.UserInfo, error) {
			return map[types.JID]types.UserInfo{types.NewJID("34600000000", types.DefaultUserServer): {Status: "someone else"}}, nil
		}
		_, err := f.lookups.About(ctx, f.a, "sa", n) // two tokens: the check and the info
		wantKind(t, err, whatsapp.EUPSTREAM)

		live.GetUserInfoFunc = func(ctx context.Context, _ []types.JID) (map[types.JID]types.UserInfo, error) {
			return nil, context.DeadlineExceeded
		}
		_, err = f.lookups.About(ctx, f.a, "sa", n) // the check is cached: one token
		wantKind(t, err, whatsapp.ETIMEOUT)

		// No token left for the info call.
		live.GetUserInfoFunc = f.wa.getUserInfo
		_, err = f.lookups.About(ctx, f.a, "sa", n)
		if e := wantKind(t, err, whatsapp.ERATELIMITED); e.Retry != 10*time.Second {
			t.Fatalf("retry %s", e.Retry)
		}
		if calls := live.Calls("GetUserInfo"); calls != 2 {
			t.Fatalf("%d info calls, want 2", calls)
		}
	})
}
