package loginjwt

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestVerifyAcceptsEachAlgorithm(t *testing.T) {
	signers := []testSigner{
		{kid: "rs256", alg: jose.RS256, key: rsaKeyA()},
		{kid: "rs384", alg: jose.RS384, key: rsaKeyA()},
		{kid: "rs512", alg: jose.RS512, key: rsaKeyA()},
		{kid: "ps256", alg: jose.PS256, key: rsaKeyB()},
		{kid: "ps384", alg: jose.PS384, key: rsaKeyB()},
		{kid: "ps512", alg: jose.PS512, key: rsaKeyB()},
		{kid: "es256", alg: jose.ES256, key: must(ecKey())},
		{kid: "es384", alg: jose.ES384, key: must(ec384())},
		{kid: "es512", alg: jose.ES512, key: must(ec521())},
		{kid: "eddsa", alg: jose.EdDSA, key: must(edKey())},
	}
	var published []jose.JSONWebKey
	for _, s := range signers {
		published = append(published, s.public())
	}
	srv := newJWKSServer(t, published...)
	v, _ := newTestVerifier(t, srv, nil)

	for _, s := range signers {
		t.Run(string(s.alg), func(t *testing.T) {
			got, err := v.Verify(context.Background(), sign(t, s, validClaims()))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Claims{
				Subject:   "user-1",
				Name:      "Ada Lovelace",
				Org:       "org-1",
				Roles:     []string{"admin"},
				ExpiresAt: testStart.Add(10 * time.Minute),
			}
			if got.Subject != want.Subject || got.Name != want.Name || got.Org != want.Org ||
				!slices.Equal(got.Roles, want.Roles) || !got.ExpiresAt.Equal(want.ExpiresAt) {
				t.Errorf("claims = %+v, want %+v", got, want)
			}
		})
	}
	if n := srv.count(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (the set is cached)", n)
	}
}

func TestVerifyRefuses(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public(), ecSigner().public())
	v, _ := newTestVerifier(t, srv, nil)

	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKeyA().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	// hs256 forges a token the classic way: HMAC keyed with the bytes of the public key,
	// hoping the verifier hands the RSA key to an HMAC check.
	hs256 := func(secret []byte) string {
		head := map[string]any{"alg": "HS256", "typ": "JWT", "kid": rs.kid}
		unsigned := rawToken(t, head, validClaims(), nil)
		unsigned = strings.TrimSuffix(unsigned, ".")
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(unsigned))
		return rawToken(t, head, validClaims(), mac.Sum(nil))
	}
	impostor := testSigner{kid: rs.kid, alg: jose.RS256, key: rsaKeyB()}
	now := testStart

	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"alg none", rawToken(t, map[string]any{"alg": "none", "kid": rs.kid}, validClaims(), nil), "token algorithm none is not allowed"},
		{"alg None", rawToken(t, map[string]any{"alg": "None"}, validClaims(), nil), "token algorithm None is not allowed"},
		{"no alg", rawToken(t, map[string]any{"kid": rs.kid}, validClaims(), []byte("sig")), "token has no alg header"},
		{"alg with odd characters is not echoed", rawToken(t, map[string]any{"alg": "<script>"}, validClaims(), nil), "token algorithm is not allowed"},
		{"HS256 keyed with the PEM public key", hs256(pubPEM), "token algorithm HS256 is not allowed"},
		{"HS256 keyed with the DER public key", hs256(pubDER), "token algorithm HS256 is not allowed"},
		{"wrong audience", sign(t, rs, with(map[string]any{"aud": "someone-else"})), "token audience is not accepted"},
		{"audience array without ours", sign(t, rs, with(map[string]any{"aud": []string{"a", "b"}})), "token audience is not accepted"},
		{"no audience", sign(t, rs, with(map[string]any{"aud": nil})), "token audience is not accepted"},
		{"wrong issuer", sign(t, rs, with(map[string]any{"iss": "https://evil.example.com/"})), "token issuer is not accepted"},
		{"issuer differs by a slash", sign(t, rs, with(map[string]any{"iss": strings.TrimSuffix(testIssuer, "/")})), "token issuer is not accepted"},
		{"expired", sign(t, rs, with(map[string]any{"exp": now.Add(-time.Hour).Unix()})), "token has expired"},
		{"expired just past the leeway", sign(t, rs, with(map[string]any{"exp": now.Add(-31 * time.Second).Unix()})), "token has expired"},
		{"nbf in the future", sign(t, rs, with(map[string]any{"nbf": now.Add(time.Hour).Unix()})), "token is not valid yet"},
		{"iat in the future", sign(t, rs, with(map[string]any{"iat": now.Add(time.Hour).Unix()})), "token is issued in the future"},
		{"no exp", sign(t, rs, with(map[string]any{"exp": nil})), "token has no exp claim"},
		{"exp as a string", sign(t, rs, with(map[string]any{"exp": "tomorrow"})), "token is malformed"},
		{"no sub", sign(t, rs, with(map[string]any{"sub": nil})), "token has no sub claim"},
		{"empty sub", sign(t, rs, with(map[string]any{"sub": ""})), "token has no sub claim"},
		{"no org", sign(t, rs, with(map[string]any{"org_id": nil})), "token is missing the org_id claim"},
		{"empty org", sign(t, rs, with(map[string]any{"org_id": ""})), "token is missing the org_id claim"},
		{"tampered payload", tamper(t, sign(t, rs, validClaims()), with(map[string]any{"org_id": "org-2"})), "token signature is invalid"},
		{"signed by another key under our kid", sign(t, impostor, validClaims()), "token signature is invalid"},
		{"signature cut off", strings.TrimRight(sign(t, rs, validClaims()), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), "token signature is invalid"},
		{"unknown kid", sign(t, testSigner{kid: "nope", alg: jose.RS256, key: rsaKeyA()}, validClaims()), "token signing key is unknown"},
		{"ES256 under the RSA kid", sign(t, testSigner{kid: rs.kid, alg: jose.ES256, key: must(ecKey())}, validClaims()), "token algorithm ES256 does not match its signing key"},
		{"garbage", "not a token", "token is malformed"},
		{"empty", "", "token is malformed"},
		{"four parts", sign(t, rs, validClaims()) + ".x", "token is malformed"},
		{"bad base64", "e30.e30.!!!", "token is malformed"},
		{"JSON serialization", `{"payload":"e30","protected":"eyJhbGciOiJSUzI1NiJ9","signature":""}`, "token is malformed"},
		{"too large", sign(t, rs, with(map[string]any{"pad": strings.Repeat("x", maxTokenBytes)})), "token is malformed"},
		{"critical header", signWith(t, rs, validClaims(), (&jose.SignerOptions{}).WithHeader("crit", []string{"exp"}).WithHeader("exp", 1)), "token is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			if got := reason(t, err); got != tt.reason {
				t.Errorf("reason = %q, want %q (cause: %v)", got, tt.reason, errorsUnwrap(err))
			}
		})
	}
}

func errorsUnwrap(err error) error {
	if e, ok := err.(*Error); ok {
		return e.Unwrap()
	}
	return nil
}

func TestVerifyAccepts(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	v, _ := newTestVerifier(t, srv, nil)
	now := testStart

	tests := []struct {
		name   string
		claims map[string]any
	}{
		{"audience array containing ours", with(map[string]any{"aud": []string{"x", testAudience}})},
		{"other configured audience", with(map[string]any{"aud": "other-app"})},
		{"expired within the leeway", with(map[string]any{"exp": now.Add(-20 * time.Second).Unix()})},
		{"nbf within the leeway", with(map[string]any{"nbf": now.Add(20 * time.Second).Unix()})},
		{"iat within the leeway", with(map[string]any{"iat": now.Add(20 * time.Second).Unix()})},
		{"no nbf or iat", with(map[string]any{"nbf": nil, "iat": nil})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.Verify(context.Background(), sign(t, rs, tt.claims)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

// The leeway is configurable; the default (30s) is exercised by the tables above.
func TestVerifyCustomLeeway(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	v, _ := newTestVerifier(t, srv, func(c *Config) { c.Leeway = 5 * time.Minute })
	token := sign(t, rs, with(map[string]any{"exp": testStart.Add(-4 * time.Minute).Unix()}))
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// A token can carry its own public key (the jwk header); it must not be used, or anyone
// could sign with a key of their choosing.
func TestVerifyIgnoresEmbeddedKey(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())
	v, _ := newTestVerifier(t, srv, nil)

	attacker := testSigner{alg: jose.RS256, key: rsaKeyB()}
	tests := []struct {
		name  string
		token string
	}{
		// Without a kid, the one published RSA key is chosen and the signature fails.
		{"without kid", signWith(t, attacker, validClaims(), &jose.SignerOptions{EmbedJWK: true})},
		{"with our kid", signWith(t, testSigner{kid: rs.kid, alg: jose.RS256, key: rsaKeyB()}, validClaims(), &jose.SignerOptions{EmbedJWK: true})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			if got := reason(t, err); got != reasonBadSignature {
				t.Errorf("reason = %q, want %q", got, reasonBadSignature)
			}
		})
	}
}
