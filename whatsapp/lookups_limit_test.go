package whatsapp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

// Numbers no test registers: each is one token, answered "not on WhatsApp".
var spare = []string{"+14155550001", "+14155550002", "+14155550003", "+14155550004", "+14155550005", "+14155550006", "+14155550007"}

// slow is a limit of one number per 10 s, a burst of 2 and a 2 s wait: the clock decides
// what is allowed, and the test sleeps at most a few tenths of a second.
var slow = whatsapp.LookupConfig{PerMinute: 6, Burst: 2, MaxWait: 2 * time.Second}

// TestCheckRateLimit: the burst is used at once; then a number needing a token 10 s away is
// refused with a 10 s retry, costing nothing; a cached number is answered without a token;
// a token within MaxWait is waited for.
func TestCheckRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, slow)
		f.mustCheck(t, f.a, "sa", spare[0])
		f.mustCheck(t, f.a, "sa", spare[1])

		_, err := f.check(t, f.a, "sa", spare[2])
		if e := wantKind(t, err, whatsapp.ERATELIMITED); e.Retry != 10*time.Second {
			t.Fatalf("retry = %s, want 10s", e.Retry)
		}
		if f.wa.calls() != 2 {
			t.Fatalf("a refused check called WhatsApp: %d calls", f.wa.calls())
		}
		// Cached: no token needed, none left.
		if res := f.mustCheck(t, f.a, "sa", spare[0], spare[1]); !res[0].Cached || !res[1].Cached {
			t.Fatalf("cached answers = %+v", res)
		}
		// Another session has its own bucket (organization b's, here).
		f.mustCheck(t, f.b, "sb", spare[2])

		// 100 ms before the next token: waited for. Had the refusal or the cache hits taken
		// tokens, it would be 10 s or more away and refused.
		f.clock.advance(9900 * time.Millisecond)
		res := f.mustCheck(t, f.a, "sa", spare[2])
		wantState(t, res[0], whatsapp.StateNotOnWhatsApp, "")
		if f.wa.calls() != 4 {
			t.Fatalf("%d WhatsApp calls, want 4", f.wa.calls())
		}
	})
}

// TestCheckRateLimitBatch: a batch asks as many numbers as the tokens allow, answers the rest
// unknown with the time to retry, and is refused as a whole only when nothing could be
// answered.
func TestCheckRateLimitBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := slow
		cfg.Burst = 3
		f := newFixture(t, s, cfg)
		batch := spare[:5]
		res := f.mustCheck(t, f.a, "sa", batch...)
		for i, r := range res {
			if i < 3 {
				wantState(t, r, whatsapp.StateNotOnWhatsApp, "")
				continue
			}
			wantState(t, r, whatsapp.StateUnknown, "")
			// Two more tokens: 20 s.
			if e := wantKind(t, r.Err, whatsapp.ERATELIMITED); e.Retry != 20*time.Second {
				t.Fatalf("slot %d retry = %s, want 20s", i, e.Retry)
			}
		}
		if f.wa.calls() != 1 || !slicesEqualSet(f.wa.lastAsked(), batch[:3]) {
			t.Fatalf("asked %v in %d calls, want the first three in one", f.wa.lastAsked(), f.wa.calls())
		}
		// No tokens left: the cached three answer, the two others are still limited.
		res = f.mustCheck(t, f.a, "sa", batch...)
		if !res[0].Cached || res[4].State != whatsapp.StateUnknown || f.wa.calls() != 1 {
			t.Fatalf("second batch = %+v", res)
		}
		// Nothing cached and no tokens: the request is refused.
		_, err := f.check(t, f.a, "sa", spare[5], spare[6])
		wantKind(t, err, whatsapp.ERATELIMITED)

		// More than the burst never fits: a full bucket asks the burst, the rest wait.
		f.clock.advance(time.Hour)
		res = f.mustCheck(t, f.a, "sa", spare[3], spare[4], spare[5], spare[6])
		if res[2].State != whatsapp.StateNotOnWhatsApp || res[3].State != whatsapp.StateUnknown {
			t.Fatalf("over the burst: %+v", res)
		}
	})
}

// TestCheckWaitHonoursContext: a request waiting for a token ends with its context, asks
// nothing, and hands the token back.
func TestCheckWaitHonoursContext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := slow
		cfg.Burst, cfg.MaxWait = 1, time.Minute
		f := newFixture(t, s, cfg)
		f.mustCheck(t, f.a, "sa", spare[0])

		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := f.lookups.Check(ctx, f.a, "sa", numbers(t, spare[1]))
		if !errors.Is(err, context.Canceled) || f.wa.calls() != 1 {
			t.Fatalf("cancelled while waiting: %v after %d calls", err, f.wa.calls())
		}
		// A request whose deadline comes before its token is refused at once.
		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = f.lookups.Check(ctx, f.a, "sa", numbers(t, spare[1]))
		if e := wantKind(t, err, whatsapp.ERATELIMITED); e.Retry != 10*time.Second || f.wa.calls() != 1 {
			t.Fatalf("deadline before the token: retry %s after %d calls", e.Retry, f.wa.calls())
		}

		// Had any of them kept its token, the next would be 10 s or more away, past this
		// request's deadline, and refused.
		f.clock.advance(10 * time.Second)
		res, err := f.lookups.Check(ctx, f.a, "sa", numbers(t, spare[1]))
		if err != nil {
			t.Fatalf("the token was not handed back: %v", err)
		}
		wantState(t, res[0], whatsapp.StateNotOnWhatsApp, "")
	})
}

// TestCheckRateOverLimit: WhatsApp's rate-overlimit is a rate-limited error with a retry,
// and pauses the session: the next checks are refused without asking WhatsApp until the
// pause is over; a second one doubles it.
func TestCheckRateOverLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, whatsapp.LookupConfig{})
		f.wa.fail(whatsmeow.ErrIQRateOverLimit)
		_, err := f.check(t, f.a, "sa", spare[0])
		if e := wantKind(t, err, whatsapp.ERATELIMITED); e.Retry != time.Minute || !errors.Is(err, whatsmeow.ErrIQRateOverLimit) {
			t.Fatalf("overlimit: %+v", e)
		}
		f.wa.fail(nil)
		f.clock.advance(30 * time.Second)
		_, err = f.check(t, f.a, "sa", spare[1])
		if e := wantKind(t, err, whatsapp.ERATELIMITED); e.Retry != 30*time.Second || f.wa.calls() != 1 {
			t.Fatalf("during the pause: retry %s after %d calls", e.Retry, f.wa.calls())
		}
		// The other session is not paused.
		f.mustCheck(t, f.b, "sb", spare[1])

		f.clock.advance(30 * time.Second)
		f.wa.fail(whatsmeow.ErrIQRateOverLimit)
		_, err = f.check(t, f.a, "sa", spare[1])
		if e := wantKind(t, err, whatsapp.ERATELIMITED); e.Retry != 2*time.Minute {
			t.Fatalf("second overlimit: retry %s, want 2m", e.Retry)
		}
		f.wa.fail(nil)
		f.clock.advance(2 * time.Minute)
		f.mustCheck(t, f.a, "sa", spare[1])
	})
}

// TestForget: a deleted session's bucket is dropped; a session of that id starts full.
func TestForget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := slow
		cfg.Burst = 1
		f := newFixture(t, s, cfg)
		f.mustCheck(t, f.a, "sa", spare[0])
		_, err := f.check(t, f.a, "sa", spare[1])
		wantKind(t, err, whatsapp.ERATELIMITED)
		f.lookups.Forget("sa")
		f.mustCheck(t, f.a, "sa", spare[1])
	})
}

// slicesEqualSet reports whether a and b hold the same strings, in any order.
func slicesEqualSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x]--; seen[x] < 0 {
			return false
		}
	}
	return true
}

// TestCheckRateLimitConcurrent: concurrent checks of one session share its bucket: no more
// numbers are asked than it holds.
func TestCheckRateLimitConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := slow
		cfg.Burst = 3
		f := newFixture(t, s, cfg)
		errs := make(chan error, len(spare))
		for _, n := range spare {
			go func() {
				_, err := f.lookups.Check(context.Background(), f.a, "sa", numbers(t, n))
				errs <- err
			}()
		}
		refused := 0
		for range spare {
			if err := <-errs; err != nil {
				wantKind(t, err, whatsapp.ERATELIMITED)
				refused++
			}
		}
		if refused != len(spare)-3 || f.wa.calls() != 3 {
			t.Fatalf("%d refused, %d asked; want %d and 3", refused, f.wa.calls(), len(spare)-3)
		}
	})
}
