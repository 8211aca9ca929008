package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
)

func TestAPIKeyLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		admin := h.client(h.admin)
		expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		created := must(admin.CreateApiKeyWithResponse(ctx, client.NewApiKey{Name: "campaign tool", Capabilities: []client.Capability{client.CapabilityRead}, ExpiresAt: &expires}))
		if created.JSON201 == nil {
			t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
		}
		key := created.JSON201
		if !store.LooksLikeAPIKey(key.Key) || !strings.HasPrefix(key.Key, key.Prefix) || !key.ExpiresAt.MustGet().Equal(expires) || !key.LastUsedAt.IsNull() {
			t.Fatalf("created key = %s", created.Body)
		}

		// Both header styles work; the key reads, and may not write or administer.
		for _, c := range []*client.ClientWithResponses{h.client(key.Key), h.bearerClient(key.Key)} {
			me := must(c.GetMeWithResponse(ctx))
			if me.JSON200 == nil || me.JSON200.Principal.Id != key.Id || me.JSON200.Principal.Type != client.PrincipalTypeApiKey ||
				me.JSON200.Organization.Id != h.org.ID || len(me.JSON200.Capabilities) != 1 {
				t.Fatalf("me: %d %s", me.StatusCode(), me.Body)
			}
		}
		reader := h.client(key.Key)
		w := must(reader.CreateContactListWithResponse(ctx, client.NewContactList{Name: "x"}))
		e := wantError(t, w.StatusCode(), w.Body, http.StatusForbidden, client.ErrorCodeForbidden)
		if e.Details["required"] != "write" {
			t.Fatalf("forbidden details = %v", e.Details)
		}
		a := must(reader.ListApiKeysWithResponse(ctx, nil))
		wantError(t, a.StatusCode(), a.Body, http.StatusForbidden, client.ErrorCodeForbidden)

		// The secret is shown once: listings carry the prefix only, and last use once used.
		list := must(admin.ListApiKeysWithResponse(ctx, nil))
		if list.JSON200 == nil || strings.Contains(string(list.Body), key.Key) || !strings.Contains(string(list.Body), key.Prefix) {
			t.Fatalf("list: %d %s", list.StatusCode(), list.Body)
		}
		for _, k := range list.JSON200.Items {
			if k.Id == key.Id && k.LastUsedAt.IsNull() {
				t.Fatalf("last use not recorded: %s", list.Body)
			}
		}

		// Revoked: refused at once, with the reason; a second revoke is 404.
		if r := must(admin.RevokeApiKeyWithResponse(ctx, key.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", r.StatusCode(), r.Body)
		}
		me := must(reader.GetMeWithResponse(ctx))
		if e := wantError(t, me.StatusCode(), me.Body, http.StatusUnauthorized, client.ErrorCodeUnauthorized); !strings.Contains(e.Message, "revoked") {
			t.Fatalf("revoked key message = %q", e.Message)
		}
		again := must(admin.RevokeApiKeyWithResponse(ctx, key.Id))
		wantError(t, again.StatusCode(), again.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		bad := must(admin.RevokeApiKeyWithResponse(ctx, "key_nope"))
		wantError(t, bad.StatusCode(), bad.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
	})
}

func TestAPIKeyCreationRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		// An admin without write cannot mint a key that writes.
		adminOnly := h.client(h.newKey(h.org.ID, store.Admin))
		r := must(adminOnly.CreateApiKeyWithResponse(ctx, client.NewApiKey{Name: "escalate", Capabilities: []client.Capability{client.CapabilityWrite}}))
		wantError(t, r.StatusCode(), r.Body, http.StatusForbidden, client.ErrorCodeForbidden)
		admin := h.client(h.admin)
		for name, body := range map[string]string{
			"no capabilities":      `{"name":"k","capabilities":[]}`,
			"unknown capability":   `{"name":"k","capabilities":["root"]}`,
			"repeated capability":  `{"name":"k","capabilities":["read","read"]}`,
			"case-folded dup":      `{"name":"k","capabilities":["read"],"CAPABILITIES":["admin"]}`,
			"no name":              `{"capabilities":["read"]}`,
			"expired":              `{"name":"k","capabilities":["read"],"expiresAt":"2001-01-01T00:00:00Z"}`,
			"not a time":           `{"name":"k","capabilities":["read"],"expiresAt":"tomorrow"}`,
			"capabilities as text": `{"name":"k","capabilities":"read"}`,
		} {
			t.Run(name, func(t *testing.T) {
				r := must(admin.CreateApiKeyWithBodyWithResponse(ctx, "application/json", strings.NewReader(body)))
				wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
			})
		}
	})
}
