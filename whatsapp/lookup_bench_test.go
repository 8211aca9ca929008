package whatsapp_test

import (
	"context"
	"testing"
	"time"

	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

// The check path's cost, on an SQLite store in a temporary directory and the fake live
// client (no network): a baseline call of the fake, a check answered from the cache, and a
// check that misses the cache and so goes through the limiter, the fake and a cache write.
// The difference between the last and the baseline is what the limiter and the cache add to
// each live check.

func benchFixture(b *testing.B) *fixture {
	f := newFixture(b, storetest.Open(b, storetest.SQLite), whatsapp.LookupConfig{PerMinute: 1e12, Burst: 1000})
	f.wa.register("+5492235961983", "5492235961983")
	return f
}

// BenchmarkFakeIsOnWhatsApp is the baseline: one call of the fake client, nothing around it.
func BenchmarkFakeIsOnWhatsApp(b *testing.B) {
	f := benchFixture(b)
	live := f.sessions.live["sa"]
	ctx := context.Background()
	q := []string{"+5492235961983", "+542235961983"}
	for b.Loop() {
		if _, err := live.IsOnWhatsApp(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCached: one number answered from the organization's cache.
func BenchmarkCheckCached(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	n := numbers(b, "+5492235961983")
	if _, err := f.lookups.Check(ctx, f.a, "sa", n); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := f.lookups.Check(ctx, f.a, "sa", n)
		if err != nil || !res[0].Cached {
			b.Fatalf("%+v, %v", res, err)
		}
	}
}

// BenchmarkCheckMiss: one number whose cached answer has expired, so each check reads the
// cache, takes a token, asks the fake in both spellings and writes the answer back.
func BenchmarkCheckMiss(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	n := numbers(b, "+5492235961983")
	for b.Loop() {
		f.clock.advance(8 * 24 * time.Hour) // past the positive lifetime
		res, err := f.lookups.Check(ctx, f.a, "sa", n)
		if err != nil || res[0].Cached || res[0].State != whatsapp.StateOnWhatsApp {
			b.Fatalf("%+v, %v", res, err)
		}
	}
}
