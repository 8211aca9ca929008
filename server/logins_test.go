package server_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/server/loginjwt"
)

// identityProvider is a JWKS endpoint the test starts, with the key that signs its tokens.
type identityProvider struct {
	key *rsa.PrivateKey
	url string
}

const (
	testIssuer   = "https://login.example.com/"
	testAudience = "wagate"
)

func newIdentityProvider(t *testing.T) *identityProvider {
	t.Helper()
	key := must(rsa.GenerateKey(rand.Reader, 2048))
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return &identityProvider{key: key, url: srv.URL + "/.well-known/jwks.json"}
}

func verifierFor(t *testing.T, jwksURL string) *loginjwt.Verifier {
	t.Helper()
	return must(loginjwt.New(loginjwt.Config{JWKSURL: jwksURL, Issuer: testIssuer, Audience: []string{testAudience}, OrgClaim: "org_id", RoleClaim: "role"}))
}

// token signs claims with the provider's key; claims override the defaults.
func (p *identityProvider) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	signer := must(jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1")))
	return must(jwt.Signed(signer).Claims(claims).Serialize())
}

func (p *identityProvider) claims(org, role string, edit func(map[string]any)) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": testIssuer, "aud": testAudience, "sub": "user-42", "name": "Ana", "org_id": org, "role": role,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if edit != nil {
		edit(c)
	}
	return c
}

func TestLoginTokens(t *testing.T) {
	idp := newIdentityProvider(t)
	eachBackend(t, func(t *testing.T, h *harness) {
		viewer := h.bearerClient(idp.token(t, idp.claims(h.org.ID, "viewer", nil)))
		me := must(viewer.GetMeWithResponse(ctx))
		if me.JSON200 == nil || me.JSON200.Principal.Type != gen.PrincipalTypeUser || me.JSON200.Principal.Id != "user-42" ||
			me.JSON200.Principal.Name != "Ana" || me.JSON200.Organization.Id != h.org.ID || len(me.JSON200.Capabilities) != 1 {
			t.Fatalf("me as viewer: %d %s", me.StatusCode(), me.Body)
		}
		denied := must(viewer.CreateContactListWithResponse(ctx, gen.NewContactList{Name: "x"}))
		wantError(t, denied.StatusCode(), denied.Body, http.StatusForbidden, gen.ErrorCodeForbidden)
		admin := h.bearerClient(idp.token(t, idp.claims(h.org.ID, "admin", nil)))
		if r := must(admin.CreateContactListWithResponse(ctx, gen.NewContactList{Name: "x"})); r.JSON201 == nil {
			t.Fatalf("create as admin: %d %s", r.StatusCode(), r.Body)
		}
		// A JWT is accepted as a bearer token only, never as X-API-Key.
		status, body, _ := h.do("GET", "/api/v1/me", "", "X-API-Key", idp.token(t, idp.claims(h.org.ID, "admin", nil)))
		envelope(t, status, body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized)

		// Tampered and misdirected tokens.
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		payload := base64.RawURLEncoding.EncodeToString(must(json.Marshal(idp.claims(h.org.ID, "admin", nil))))
		hsHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"k1"}`))
		mac := hmac.New(sha256.New, must(x509.MarshalPKIXPublicKey(&idp.key.PublicKey)))
		mac.Write([]byte(hsHeader + "." + payload))
		valid := idp.token(t, idp.claims(h.org.ID, "admin", nil))
		parts := strings.Split(valid, ".")
		forged := map[string]string{
			"alg none":                  header + "." + payload + ".",
			"HS256 with the public key": hsHeader + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)),
			"wrong audience":            idp.token(t, idp.claims(h.org.ID, "admin", func(c map[string]any) { c["aud"] = "someone-else" })),
			"wrong issuer":              idp.token(t, idp.claims(h.org.ID, "admin", func(c map[string]any) { c["iss"] = "https://evil.example.com/" })),
			"expired":                   idp.token(t, idp.claims(h.org.ID, "admin", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })),
			"not yet valid":             idp.token(t, idp.claims(h.org.ID, "admin", func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
			"unknown organization":      idp.token(t, idp.claims("org_01JD8X3B0V6W8Q9M2N4P5R7T1Y", "admin", nil)),
			"payload swapped under sig": parts[0] + "." + base64.RawURLEncoding.EncodeToString(must(json.Marshal(idp.claims("org_x", "admin", nil)))) + "." + parts[2],
		}
		for name, token := range forged {
			r := must(h.bearerClient(token).GetMeWithResponse(ctx))
			if e := wantError(t, r.StatusCode(), r.Body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized); e.Message == "" {
				t.Fatalf("%s: no reason", name)
			}
		}
	}, withLogins(verifierFor(t, idp.url)))
}

func TestLoginKeysUnavailable(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL + "/jwks.json"
	down.Close()
	eachBackend(t, func(t *testing.T, h *harness) {
		idp := newIdentityProvider(t) // signs a token whose keys this server cannot fetch
		r := must(h.bearerClient(idp.token(t, idp.claims(h.org.ID, "admin", nil))).GetMeWithResponse(ctx))
		wantError(t, r.StatusCode(), r.Body, http.StatusServiceUnavailable, gen.ErrorCodeUnavailable)
		// API keys keep working.
		if me := must(h.client(h.admin).GetMeWithResponse(ctx)); me.JSON200 == nil {
			t.Fatalf("API key while the identity provider is down: %d", me.StatusCode())
		}
	}, withLogins(verifierFor(t, url)))
}
