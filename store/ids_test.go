package store

import (
	"regexp"
	"testing"
	"time"
)

func TestNewIDShapeAndOrder(t *testing.T) {
	shape := regexp.MustCompile(`^org_[0-9A-HJKMNP-TV-Z]{26}$`)
	at := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		// Many ids per millisecond, and the clock stepping back once.
		now := at.Add(time.Duration(i/100) * time.Millisecond)
		if i == 500 {
			now = at
		}
		id := newID("org", now)
		if !shape.MatchString(id) {
			t.Fatalf("id %q does not have the ULID shape", id)
		}
		if id <= prev {
			t.Fatalf("id %d %q does not sort after %q", i, id, prev)
		}
		prev = id
	}
	// The first 10 characters encode the milliseconds: 2026-11-21T00:00:00Z is 1795219200000 ms,
	// "01M7XPE600" in Crockford base 32 (computed independently with Python).
	ulids.ms = 0 // forget the last millisecond, so that at is new again
	if id := newID("x", at); id[2:12] != "01M7XPE600" {
		t.Fatalf("id %q does not start with the encoding of %v", id, at)
	}
}
