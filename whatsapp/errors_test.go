package whatsapp

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestRateLimitedSaysWhen: a rate-limited error carries its wait and its cause, and is
// found through wrapping.
func TestRateLimitedSaysWhen(t *testing.T) {
	cause := errors.New("rate-overlimit")
	err := fmt.Errorf("check: %w", RateLimited(1500*time.Millisecond, cause))
	var e *Error
	if !errors.As(err, &e) || e.Kind() != ERATELIMITED || e.RetryAfter() != 1500*time.Millisecond {
		t.Fatalf("%v: %+v", err, e)
	}
	if !errors.Is(err, cause) || KindOf(err) != ERATELIMITED {
		t.Fatalf("cause or kind lost: %v", err)
	}
	if KindOf(cause) != "" {
		t.Fatal("a plain error has an adapter kind")
	}
}
