package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/wagate/wagate/gen"
)

func newList(t *testing.T, c *gen.ClientWithResponses, name string) gen.ContactList {
	t.Helper()
	r := must(c.CreateContactListWithResponse(ctx, gen.NewContactList{Name: name}))
	if r.JSON201 == nil {
		t.Fatalf("create list %q: %d %s", name, r.StatusCode(), r.Body)
	}
	return *r.JSON201
}

func TestContactLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list, other := newList(t, c, "Lista Principal"), newList(t, c, "Otra")
		lastCall := time.Date(2025, 3, 28, 14, 0, 0, 0, time.UTC)
		tags := []string{"lead", "webinar", "lead"}
		meta := gen.Metadata(`{"crmId": "A-1029", "score": 12345678901234567, "nested": {"ok": true}}`)
		created := must(c.CreateContactWithResponse(ctx, gen.NewContact{
			ContactListId: list.Id, Phone: "+54 223 15-596-1983",
			FullName: nullable.NewNullableWithValue("Juan Perez"), FirstName: nullable.NewNullableWithValue("Juan"),
			Email: nullable.NewNullableWithValue(gen.Email("juan@ejemplo.com")), Tags: &tags,
			LastCallStatus: nullable.NewNullableWithValue("no_answer"), LastCallAt: nullable.NewNullableWithValue(lastCall),
			LastCallDuration: nullable.NewNullableWithValue(int32(95)), Metadata: &meta,
			Notes: nullable.NewNullNullable[string](), // null on create: no value
		}))
		if created.JSON201 == nil {
			t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
		}
		juan := *created.JSON201
		if juan.Phone != "+5492235961983" || juan.CountryCode != "AR" || !reflect.DeepEqual(juan.Tags, []string{"lead", "webinar"}) ||
			juan.LastCallDuration.MustGet() != 95 || !juan.LastCallAt.MustGet().Equal(lastCall) || !juan.Notes.IsNull() {
			t.Fatalf("created = %s", created.Body)
		}
		if !strings.Contains(string(created.Body), `"score":12345678901234567`) {
			t.Fatalf("metadata lost digits: %s", created.Body)
		}

		got := must(c.GetContactWithResponse(ctx, juan.Id))
		if got.JSON200 == nil || !reflect.DeepEqual(got.Body, created.Body) {
			t.Fatalf("get differs from create:\n%s\n%s", got.Body, created.Body)
		}

		// The same number in another spelling, in the same list: 409 naming the contact.
		dup := must(c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: list.Id, Phone: "54223155961983"}))
		e := wantError(t, dup.StatusCode(), dup.Body, http.StatusConflict, gen.ErrorCodeConflict)
		if e.Details["contactId"] != float64(juan.Id) {
			t.Fatalf("conflict details = %v", e.Details)
		}
		// In another list it is fine: a person may be in several lists.
		if r := must(c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: other.Id, Phone: "54223155961983"})); r.JSON201 == nil {
			t.Fatalf("same phone in another list: %d %s", r.StatusCode(), r.Body)
		}

		// PATCH changes only what is sent; null clears.
		patched := must(c.UpdateContactWithBodyWithResponse(ctx, juan.Id, "application/json",
			strings.NewReader(`{"email":null,"status":"hot","lastCallStatus":"answered"}`)))
		if patched.JSON200 == nil {
			t.Fatalf("patch: %d %s", patched.StatusCode(), patched.Body)
		}
		p := patched.JSON200
		if !p.Email.IsNull() || p.Status.MustGet() != "hot" || p.LastCallStatus.MustGet() != "answered" ||
			p.FullName.MustGet() != "Juan Perez" || !reflect.DeepEqual(p.Tags, juan.Tags) || !strings.Contains(string(p.Metadata), `"crmId":"A-1029"`) ||
			p.Phone != juan.Phone || p.ContactListId != list.Id || p.UpdatedAt.Before(juan.UpdatedAt) {
			t.Fatalf("after patch = %s", patched.Body)
		}
		// An empty patch changes nothing.
		if same := must(c.UpdateContactWithBodyWithResponse(ctx, juan.Id, "application/json", strings.NewReader(`{}`))); same.JSON200 == nil || same.JSON200.Status.MustGet() != "hot" {
			t.Fatalf("empty patch: %d %s", same.StatusCode(), same.Body)
		}
		// Moving into a list that holds the phone already is a conflict naming that contact.
		twin := must(c.GetContactListWithResponse(ctx, other.Id))
		into := must(c.UpdateContactWithResponse(ctx, juan.Id, gen.ContactPatch{ContactListId: &twin.JSON200.Id}))
		wantError(t, into.StatusCode(), into.Body, http.StatusConflict, gen.ErrorCodeConflict)
		// A national spelling under another region.
		mx := "MX"
		moved := must(c.UpdateContactWithResponse(ctx, juan.Id, gen.ContactPatch{Phone: ptr("55 1234 5678"), CountryCode: &mx}))
		if moved.JSON200 == nil || moved.JSON200.Phone != "+525512345678" || moved.JSON200.CountryCode != "MX" {
			t.Fatalf("patch phone under MX: %d %s", moved.StatusCode(), moved.Body)
		}

		if r := must(c.DeleteContactWithResponse(ctx, juan.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode(), r.Body)
		}
		gone := must(c.GetContactWithResponse(ctx, juan.Id))
		wantError(t, gone.StatusCode(), gone.Body, http.StatusNotFound, gen.ErrorCodeNotFound)
		again := must(c.DeleteContactWithResponse(ctx, juan.Id))
		wantError(t, again.StatusCode(), again.Body, http.StatusNotFound, gen.ErrorCodeNotFound)
		patchGone := must(c.UpdateContactWithResponse(ctx, juan.Id, gen.ContactPatch{}))
		wantError(t, patchGone.StatusCode(), patchGone.Body, http.StatusNotFound, gen.ErrorCodeNotFound)
	})
}

func ptr[T any](v T) *T { return &v }

// TestContactBadInput sends what a careless or hostile client sends; each is a 400 in the
// envelope with field details, and nothing is written.
func TestContactBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := newList(t, c, "l")
		id := func(s string) string { return strings.ReplaceAll(s, "LIST", string(must(json.Marshal(list.Id)))) }
		cases := map[string]string{
			"invalid JSON":        `{"contactListId": LIST, "phone": "5492235961983"`,
			"not an object":       `["5492235961983"]`,
			"missing phone":       `{"contactListId": LIST}`,
			"missing list":        `{"phone": "5492235961983"}`,
			"unknown field":       `{"contactListId": LIST, "phone": "5492235961983", "nickname": "J"}`,
			"case-folded field":   `{"contactListId": LIST, "phone": "5492235961983", "FullName": "x"}`,
			"list as string":      `{"contactListId": "LIST", "phone": "5492235961983"}`,
			"list zero":           `{"contactListId": 0, "phone": "5492235961983"}`,
			"phone as number":     `{"contactListId": LIST, "phone": 5492235961983}`,
			"letters":             `{"contactListId": LIST, "phone": "call me"}`,
			"too short":           `{"contactListId": LIST, "phone": "12"}`,
			"unknown country":     `{"contactListId": LIST, "phone": "+999 123 4567"}`,
			"phone too long":      `{"contactListId": LIST, "phone": "` + strings.Repeat("1", 65) + `"}`,
			"bad email":           `{"contactListId": LIST, "phone": "5492235961983", "email": "juan at ejemplo"}`,
			"display-name email":  `{"contactListId": LIST, "phone": "5492235961983", "email": "Juan <juan@ejemplo.com>"}`,
			"tags not strings":    `{"contactListId": LIST, "phone": "5492235961983", "tags": [1]}`,
			"empty tag":           `{"contactListId": LIST, "phone": "5492235961983", "tags": [""]}`,
			"negative duration":   `{"contactListId": LIST, "phone": "5492235961983", "lastCallDuration": -1}`,
			"bad date":            `{"contactListId": LIST, "phone": "5492235961983", "lastCallAt": "yesterday"}`,
			"metadata not object": `{"contactListId": LIST, "phone": "5492235961983", "metadata": [1]}`,
			"empty name":          `{"contactListId": LIST, "phone": "5492235961983", "fullName": ""}`,
			"bad region":          `{"contactListId": LIST, "phone": "2235961983", "countryCode": "ARG"}`,
			"unknown region":      `{"contactListId": LIST, "phone": "2235961983", "countryCode": "ZZ"}`,
		}
		for name, body := range cases {
			r := must(c.CreateContactWithBodyWithResponse(ctx, "application/json", strings.NewReader(id(body))))
			e := wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
			if fields, _ := e.Details["fields"].([]any); len(fields) == 0 {
				t.Fatalf("%s: no field details: %s", name, r.Body)
			}
		}
		r415 := must(c.CreateContactWithBodyWithResponse(ctx, "text/plain", strings.NewReader("5492235961983")))
		wantError(t, r415.StatusCode(), r415.Body, http.StatusUnsupportedMediaType, gen.ErrorCodeUnsupportedMediaType)
		// A list of another organization, or none at all, is not found.
		missing := must(c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: list.Id + 1000, Phone: "5492235961983"}))
		wantError(t, missing.StatusCode(), missing.Body, http.StatusNotFound, gen.ErrorCodeNotFound)

		// Nothing above was written.
		r := must(c.LookupContactWithResponse(ctx, &gen.LookupContactParams{Phone: "5492235961983"}))
		if r.JSON200 == nil || r.JSON200.Found {
			t.Fatalf("a refused contact was written: %s", r.Body)
		}

		created := must(c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: list.Id, Phone: "5492235961983"}))
		cid := created.JSON201.Id
		for name, body := range map[string]string{
			"country without phone": `{"countryCode": "MX"}`,
			"null phone":            `{"phone": null}`,
			"null tags":             `{"tags": null}`,
			"null list":             `{"contactListId": null}`,
			"unknown field":         `{"nickname": "J"}`,
			"bad phone":             `{"phone": "abc"}`,
		} {
			r := must(c.UpdateContactWithBodyWithResponse(ctx, cid, "application/json", strings.NewReader(body)))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
			_ = name
		}
		refusesBadIDs(t, h, "/api/v1/contacts/")
	})
}

func TestContactLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		first := newList(t, c, "Lista Principal")
		dup := must(c.CreateContactListWithResponse(ctx, gen.NewContactList{Name: "Lista Principal"}))
		wantError(t, dup.StatusCode(), dup.Body, http.StatusConflict, gen.ErrorCodeConflict)

		desc := "webinar"
		upd := must(c.UpdateContactListWithResponse(ctx, first.Id, gen.ContactListPatch{Description: nullable.NewNullableWithValue(desc)}))
		if upd.JSON200 == nil || upd.JSON200.Name != "Lista Principal" || upd.JSON200.Description.MustGet() != desc {
			t.Fatalf("patch description: %d %s", upd.StatusCode(), upd.Body)
		}
		cleared := must(c.UpdateContactListWithBodyWithResponse(ctx, first.Id, "application/json", strings.NewReader(`{"description":null}`)))
		if cleared.JSON200 == nil || !cleared.JSON200.Description.IsNull() {
			t.Fatalf("clear description: %d %s", cleared.StatusCode(), cleared.Body)
		}
		second := newList(t, c, "Second")
		taken := must(c.UpdateContactListWithResponse(ctx, second.Id, gen.ContactListPatch{Name: ptr("Lista Principal")}))
		wantError(t, taken.StatusCode(), taken.Body, http.StatusConflict, gen.ErrorCodeConflict)
		for _, body := range []string{`{"name":""}`, `{"name":null}`, `{"name":"` + strings.Repeat("x", 201) + `"}`, `{"color":"red"}`} {
			r := must(c.UpdateContactListWithBodyWithResponse(ctx, second.Id, "application/json", strings.NewReader(body)))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		}
		for _, body := range []string{`{}`, `{"name":""}`, `{"name":"x","extra":1}`} {
			r := must(c.CreateContactListWithBodyWithResponse(ctx, "application/json", strings.NewReader(body)))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		}
		got := must(c.GetContactListWithResponse(ctx, second.Id))
		if got.JSON200 == nil || got.JSON200.Name != "Second" {
			t.Fatalf("get: %d %s", got.StatusCode(), got.Body)
		}

		// Deleting a list deletes its contacts.
		contact := must(c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: second.Id, Phone: "5492235961983"}))
		if r := must(c.DeleteContactListWithResponse(ctx, second.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode(), r.Body)
		}
		for _, r := range []interface {
			StatusCode() int
		}{must(c.GetContactListWithResponse(ctx, second.Id)), must(c.GetContactWithResponse(ctx, contact.JSON201.Id)),
			must(c.DeleteContactListWithResponse(ctx, second.Id)), must(c.UpdateContactListWithResponse(ctx, second.Id, gen.ContactListPatch{}))} {
			if r.StatusCode() != http.StatusNotFound {
				t.Fatalf("after delete: %d", r.StatusCode())
			}
		}
		refusesBadIDs(t, h, "/api/v1/contact-lists/")
	})
}

func TestPagingIsStableAndTamperChecked(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		var want []int64
		for i := range 7 {
			want = append(want, newList(t, c, "list "+string(rune('a'+i))).Id)
		}
		var got []int64
		var cursor *string
		limit := int32(3)
		for pages := 0; ; pages++ {
			r := must(c.ListContactListsWithResponse(ctx, &gen.ListContactListsParams{Limit: &limit, Cursor: cursor}))
			if r.JSON200 == nil {
				t.Fatalf("page: %d %s", r.StatusCode(), r.Body)
			}
			for _, l := range r.JSON200.Items {
				got = append(got, l.Id)
			}
			if pages == 0 {
				// Rows inserted while paging land after the ones already listed.
				want = append(want, newList(t, c, "late").Id)
			}
			if r.JSON200.NextCursor == "" {
				break
			}
			cursor = &r.JSON200.NextCursor
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}

		first := must(c.ListContactListsWithResponse(ctx, &gen.ListContactListsParams{Limit: &limit}))
		next := first.JSON200.NextCursor
		otherOrg := must(h.store.CreateOrganization(ctx, "other", "AR"))
		otherClient := h.client(h.newKey(otherOrg.ID, "read", "admin"))
		h.newKey(h.org.ID, "read") // a second key, so that the keys listing has a next page
		keysPage := must(c.ListApiKeysWithResponse(ctx, &gen.ListApiKeysParams{Limit: ptr(int32(1))}))
		for name, bad := range map[string]string{
			"garbage":         "nope",
			"flipped payload": flip(next, 0),
			"flipped mac":     flip(next, len(next)-5),
			"padding bits":    flip(next, len(next)-1),
			"no mac":          strings.Split(next, ".")[0],
			"other listing":   keysPage.JSON200.NextCursor,
			"too long":        strings.Repeat("a", 600),
		} {
			r := must(c.ListContactListsWithResponse(ctx, &gen.ListContactListsParams{Cursor: &bad}))
			if r.StatusCode() != http.StatusBadRequest {
				t.Fatalf("%s cursor %q: %d %s", name, bad, r.StatusCode(), r.Body)
			}
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		}
		// A cursor of one organization is refused by another.
		r := must(otherClient.ListContactListsWithResponse(ctx, &gen.ListContactListsParams{Cursor: &next}))
		wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		for _, q := range []string{"limit=0", "limit=201", "limit=x", "limit=-1"} {
			status, body, _ := h.do("GET", "/api/v1/contact-lists?"+q, "", "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusBadRequest, gen.ErrorCodeValidationError)
			status, body, _ = h.do("GET", "/api/v1/api-keys?"+q, "", "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		}
	})
}

func nullableString(s string) nullable.Nullable[string] { return nullable.NewNullableWithValue(s) }

// flip changes the character at i of s to another base64url character.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == c {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// refusesBadIDs checks that GET, PATCH and DELETE of base+id answer 400 for ids that are not
// positive 64-bit integers.
func refusesBadIDs(t *testing.T, h *harness, base string) {
	t.Helper()
	for _, id := range []string{"abc", "0", "-4", "1.5", "99999999999999999999"} {
		for _, method := range []string{"GET", "PATCH", "DELETE"} {
			body := ""
			if method == "PATCH" {
				body = `{}`
			}
			status, resp, _ := h.do(method, base+id, body, "X-API-Key", h.admin)
			envelope(t, status, resp, http.StatusBadRequest, gen.ErrorCodeValidationError)
		}
	}
}

// TestInputBothDatabasesCannotKeep: values one database would store and the other refuse,
// or that JSON could not carry back, are 400s, and nothing is written.
func TestInputBothDatabasesCannotKeep(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := newList(t, c, "l")
		id := string(must(json.Marshal(list.Id)))
		for path, body := range map[string]string{
			"/api/v1/contacts#far lastCallAt":   `{"contactListId": ` + id + `, "phone": "5492235961983", "lastCallAt": "9999-12-31T23:59:59-12:00"}`,
			"/api/v1/contacts#year 0":           `{"contactListId": ` + id + `, "phone": "5492235961983", "lastCallAt": "0000-06-01T00:00:00Z"}`,
			"/api/v1/api-keys#far expiresAt":    `{"name": "far", "capabilities": ["read"], "expiresAt": "9999-12-31T23:59:59-12:00"}`,
			"/api/v1/contact-lists#NUL in name": `{"name": "a\u0000b"}`,
			"/api/v1/contacts#NUL in metadata":  `{"contactListId": ` + id + `, "phone": "5492235961983", "metadata": {"k": ["x\u0000"]}}`,
			"/api/v1/contacts#NUL in a key":     `{"contactListId": ` + id + `, "phone": "5492235961983", "metadata": {"\u0000": 1}}`,
			"/api/v1/contacts#NUL in a tag":     `{"contactListId": ` + id + `, "phone": "5492235961983", "tags": ["\u0000"]}`,
		} {
			path, _, _ = strings.Cut(path, "#")
			status, resp, _ := h.do("POST", path, body, "X-API-Key", h.admin)
			envelope(t, status, resp, http.StatusBadRequest, gen.ErrorCodeValidationError)
		}
		for _, path := range []string{"/api/v1/contact-lookup/?phone=5492235961983", "/api/v1/api-keys", "/api/v1/contact-lists"} {
			if status, resp, _ := h.do("GET", path, "", "X-API-Key", h.admin); status != http.StatusOK || strings.Contains(string(resp), `"found":true`) {
				t.Fatalf("GET %s after refused input: %d %s", path, status, resp)
			}
		}
	})
}

// TestNumbersJSONSchemaAcceptsAndGoDoesNot: 1.0 and 2^63 are integers to JSON Schema but not
// int64s; the generated decoder refuses them, and the answer still names the field.
func TestNumbersJSONSchemaAcceptsAndGoDoesNot(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, id := range []string{"1.0", "9223372036854775808"} {
			status, body, _ := h.do("POST", "/api/v1/contacts", `{"contactListId": `+id+`, "phone": "5492235961983"}`, "X-API-Key", h.admin)
			e := envelope(t, status, body, http.StatusBadRequest, gen.ErrorCodeValidationError)
			if !strings.Contains(string(body), `"field":"/contactListId"`) {
				t.Fatalf("contactListId %s: %s", id, body)
			}
			_ = e
		}
		status, body, _ := h.do("GET", "/api/v1/contact-lookup/?phone=5492235961983&phone=1", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		if !strings.Contains(string(body), `"field":"phone"`) {
			t.Fatalf("two phones: %s", body)
		}
		// A store rule names its field too: a list name of spaces only.
		status, body, _ = h.do("POST", "/api/v1/contact-lists", `{"name": "   "}`, "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, gen.ErrorCodeValidationError)
		if !strings.Contains(string(body), `"field":"/name"`) {
			t.Fatalf("blank name: %s", body)
		}
		status, body, _ = h.do("POST", "/api/v1/contacts", `{"contactListId": 1,`, "X-API-Key", h.admin)
		if e := envelope(t, status, body, http.StatusBadRequest, gen.ErrorCodeValidationError); e.Message != "request body: is not valid JSON" {
			t.Fatalf("broken JSON message = %q", e.Message)
		}
	})
}
