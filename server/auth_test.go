package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

func TestAPIKeyLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		admin := h.client(h.admin)
		expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		created := must(admin.CreateApiKeyWithResponse(ctx, gen.NewApiKey{Name: "campaign tool", Capabilities: []gen.Capability{gen.Read}, ExpiresAt: &expires}))
		if created.JSON201 == nil {
			t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
		}
		key := created.JSON201
		if !store.LooksLikeAPIKey(key.Key) || !strings.HasPrefix(key.Key, key.Prefix) || !key.ExpiresAt.MustGet().Equal(expires) || !key.LastUsedAt.IsNull() {
			t.Fatalf("created key = %s", created.Body)
		}

		// Both header styles work; the key reads, and may not write or administer.
		for _, c := range []*gen.ClientWithResponses{h.client(key.Key), h.bearerClient(key.Key)} {
			me := must(c.GetMeWithResponse(ctx))
			if me.JSON200 == nil || me.JSON200.Principal.Id != key.Id || me.JSON200.Principal.Type != gen.PrincipalTypeApiKey ||
				me.JSON200.Organization.Id != h.org.ID || len(me.JSON200.Capabilities) != 1 {
				t.Fatalf("me: %d %s", me.StatusCode(), me.Body)
			}
		}
		reader := h.client(key.Key)
		w := must(reader.CreateContactListWithResponse(ctx, gen.NewContactList{Name: "x"}))
		e := wantError(t, w.StatusCode(), w.Body, http.StatusForbidden, gen.ErrorCodeForbidden)
		if e.Details["required"] != "write" {
			t.Fatalf("forbidden details = %v", e.Details)
		}
		a := must(reader.ListApiKeysWithResponse(ctx, nil))
		wantError(t, a.StatusCode(), a.Body, http.StatusForbidden, gen.ErrorCodeForbidden)

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
		if e := wantError(t, me.StatusCode(), me.Body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized); !strings.Contains(e.Message, "revoked") {
			t.Fatalf("revoked key message = %q", e.Message)
		}
		again := must(admin.RevokeApiKeyWithResponse(ctx, key.Id))
		wantError(t, again.StatusCode(), again.Body, http.StatusNotFound, gen.ErrorCodeNotFound)
		bad := must(admin.RevokeApiKeyWithResponse(ctx, "key_nope"))
		wantError(t, bad.StatusCode(), bad.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
	})
}

func TestAPIKeyCreationRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		// An admin without write cannot mint a key that writes.
		adminOnly := h.client(h.newKey(h.org.ID, store.Admin))
		r := must(adminOnly.CreateApiKeyWithResponse(ctx, gen.NewApiKey{Name: "escalate", Capabilities: []gen.Capability{gen.Write}}))
		wantError(t, r.StatusCode(), r.Body, http.StatusForbidden, gen.ErrorCodeForbidden)
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
			r := must(admin.CreateApiKeyWithBodyWithResponse(ctx, "application/json", strings.NewReader(body)))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
			_ = name
		}
	})
}

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
			if e := envelope(t, status, body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized); !strings.Contains(e.Message, tc.message) {
				t.Errorf("%s: message %q lacks %q", tc.name, e.Message, tc.message)
			}
		}
		// No credentials answer 401 even when the request is also malformed in every other way.
		status, body, _ := h.do("POST", "/api/v1/contacts", `{"phone": 5, "nope": true}`)
		envelope(t, status, body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized)
		status, body, _ = h.do("GET", "/api/v1/contact-lists?limit=9999&cursor=zzz", "", "X-API-Key", unknown)
		envelope(t, status, body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized)
		// A good key without the capability is a 403 before its body is looked at.
		status, body, _ = h.do("POST", "/api/v1/contacts", `{"phone": 5}`, "X-API-Key", h.newKey(h.org.ID, store.Read))
		envelope(t, status, body, http.StatusForbidden, gen.ErrorCodeForbidden)

		// An expired key: refused from the moment it expires.
		status, _, _ = h.do("GET", "/api/v1/me", "", "X-API-Key", secret)
		if status != http.StatusOK {
			t.Fatalf("key before expiry: %d", status)
		}
		h.store.SetClock(func() time.Time { return expiring.ExpiresAt.Add(time.Second) })
		status, body, _ = h.do("GET", "/api/v1/me", "", "X-API-Key", secret)
		if e := envelope(t, status, body, http.StatusUnauthorized, gen.ErrorCodeUnauthorized); !strings.Contains(e.Message, "expired") {
			t.Fatalf("expired key message = %q", e.Message)
		}
	})
}

// TestTenancy: one organization can neither see nor touch another's data, and learns nothing
// of its existence: every answer is the 404 of a resource that does not exist.
func TestTenancy(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		a := h.client(h.admin)
		juan := seedContact(t, h)
		lists := must(a.ListContactListsWithResponse(ctx, nil)).JSON200.Items
		aKeys := must(a.ListApiKeysWithResponse(ctx, nil)).JSON200.Items

		other := must(h.store.CreateOrganization(ctx, "rival", "AR"))
		b := h.client(h.newKey(other.ID, store.AllCapabilities...))
		list := lists[0]
		notFound := func(name string, status int, body []byte) {
			t.Helper()
			e := wantError(t, status, body, http.StatusNotFound, gen.ErrorCodeNotFound)
			if strings.Contains(e.Message, "acme") {
				t.Fatalf("%s: message names the other organization: %q", name, e.Message)
			}
		}
		r1 := must(b.GetContactWithResponse(ctx, juan.Id))
		notFound("get contact", r1.StatusCode(), r1.Body)
		r2 := must(b.UpdateContactWithResponse(ctx, juan.Id, gen.ContactPatch{Notes: nullableString("mine")}))
		notFound("patch contact", r2.StatusCode(), r2.Body)
		r3 := must(b.DeleteContactWithResponse(ctx, juan.Id))
		notFound("delete contact", r3.StatusCode(), r3.Body)
		r4 := must(b.GetContactListWithResponse(ctx, list.Id))
		notFound("get list", r4.StatusCode(), r4.Body)
		r5 := must(b.UpdateContactListWithResponse(ctx, list.Id, gen.ContactListPatch{Name: ptr("mine")}))
		notFound("patch list", r5.StatusCode(), r5.Body)
		r6 := must(b.DeleteContactListWithResponse(ctx, list.Id))
		notFound("delete list", r6.StatusCode(), r6.Body)
		r8 := must(b.RevokeApiKeyWithResponse(ctx, aKeys[0].Id))
		notFound("revoke their key", r8.StatusCode(), r8.Body)
		// A list of one's own, moved into: the contact is not found either. b's first list has
		// a's list's id (ids are numbered per organization); its second is an id a lacks.
		mine, spare := newList(t, b, "mine"), newList(t, b, "spare")
		if mine.Id != list.Id {
			t.Fatalf("b's first list has id %d, want %d like a's first: ids are per organization", mine.Id, list.Id)
		}
		r9 := must(a.UpdateContactWithResponse(ctx, juan.Id, gen.ContactPatch{ContactListId: &spare.Id}))
		notFound("move into their list", r9.StatusCode(), r9.Body)

		// With ids of its own that a's rows also have, b reads, changes and deletes its rows only.
		ana := must(b.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: mine.Id, Phone: "5491155554444"}))
		if ana.JSON201 == nil || ana.JSON201.Id != juan.Id {
			t.Fatalf("b's first contact: %d %s, want id %d like a's first", ana.StatusCode(), ana.Body, juan.Id)
		}
		if r := must(b.GetContactWithResponse(ctx, juan.Id)); r.JSON200 == nil || r.JSON200.Phone != "+5491155554444" || r.JSON200.ContactListName != "mine" {
			t.Fatalf("b reads its contact %d: %s", juan.Id, r.Body)
		}
		if r := must(b.GetContactListWithResponse(ctx, list.Id)); r.JSON200 == nil || r.JSON200.Name != "mine" {
			t.Fatalf("b reads its list %d: %s", list.Id, r.Body)
		}
		if r := must(b.UpdateContactWithResponse(ctx, juan.Id, gen.ContactPatch{Notes: nullableString("mine")})); r.JSON200 == nil {
			t.Fatalf("b patches its contact: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(b.UpdateContactListWithResponse(ctx, list.Id, gen.ContactListPatch{Name: ptr("still mine")})); r.JSON200 == nil {
			t.Fatalf("b patches its list: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(b.DeleteContactWithResponse(ctx, juan.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("b deletes its contact: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(b.DeleteContactListWithResponse(ctx, list.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("b deletes its list: %d %s", r.StatusCode(), r.Body)
		}
		// a's list's id, b's no longer: b cannot add to a's list.
		r7 := must(b.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: list.Id, Phone: "5491155554444"}))
		notFound("create contact in their list", r7.StatusCode(), r7.Body)

		if l := must(b.ListContactListsWithResponse(ctx, nil)).JSON200; len(l.Items) != 1 || l.Items[0].Id != spare.Id {
			t.Fatalf("b lists %+v", l.Items)
		}
		if k := must(b.ListApiKeysWithResponse(ctx, nil)).JSON200; len(k.Items) != 1 {
			t.Fatalf("b sees %d keys", len(k.Items))
		}
		lookup := must(b.LookupContactWithResponse(ctx, &gen.LookupContactParams{Phone: "5492235961983"}))
		if lookup.JSON200 == nil || lookup.JSON200.Found {
			t.Fatalf("b looks up a's contact: %s", lookup.Body)
		}
		batch := must(b.LookupContactsBatchWithResponse(ctx, gen.BatchLookupRequest{Phones: []string{"5492235961983"}}))
		if batch.JSON200 == nil || batch.JSON200.Results[0].Found {
			t.Fatalf("b batch-looks up a's contact: %s", batch.Body)
		}
		// And a is untouched.
		if r := must(a.GetContactWithResponse(ctx, juan.Id)); r.JSON200 == nil || !r.JSON200.Notes.IsNull() || r.JSON200.Phone != juan.Phone ||
			r.JSON200.ContactListName != list.Name {
			t.Fatalf("a's contact changed: %s", r.Body)
		}
		if r := must(a.GetContactListWithResponse(ctx, list.Id)); r.JSON200 == nil || r.JSON200.Name != list.Name {
			t.Fatalf("a's list changed: %s", r.Body)
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
				envelope(t, status, resp, http.StatusUnauthorized, gen.ErrorCodeUnauthorized)
				status, resp, _ = h.do(method, url, body, "X-API-Key", lacking[need])
				if e := envelope(t, status, resp, http.StatusForbidden, gen.ErrorCodeForbidden); e.Details["required"] != need {
					t.Fatalf("%s %s: 403 names %v, want %s", method, path, e.Details["required"], need)
				}
			}
		}
	})
}

// examplePath fills a spec path's parameters with well-formed values.
func examplePath(path string) string {
	r := strings.NewReplacer("{keyId}", "key_01JD8X3B0V6W8Q9M2N4P5R7T1Z", "{listId}", "1", "{contactId}", "1")
	path = r.Replace(path)
	if strings.HasPrefix(path, "/api/v1/contact-lookup") && !strings.HasSuffix(path, "/batch") {
		path += "?phone=5492235961983"
	}
	return path
}
