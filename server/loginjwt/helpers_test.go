package loginjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	testIssuer   = "https://login.example.com/"
	testAudience = "wagate"
)

// testStart is the fake clock's starting time; whole seconds, as JWT times are.
var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Keys are generated once per test binary: RSA generation is slow under -race.
var (
	rsaKeyA = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	rsaKeyB = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	ecKey   = sync.OnceValues(func() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
	ec384   = sync.OnceValues(func() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) })
	ec521   = sync.OnceValues(func() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P521(), rand.Reader) })
	edKey   = sync.OnceValues(func() (ed25519.PrivateKey, error) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	})
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testSigner is a private key with the kid and alg a token signed by it carries.
type testSigner struct {
	kid string
	alg jose.SignatureAlgorithm
	key any // private key
}

// public is the JWK the test server publishes for s, with "alg" and "use" set.
func (s testSigner) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: publicOf(s.key), KeyID: s.kid, Algorithm: string(s.alg), Use: "sig"}
}

func publicOf(key any) any {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	case ed25519.PrivateKey:
		return k.Public()
	}
	panic("unknown key type")
}

func rsaSigner() testSigner { return testSigner{kid: "rsa-1", alg: jose.RS256, key: rsaKeyA()} }
func ecSigner() testSigner  { return testSigner{kid: "ec-1", alg: jose.ES256, key: must(ecKey())} }
func edSigner() testSigner  { return testSigner{kid: "ed-1", alg: jose.EdDSA, key: must(edKey())} }

// sign makes a compact JWT. An empty kid leaves the header out.
func sign(t *testing.T, s testSigner, claims map[string]any) string {
	t.Helper()
	return signWith(t, s, claims, (&jose.SignerOptions{}).WithType("JWT"))
}

func signWith(t *testing.T, s testSigner, claims map[string]any, opts *jose.SignerOptions) string {
	t.Helper()
	if s.kid != "" {
		opts = opts.WithHeader("kid", s.kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: s.alg, Key: s.key}, opts)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("Serialize: %v", err)
	}
	return token
}

// rawToken assembles a token from a header and claims without a library, for the shapes a
// library will not produce (alg none).
func rawToken(t *testing.T, header, claims map[string]any, sig []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// validClaims are claims that verify at the fake clock's start.
func validClaims() map[string]any {
	return map[string]any{
		"iss":    testIssuer,
		"aud":    testAudience,
		"sub":    "user-1",
		"name":   "Ada Lovelace",
		"org_id": "org-1",
		"role":   "admin",
		"iat":    testStart.Unix(),
		"nbf":    testStart.Unix(),
		"exp":    testStart.Add(10 * time.Minute).Unix(),
	}
}

// with returns a copy of validClaims with the given changes; a nil value deletes the claim.
func with(changes map[string]any) map[string]any {
	c := validClaims()
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// jwksServer serves a JWKS that a test can change, and counts the requests it gets.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int32

	mu          sync.Mutex
	status      int
	contentType string
	body        []byte
	gate        chan struct{} // when set, requests wait for it to close
}

func newJWKSServer(t *testing.T, keys ...jose.JSONWebKey) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.setKeys(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	status, ct, body, gate := s.status, s.contentType, s.body, s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *jwksServer) setKeys(t *testing.T, keys ...jose.JSONWebKey) {
	t.Helper()
	s.respond(http.StatusOK, "application/json", jwksBody(t, keys...))
}

func jwksBody(t *testing.T, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	body, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatalf("marshal JWKS: %v", err)
	}
	return body
}

func (s *jwksServer) respond(status int, contentType string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.contentType, s.body = status, contentType, body
}

func (s *jwksServer) hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gate := make(chan struct{})
	s.gate = gate
	return sync.OnceFunc(func() {
		s.mu.Lock()
		s.gate = nil
		s.mu.Unlock()
		close(gate)
	})
}

func (s *jwksServer) count() int { return int(s.requests.Load()) }

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestVerifier returns a verifier for srv with the test issuer and audience and a fake
// clock at testStart. change, if not nil, edits the config first.
func newTestVerifier(t *testing.T, srv *jwksServer, change func(*Config)) (*Verifier, *fakeClock) {
	t.Helper()
	cfg := Config{
		JWKSURL:    srv.URL + "/.well-known/jwks.json",
		Issuer:     testIssuer,
		Audience:   []string{"other-app", testAudience},
		OrgClaim:   "org_id",
		RoleClaim:  "role",
		HTTPClient: srv.Client(),
	}
	if change != nil {
		change(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := &fakeClock{t: testStart}
	v.now = clock.Now
	// Let background fetches finish before the server closes (cleanups run last first).
	t.Cleanup(v.keys.fetches.Wait)
	return v, clock
}

// reason returns the Reason of a refusal, failing the test for any other error.
func reason(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("token accepted, want refusal")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("refusal %v also wraps ErrKeysUnavailable", err)
	}
	if err.Error() != e.Reason {
		t.Fatalf("Error() = %q, want the bare reason %q", err.Error(), e.Reason)
	}
	return e.Reason
}

// tamper replaces the payload of token with claims, keeping header and signature.
func tamper(t *testing.T, token string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}
