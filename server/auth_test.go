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

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
)

func TestCredentialsAreChecked(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expiring, secret, err := h.store.CreateAPIKey(ctx, h.org.ID, store.NewAPIKey{Name: "short", Capabilities: store.AllCapabilities, ExpiresAt: ptr(time.Now().Add(time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		unknown := store.APIKeyPrefix + strings.Repeat("A", 40)
		cases := []struct {
			name    string
			header  []string
			message string
		}{
			{"none", nil, "missing"},
			{"empty X-API-Key", []string{"X-API-Key", ""}, "missing"},
			{"unknown key", []string{"X-API-Key", unknown}, "not valid"},
			{"unknown key as bearer", []string{"Authorization", "Bearer " + unknown}, "not valid"},
			{"malformed key", []string{"X-API-Key", "wgk_short"}, "malformed"},
			{"basic auth", []string{"Authorization", "Basic dXNlcjpwYXNz"}, "Bearer"},
			{"bearer without token", []string{"Authorization", "Bearer "}, "Bearer"},
			{"JWT with logins off", []string{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}, "JWKS"},
		}
		for _, tc := range cases {
			status, body, _ := h.do("GET", "/api/v1/me", "", tc.header...)
			if e := envelope(t, status, body, http.StatusUnauthorized, client.ErrorCodeUnauthorized); !strings.Contains(e.Message, tc.message) {
				t.Errorf("%s: message %q lacks %q", tc.name, e.Message, tc.message)
			}
		}
		// No credentials answer 401 even when the request is also malformed in every other way.
		status, body, _ := h.do("POST", "/api/v1/contacts", `{"phone": 5, "nope": true}`)
		envelope(t, status, body, http.StatusUnauthorized, client.ErrorCodeUnauthorized)
		status, body, _ = h.do("GET", "/api/v1/contact-lists?limit=9999&cursor=zzz", "", "X-API-Key", unknown)
		envelope(t, status, body, http.StatusUnauthorized, client.ErrorCodeUnauthorized)
		// A good key without the capability is a 403 before its body is looked at.
		status, body, _ = h.do("POST", "/api/v1/contacts", `{"phone": 5}`, "X-API-Key", h.newKey(h.org.ID, store.Read))
		envelope(t, status, body, http.StatusForbidden, client.ErrorCodeForbidden)

		// An expired key: refused from the moment it expires.
		status, _, _ = h.do("GET", "/api/v1/me", "", "X-API-Key", secret)
		if status != http.StatusOK {
			t.Fatalf("key before expiry: %d", status)
		}
		h.store.SetClock(func() time.Time { return expiring.ExpiresAt.Add(time.Second) })
		status, body, _ = h.do("GET", "/api/v1/me", "", "X-API-Key", secret)
		if e := envelope(t, status, body, http.StatusUnauthorized, client.ErrorCodeUnauthorized); !strings.Contains(e.Message, "expired") {
			t.Fatalf("expired key message = %q", e.Message)
		}
	})
}

// TestEveryOperationChecksCredentials walks the spec: every operation with a security
// requirement refuses a request without credentials (401) and one whose key lacks the
// operation's x-required-capability (403), before it looks at the input.
func TestEveryOperationChecksCredentials(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		doc, _ := loadSpec(t)
		lacking := map[string]string{
			"read":  h.newKey(h.org.ID, store.Write, store.Admin),
			"write": h.newKey(h.org.ID, store.Read, store.Admin),
			"admin": h.newKey(h.org.ID, store.Read, store.Write),
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if op.Security != nil && len(*op.Security) == 0 {
					continue // public
				}
				need, _ := op.Extensions["x-required-capability"].(string)
				url := examplePath(path)
				body := ""
				if op.RequestBody != nil {
					body = `{}`
				}
				status, resp, _ := h.do(method, url, body)
				envelope(t, status, resp, http.StatusUnauthorized, client.ErrorCodeUnauthorized)
				status, resp, _ = h.do(method, url, body, "X-API-Key", lacking[need])
				if e := envelope(t, status, resp, http.StatusForbidden, client.ErrorCodeForbidden); e.Details["required"] != need {
					t.Fatalf("%s %s: 403 names %v, want %s", method, path, e.Details["required"], need)
				}
			}
		}
	})
}

// examplePath fills a spec path's parameters with well-formed values.
func examplePath(path string) string {
	r := strings.NewReplacer("{keyId}", "key_01JD8X3B0V6W8Q9M2N4P5R7T1Z", "{listId}", "1", "{contactId}", "1",
		"{sessionId}", "sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0", "{phone}", "5492235961983",
		"{importId}", "imp_01HZX3B0V6W8Q9M2N4P5R7T1Y0")
	path = r.Replace(path)
	if strings.HasPrefix(path, "/api/v1/contact-lookup") && !strings.HasSuffix(path, "/batch") || strings.HasSuffix(path, "/contacts/check") {
		path += "?phone=5492235961983"
	}
	return path
}

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
		if me.JSON200 == nil || me.JSON200.Principal.Type != client.PrincipalTypeUser || me.JSON200.Principal.Id != "user-42" ||
			me.JSON200.Principal.Name != "Ana" || me.JSON200.Organization.Id != h.org.ID || len(me.JSON200.Capabilities) != 1 {
			t.Fatalf("me as viewer: %d %s", me.StatusCode(), me.Body)
		}
		denied := must(viewer.CreateContactListWithResponse(ctx, client.NewContactList{Name: "x"}))
		wantError(t, denied.StatusCode(), denied.Body, http.StatusForbidden, client.ErrorCodeForbidden)
		admin := h.bearerClient(idp.token(t, idp.claims(h.org.ID, "admin", nil)))
		if r := must(admin.CreateContactListWithResponse(ctx, client.NewContactList{Name: "x"})); r.JSON201 == nil {
			t.Fatalf("create as admin: %d %s", r.StatusCode(), r.Body)
		}
		// A JWT is accepted as a bearer token only, never as X-API-Key.
		status, body, _ := h.do("GET", "/api/v1/me", "", "X-API-Key", idp.token(t, idp.claims(h.org.ID, "admin", nil)))
		envelope(t, status, body, http.StatusUnauthorized, client.ErrorCodeUnauthorized)

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
			if e := wantError(t, r.StatusCode(), r.Body, http.StatusUnauthorized, client.ErrorCodeUnauthorized); e.Message == "" {
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
		wantError(t, r.StatusCode(), r.Body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
		// API keys keep working.
		if me := must(h.client(h.admin).GetMeWithResponse(ctx)); me.JSON200 == nil {
			t.Fatalf("API key while the identity provider is down: %d", me.StatusCode())
		}
	}, withLogins(verifierFor(t, url)))
}
