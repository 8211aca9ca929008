package loginjwt

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestErrorKinds: callers answer this package's errors by kind, never by their words.
func TestErrorKinds(t *testing.T) {
	kindOf := func(err error) string {
		var k interface{ Kind() string }
		if !errors.As(err, &k) {
			return ""
		}
		return k.Kind()
	}
	refused := fmt.Errorf("verify: %w", refuse(reasonExpired, nil))
	if got := kindOf(refused); got != EREFUSED {
		t.Errorf("a refusal is kind %q, want %q", got, EREFUSED)
	}
	down := keysUnavailable("waiting for JWKS %s: %w", "https://idp.example/jwks", context.Canceled)
	if got := kindOf(down); got != EKEYSUNAVAILABLE {
		t.Errorf("unavailable keys are kind %q, want %q", got, EKEYSUNAVAILABLE)
	}
	if !errors.Is(down, ErrKeysUnavailable) || !errors.Is(down, context.Canceled) {
		t.Errorf("%v no longer wraps ErrKeysUnavailable and its cause", down)
	}
}
