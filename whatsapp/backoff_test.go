package whatsapp_test

import (
	"math"
	"testing"
	"time"

	"github.com/wagate/wagate/whatsapp"
)

// fixed is a random source that always answers r.
func fixed(r float64) func() float64 { return func() float64 { return r } }

// TestBackoffGrowsToTheCap: without jitter (the source's midpoint) the defaults wait 2 s,
// doubling, until 5 minutes, and stay there however many attempts fail.
func TestBackoffGrowsToTheCap(t *testing.T) {
	b := whatsapp.DefaultBackoff
	b.Rand = fixed(0.5)
	want := []time.Duration{2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w*time.Second {
			t.Fatalf("attempt %d waits %s, want %s", i+1, got, w*time.Second)
		}
	}
	for _, n := range []int{0, -3} {
		if got := b.Delay(n); got != 2*time.Second {
			t.Fatalf("attempt %d waits %s, want the first delay", n, got)
		}
	}
	if got := b.Delay(1 << 30); got != 5*time.Minute {
		t.Fatalf("after a billion attempts: %s, want the cap", got)
	}
}

// TestBackoffJitterStaysInBounds: every wait is within ±20 % of its unjittered value and
// never over the cap, including at the cap, where the spread is kept under it.
func TestBackoffJitterStaysInBounds(t *testing.T) {
	for _, r := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999} {
		b := whatsapp.DefaultBackoff
		b.Rand = fixed(r)
		plain := whatsapp.DefaultBackoff
		plain.Jitter = 0
		for n := 1; n <= 40; n++ {
			got, base := b.Delay(n), plain.Delay(n)
			if got > b.Max || got < time.Duration(float64(base)*0.8) || got > time.Duration(float64(base)*1.2)+1 {
				t.Fatalf("r=%v attempt %d: %s, base %s, cap %s", r, n, got, base, b.Max)
			}
		}
	}
	b := whatsapp.DefaultBackoff
	b.Rand = fixed(0)
	if got := b.Delay(1); got != 1600*time.Millisecond {
		t.Fatalf("lowest jitter on the first wait: %s, want 1.6s", got)
	}
	b.Rand = fixed(0.75) // +10 %
	if got := b.Delay(20); got != 270*time.Second {
		t.Fatalf("+10%% jitter at the cap: %s, want 4m30s (folded under it)", got)
	}
	if got := b.Delay(3); got != 8800*time.Millisecond {
		t.Fatalf("+10%% jitter on 8 s: %s, want 8.8s", got)
	}
}

// TestBackoffDefaultRandomSource: with no source set, waits are still within bounds.
func TestBackoffDefaultRandomSource(t *testing.T) {
	for i := 0; i < 1000; i++ {
		if d := whatsapp.DefaultBackoff.Delay(1 + i%12); d > 5*time.Minute || d < 1600*time.Millisecond {
			t.Fatalf("attempt %d waits %s", 1+i%12, d)
		}
	}
}

// TestBackoffSchedule: a retry carries what the session shows: its attempt and when it
// runs, from the given now.
func TestBackoffSchedule(t *testing.T) {
	b := whatsapp.DefaultBackoff
	b.Rand = fixed(0.5)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	got := b.Schedule(4, now)
	if got != (whatsapp.Retry{Attempt: 4, Delay: 16 * time.Second, At: now.Add(16 * time.Second)}) {
		t.Fatalf("Schedule(4) = %+v", got)
	}
}

// TestBackoffValidate: a configured policy that would never wait, shrink, or exceed its
// cap is refused, and the defaults pass.
func TestBackoffValidate(t *testing.T) {
	if err := whatsapp.DefaultBackoff.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	d := whatsapp.DefaultBackoff
	for name, b := range map[string]whatsapp.Backoff{
		"no first delay":    {First: 0, Factor: 2, Max: time.Minute},
		"shrinking":         {First: time.Second, Factor: 0.5, Max: time.Minute},
		"cap under first":   {First: time.Minute, Factor: 2, Max: time.Second},
		"jitter of 100 %":   {First: d.First, Factor: d.Factor, Max: d.Max, Jitter: 1},
		"negative jitter":   {First: d.First, Factor: d.Factor, Max: d.Max, Jitter: -0.1},
		"not a number, too": {First: d.First, Factor: d.Factor, Max: d.Max, Jitter: math.NaN()},
	} {
		if b.Validate() == nil {
			t.Errorf("%s: accepted %+v", name, b)
		}
	}
}
