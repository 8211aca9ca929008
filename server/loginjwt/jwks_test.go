package loginjwt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestKeyRotation(t *testing.T) {
	oldKey := rsaSigner()
	newKey := testSigner{kid: "rsa-2", alg: jose.RS256, key: rsaKeyB()}
	srv := newJWKSServer(t, oldKey.public())
	v, clock := newTestVerifier(t, srv, nil)
	ctx := context.Background()

	if _, err := v.Verify(ctx, sign(t, oldKey, validClaims())); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}

	// The issuer rotates: the new key is published and the old one withdrawn.
	srv.setKeys(t, newKey.public())
	clock.Advance(time.Minute) // past MinRefreshInterval since the first fetch

	if _, err := v.Verify(ctx, sign(t, newKey, with(map[string]any{"exp": clock.Now().Add(time.Hour).Unix()}))); err != nil {
		t.Fatalf("new key after rotation: %v", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (one refetch for the new kid)", n)
	}
	// The refetched set no longer has the old key.
	_, err := v.Verify(ctx, sign(t, oldKey, with(map[string]any{"exp": clock.Now().Add(time.Hour).Unix()})))
	if got := reason(t, err); got != reasonUnknownKey {
		t.Errorf("old key after rotation: reason = %q, want %q", got, reasonUnknownKey)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("JWKS fetched %d times, want still 2 (rate limit)", n)
	}
}

// A key published within MinRefreshInterval of the last fetch is found on the first request
// after the interval, not before: that is the price of the rate limit.
func TestNewKidWithinRefreshIntervalWaitsForIt(t *testing.T) {
	oldKey, newKey := rsaSigner(), testSigner{kid: "rsa-2", alg: jose.RS256, key: rsaKeyB()}
	srv := newJWKSServer(t, oldKey.public())
	v, clock := newTestVerifier(t, srv, func(c *Config) { c.MinRefreshInterval = 10 * time.Second })
	ctx := context.Background()

	if _, err := v.Verify(ctx, sign(t, oldKey, validClaims())); err != nil {
		t.Fatal(err)
	}
	srv.setKeys(t, oldKey.public(), newKey.public())
	clock.Advance(9 * time.Second)
	_, err := v.Verify(ctx, sign(t, newKey, validClaims()))
	if got := reason(t, err); got != reasonUnknownKey {
		t.Fatalf("reason = %q, want %q", got, reasonUnknownKey)
	}
	clock.Advance(time.Second)
	if _, err := v.Verify(ctx, sign(t, newKey, validClaims())); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

func TestUnknownKidFloodIsRateLimited(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	v, clock := newTestVerifier(t, srv, nil)
	ctx := context.Background()

	if _, err := v.Verify(ctx, sign(t, rs, validClaims())); err != nil {
		t.Fatal(err)
	}
	flood := func(round int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range 50 {
			forged := testSigner{kid: fmt.Sprintf("random-%d-%d", round, i), alg: jose.RS256, key: rsaKeyA()}
			token := sign(t, forged, validClaims())
			wg.Go(func() {
				_, err := v.Verify(ctx, token)
				var e *Error
				if !errors.As(err, &e) || e.Reason != reasonUnknownKey {
					t.Errorf("random kid: %v, want %q", err, reasonUnknownKey)
				}
			})
		}
		wg.Wait()
	}

	flood(0) // right after the first fetch: no refetch at all
	if n := srv.count(); n != 1 {
		t.Fatalf("after a flood within the interval: %d fetches, want 1", n)
	}
	clock.Advance(time.Minute)
	flood(1) // the interval has passed: one refetch, shared by the whole flood
	if n := srv.count(); n != 2 {
		t.Fatalf("after a flood past the interval: %d fetches, want 2", n)
	}
	clock.Advance(59 * time.Second)
	flood(2)
	if n := srv.count(); n != 2 {
		t.Fatalf("after a flood 59s later: %d fetches, want still 2", n)
	}
	clock.Advance(time.Second)
	flood(3)
	if n := srv.count(); n != 3 {
		t.Fatalf("after a flood a minute later: %d fetches, want 3", n)
	}
}

// Requests that arrive while the first fetch is under way wait for it instead of fetching.
// The server holds the fetch open so that the requests overlap it; a request that neither
// joined the fetch nor found keys would fail instead of verifying.
func TestConcurrentRequestsShareOneFetch(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	release := srv.hold()
	defer release()
	v, _ := newTestVerifier(t, srv, nil)
	token := sign(t, rs, validClaims())

	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := v.Verify(context.Background(), token)
			errs <- err
		}()
	}
	release()
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if got := srv.count(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1", got)
	}
}

func TestKeysUnavailable(t *testing.T) {
	rs := rsaSigner()
	good := jwksBody(t, rs.public())
	// Valid JSON, but padded past the limit.
	oversized := append(bytes.Repeat([]byte(" "), maxJWKSBytes), good...)

	tests := []struct {
		name        string
		status      int
		contentType string
		body        []byte
	}{
		{"status 500", http.StatusInternalServerError, "application/json", []byte(`{"error":"boom"}`)},
		{"status 404", http.StatusNotFound, "application/json", good},
		{"status 204", http.StatusNoContent, "application/json", nil},
		{"garbage", http.StatusOK, "application/json", []byte("<html>not json</html>")},
		{"HTML content type", http.StatusOK, "text/html; charset=utf-8", good},
		{"no content type", http.StatusOK, "", good},
		{"unparsable content type", http.StatusOK, "application/json; =", good},
		{"JSON-ish text type", http.StatusOK, "text/json+xml", good},
		{"oversized body", http.StatusOK, "application/json", oversized},
		{"no keys member", http.StatusOK, "application/json", []byte(`{"items":[]}`)},
		{"empty set", http.StatusOK, "application/json", []byte(`{"keys":[]}`)},
		{"only unusable keys", http.StatusOK, "application/json", []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)},
		{"duplicate members", http.StatusOK, "application/json", []byte(`{"keys":[],"keys":[]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t)
			srv.respond(tt.status, tt.contentType, tt.body)
			v, _ := newTestVerifier(t, srv, nil)
			_, err := v.Verify(context.Background(), sign(t, rs, validClaims()))
			assertKeysUnavailable(t, err)
		})
	}

	t.Run("server unreachable", func(t *testing.T) {
		srv := newJWKSServer(t, rs.public())
		v, _ := newTestVerifier(t, srv, nil)
		srv.Close()
		_, err := v.Verify(context.Background(), sign(t, rs, validClaims()))
		assertKeysUnavailable(t, err)
	})

	t.Run("JSON with a charset", func(t *testing.T) {
		srv := newJWKSServer(t)
		srv.respond(http.StatusOK, "application/json; charset=utf-8", good)
		v, _ := newTestVerifier(t, srv, nil)
		if _, err := v.Verify(context.Background(), sign(t, rs, validClaims())); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})

	// A set of exactly the limit is fine.
	t.Run("body at the limit", func(t *testing.T) {
		srv := newJWKSServer(t)
		srv.respond(http.StatusOK, "application/json", append(bytes.Repeat([]byte(" "), maxJWKSBytes-len(good)), good...))
		v, _ := newTestVerifier(t, srv, nil)
		if _, err := v.Verify(context.Background(), sign(t, rs, validClaims())); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
}

func assertKeysUnavailable(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("error %v does not wrap ErrKeysUnavailable", err)
	}
	var e *Error
	if errors.As(err, &e) {
		t.Fatalf("error %v is also a token refusal (%q)", err, e.Reason)
	}
}

// After a failed fetch the verifier does not retry before MinRefreshInterval (an identity
// provider that is down is not hammered either), then recovers.
func TestRecoversAfterFailedFetch(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t)
	good := jwksBody(t, rs.public())
	srv.respond(http.StatusBadGateway, "text/plain", []byte("bad gateway"))
	v, clock := newTestVerifier(t, srv, nil)
	ctx := context.Background()
	token := sign(t, rs, with(map[string]any{"exp": testStart.Add(time.Hour).Unix()}))

	for range 3 {
		_, err := v.Verify(ctx, token)
		assertKeysUnavailable(t, err)
	}
	if n := srv.count(); n != 1 {
		t.Fatalf("JWKS fetched %d times while failing, want 1", n)
	}

	srv.respond(http.StatusOK, "application/json", good)
	clock.Advance(time.Minute)
	if _, err := v.Verify(ctx, token); err != nil {
		t.Fatalf("Verify after recovery: %v", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

// When the refetch for an unknown kid fails, the answer is "keys unavailable" (503), not
// "unknown key" (401): the key may well exist.
func TestUnknownKidWhileJWKSDown(t *testing.T) {
	rs, newKey := rsaSigner(), testSigner{kid: "rsa-2", alg: jose.RS256, key: rsaKeyB()}
	srv := newJWKSServer(t, rs.public())
	v, clock := newTestVerifier(t, srv, nil)
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, rs, validClaims())); err != nil {
		t.Fatal(err)
	}
	srv.respond(http.StatusServiceUnavailable, "text/plain", nil)
	clock.Advance(time.Minute)

	_, err := v.Verify(ctx, sign(t, newKey, validClaims()))
	assertKeysUnavailable(t, err)
	// Tokens signed with the cached key still verify.
	if _, err := v.Verify(ctx, sign(t, rs, validClaims())); err != nil {
		t.Fatalf("cached key while the JWKS is down: %v", err)
	}
}

func TestBackgroundRefreshAfterTTL(t *testing.T) {
	oldKey, newKey := rsaSigner(), testSigner{kid: "rsa-2", alg: jose.RS256, key: rsaKeyB()}
	srv := newJWKSServer(t, oldKey.public())
	v, clock := newTestVerifier(t, srv, func(c *Config) { c.CacheTTL = 10 * time.Minute })
	ctx := context.Background()
	token := func(s testSigner) string {
		return sign(t, s, with(map[string]any{"exp": clock.Now().Add(time.Hour).Unix()}))
	}

	if _, err := v.Verify(ctx, token(oldKey)); err != nil {
		t.Fatal(err)
	}
	srv.setKeys(t, newKey.public()) // the old key is withdrawn

	clock.Advance(9 * time.Minute)
	if _, err := v.Verify(ctx, token(oldKey)); err != nil {
		t.Fatalf("before the TTL: %v", err)
	}
	v.keys.fetches.Wait()
	if n := srv.count(); n != 1 {
		t.Fatalf("JWKS fetched %d times before the TTL, want 1", n)
	}

	clock.Advance(time.Minute)
	// This request is served from the stale set without waiting, and starts a refresh.
	if _, err := v.Verify(ctx, token(oldKey)); err != nil {
		t.Fatalf("at the TTL, stale set: %v", err)
	}
	v.keys.fetches.Wait()
	if n := srv.count(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (one background refresh)", n)
	}
	_, err := v.Verify(ctx, token(oldKey))
	if got := reason(t, err); got != reasonUnknownKey {
		t.Errorf("withdrawn key after the refresh: reason = %q, want %q", got, reasonUnknownKey)
	}
	if _, err := v.Verify(ctx, token(newKey)); err != nil {
		t.Errorf("new key after the refresh: %v", err)
	}
}

func TestStaleKeysKeptWhenRefreshFails(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	v, clock := newTestVerifier(t, srv, func(c *Config) { c.CacheTTL = 10 * time.Minute })
	ctx := context.Background()
	token := func() string { return sign(t, rs, with(map[string]any{"exp": clock.Now().Add(time.Hour).Unix()})) }

	if _, err := v.Verify(ctx, token()); err != nil {
		t.Fatal(err)
	}
	srv.respond(http.StatusInternalServerError, "text/plain", nil)
	for i := range 3 {
		clock.Advance(10 * time.Minute)
		if _, err := v.Verify(ctx, token()); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		v.keys.fetches.Wait()
	}
	if n := srv.count(); n != 4 {
		t.Errorf("JWKS fetched %d times, want 4 (one failed refresh per round)", n)
	}
}

// A caller that gives up while the keys are being fetched gets ErrKeysUnavailable at once;
// the fetch itself goes on for the others.
func TestContextCancelledWhileFetching(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	release := srv.hold()
	defer release()
	v, _ := newTestVerifier(t, srv, nil)
	token := sign(t, rs, validClaims())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := v.Verify(ctx, token)
	assertKeysUnavailable(t, err)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}

	release()
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify after the fetch completed: %v", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

// A caller that asks for a refresh after another caller already got a newer set gets that
// set instead of a new fetch.
func TestRefreshReturnsNewerSet(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	v, clock := newTestVerifier(t, srv, nil)
	ctx := context.Background()

	first, err := v.keys.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	second, err := v.keys.refresh(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute) // a fetch would be allowed again
	got, err := v.keys.refresh(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if got != second || got == first {
		t.Error("refresh with an outdated set did not return the newer one")
	}
	if n := srv.count(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}
