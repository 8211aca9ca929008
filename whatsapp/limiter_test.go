package whatsapp

import (
	"testing"
	"time"
)

// TestLimiterTakeAndRelease: a grant covers what the bucket holds within the wait, says when
// the rest could come, and a released grant gives its tokens back.
func TestLimiterTakeAndRelease(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newLimiters(60, 5).of("s") // one a second
	if g := s.take(now, 3, 0); g.n != 3 || g.delay != 0 || g.retry != 0 {
		t.Fatalf("from a full bucket: %+v", g)
	}
	g := s.take(now, 4, 1500*time.Millisecond) // 2 held, 1 more within 1.5 s
	if g.n != 3 || g.delay != time.Second || g.retry != 2*time.Second {
		t.Fatalf("partial: %+v", g)
	}
	s.release(g, now)
	if again := s.take(now, 2, 0); again.n != 2 {
		t.Fatalf("after release: %+v", again)
	}
	if none := s.take(now, 1, 0); none.n != 0 || none.retry != time.Second || none.res != nil {
		t.Fatalf("empty: %+v", none)
	}
	if d := s.overLimit(now); d != overLimitPause {
		t.Fatalf("pause %s", d)
	}
	if g := s.take(now.Add(30*time.Second), 1, 2*time.Second); g.n != 0 || g.retry != 30*time.Second {
		t.Fatalf("during the pause: %+v", g)
	}
	if g := s.take(now.Add(time.Hour), 1, 0); g.n != 1 {
		t.Fatalf("after the pause: %+v", g)
	}
	s.answered()
	if d := s.overLimit(now); d != overLimitPause {
		t.Fatalf("after an answer the pause starts again at %s, got %s", overLimitPause, d)
	}
	for range 10 {
		s.overLimit(now)
	}
	if d := s.overLimit(now); d != maxOverLimitPause {
		t.Fatalf("pause capped at %s, got %s", maxOverLimitPause, d)
	}
}

func BenchmarkLimiterTake(b *testing.B) {
	s := newLimiters(1e12, 1000).of("s")
	now := time.Now()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		if g := s.take(now, 1, time.Second); g.n != 1 {
			b.Fatal(g)
		}
	}
}
