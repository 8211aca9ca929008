package loginjwt

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestKeySelection covers which published keys may verify which tokens.
func TestKeySelection(t *testing.T) {
	rs, ec, ed := rsaSigner(), ecSigner(), edSigner()
	noKid := func(s testSigner) testSigner { s.kid = ""; return s }
	asAlg := func(s testSigner, alg jose.SignatureAlgorithm) testSigner { s.alg = alg; return s }
	withUse := func(k jose.JSONWebKey, use string) jose.JSONWebKey { k.Use = use; return k }
	withoutAlg := func(k jose.JSONWebKey) jose.JSONWebKey { k.Algorithm = ""; k.Use = ""; return k }
	otherRSA := testSigner{kid: "rsa-2", alg: jose.RS256, key: rsaKeyB()}

	tests := []struct {
		name       string
		published  []jose.JSONWebKey
		signer     testSigner
		wantReason string // empty: accepted
	}{
		{name: "JWK alg RS256, token PS256 with the same key", published: []jose.JSONWebKey{rs.public()}, signer: asAlg(rs, jose.PS256), wantReason: "token algorithm PS256 does not match its signing key"},
		{name: "JWK without alg accepts PS256", published: []jose.JSONWebKey{withoutAlg(rs.public())}, signer: asAlg(rs, jose.PS256)},
		{name: "use enc is ignored", published: []jose.JSONWebKey{withUse(rs.public(), "enc"), ec.public()}, signer: rs, wantReason: "token signing key is unknown"},
		{name: "use enc, token without kid", published: []jose.JSONWebKey{withUse(otherRSA.public(), "enc"), rs.public()}, signer: noKid(rs)},
		{name: "unknown use is ignored", published: []jose.JSONWebKey{withUse(rs.public(), "wrap"), ec.public()}, signer: rs, wantReason: "token signing key is unknown"},
		{name: "no kid, one key", published: []jose.JSONWebKey{rs.public()}, signer: noKid(rs)},
		{name: "no kid, one key per algorithm", published: []jose.JSONWebKey{rs.public(), ec.public(), ed.public()}, signer: noKid(ec)},
		{name: "no kid, two keys for the algorithm", published: []jose.JSONWebKey{rs.public(), otherRSA.public()}, signer: noKid(rs), wantReason: reasonAmbiguousKey},
		{name: "no kid, no key for the algorithm", published: []jose.JSONWebKey{ec.public()}, signer: noKid(rs), wantReason: "token signing key is unknown"},
		{name: "kid, no key with it", published: []jose.JSONWebKey{otherRSA.public()}, signer: rs, wantReason: "token signing key is unknown"},
		{name: "two keys share a kid", published: []jose.JSONWebKey{{Key: publicOf(rsaKeyB()), KeyID: rs.kid, Algorithm: "RS256"}, rs.public()}, signer: rs},
		{name: "ES256 token, P-384 key under its kid", published: []jose.JSONWebKey{{Key: publicOf(must(ec384())), KeyID: ec.kid}}, signer: ec, wantReason: "token algorithm ES256 does not match its signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, tt.published...)
			v, _ := newTestVerifier(t, srv, nil)
			_, err := v.Verify(context.Background(), sign(t, tt.signer, validClaims()))
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if got := reason(t, err); got != tt.wantReason {
				t.Errorf("reason = %q, want %q", got, tt.wantReason)
			}
		})
	}
}

// Keys a JWKS should not contain are skipped one by one instead of failing the whole set.
func TestParseKeysSkipsUnusableKeys(t *testing.T) {
	rs := rsaSigner()
	pub, err := json.Marshal(rs.public())
	if err != nil {
		t.Fatal(err)
	}
	private, err := json.Marshal(jose.JSONWebKey{Key: rsaKeyB(), KeyID: "leaked", Algorithm: "RS256"})
	if err != nil {
		t.Fatal(err)
	}
	weak, err := json.Marshal(jose.JSONWebKey{Key: &mustRSA(1024).PublicKey, KeyID: "weak"})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"keys":[` +
		`{"kty":"oct","kid":"hmac","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},` +
		`{"kty":"OKP","crv":"X25519","kid":"x","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},` +
		`{"kty":"XYZ","kid":"future"},` +
		`{"kty":"EC","kid":"broken","crv":"P-256","x":"AA"},` +
		string(private) + "," + string(weak) + "," + string(pub) + `]}`

	keys, err := parseKeys([]byte(body))
	if err != nil {
		t.Fatalf("parseKeys: %v", err)
	}
	if len(keys) != 1 || keys[0].KeyID != rs.kid {
		var kids []string
		for _, k := range keys {
			kids = append(kids, k.KeyID)
		}
		t.Fatalf("kept keys %q, want only %q", kids, rs.kid)
	}

	// And the verifier works with such a set.
	srv := newJWKSServer(t)
	srv.respond(http.StatusOK, "application/jwk-set+json", []byte(body))
	v, _ := newTestVerifier(t, srv, nil)
	if _, err := v.Verify(context.Background(), sign(t, rs, validClaims())); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	leaked := testSigner{kid: "leaked", alg: jose.RS256, key: rsaKeyB()}
	_, err = v.Verify(context.Background(), sign(t, leaked, validClaims()))
	if got := reason(t, err); got != reasonUnknownKey {
		t.Errorf("token signed with a published private key: reason = %q, want %q", got, reasonUnknownKey)
	}
}
