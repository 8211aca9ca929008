package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
)

func newList(t *testing.T, c *client.ClientWithResponses, name string) client.ContactList {
	t.Helper()
	r := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: name}))
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
		meta := client.Metadata(`{"crmId": "A-1029", "score": 12345678901234567, "nested": {"ok": true}}`)
		created := must(c.CreateContactWithResponse(ctx, client.NewContact{
			ContactListId: list.Id, Phone: "+54 223 15-596-1983",
			FullName: client.Value("Juan Perez"), FirstName: client.Value("Juan"),
			Email: client.Value(client.Email("juan@ejemplo.com")), Tags: &tags,
			LastCallStatus: client.Value("no_answer"), LastCallAt: client.Value(lastCall),
			LastCallDuration: client.Value(int32(95)), Metadata: &meta,
			Notes: client.Null[string](), // null on create: no value
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
		dup := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id, Phone: "54223155961983"}))
		e := wantError(t, dup.StatusCode(), dup.Body, http.StatusConflict, client.ErrorCodeConflict)
		if e.Details["contactId"] != float64(juan.Id) {
			t.Fatalf("conflict details = %v", e.Details)
		}
		// In another list it is fine: a person may be in several lists.
		if r := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: other.Id, Phone: "54223155961983"})); r.JSON201 == nil {
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
		into := must(c.UpdateContactWithResponse(ctx, juan.Id, client.ContactPatch{ContactListId: &twin.JSON200.Id}))
		wantError(t, into.StatusCode(), into.Body, http.StatusConflict, client.ErrorCodeConflict)
		// A national spelling under another region.
		mx := "MX"
		moved := must(c.UpdateContactWithResponse(ctx, juan.Id, client.ContactPatch{Phone: ptr("55 1234 5678"), CountryCode: &mx}))
		if moved.JSON200 == nil || moved.JSON200.Phone != "+525512345678" || moved.JSON200.CountryCode != "MX" {
			t.Fatalf("patch phone under MX: %d %s", moved.StatusCode(), moved.Body)
		}

		if r := must(c.DeleteContactWithResponse(ctx, juan.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode(), r.Body)
		}
		gone := must(c.GetContactWithResponse(ctx, juan.Id))
		wantError(t, gone.StatusCode(), gone.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		again := must(c.DeleteContactWithResponse(ctx, juan.Id))
		wantError(t, again.StatusCode(), again.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		patchGone := must(c.UpdateContactWithResponse(ctx, juan.Id, client.ContactPatch{}))
		wantError(t, patchGone.StatusCode(), patchGone.Body, http.StatusNotFound, client.ErrorCodeNotFound)
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
			e := wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
			if fields, _ := e.Details["fields"].([]any); len(fields) == 0 {
				t.Fatalf("%s: no field details: %s", name, r.Body)
			}
		}
		r415 := must(c.CreateContactWithBodyWithResponse(ctx, "text/plain", strings.NewReader("5492235961983")))
		wantError(t, r415.StatusCode(), r415.Body, http.StatusUnsupportedMediaType, client.ErrorCodeUnsupportedMediaType)
		// A list of another organization, or none at all, is not found.
		missing := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id + 1000, Phone: "5492235961983"}))
		wantError(t, missing.StatusCode(), missing.Body, http.StatusNotFound, client.ErrorCodeNotFound)

		// Nothing above was written.
		r := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: "5492235961983"}))
		if r.JSON200 == nil || r.JSON200.Found {
			t.Fatalf("a refused contact was written: %s", r.Body)
		}

		created := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id, Phone: "5492235961983"}))
		cid := created.JSON201.Id
		for name, body := range map[string]string{
			"country without phone": `{"countryCode": "MX"}`,
			"null phone":            `{"phone": null}`,
			"null tags":             `{"tags": null}`,
			"null list":             `{"contactListId": null}`,
			"unknown field":         `{"nickname": "J"}`,
			"bad phone":             `{"phone": "abc"}`,
		} {
			t.Run(name, func(t *testing.T) {
				r := must(c.UpdateContactWithBodyWithResponse(ctx, cid, "application/json", strings.NewReader(body)))
				wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
			})
		}
		refusesBadIDs(t, h, "/api/v1/contacts/")
	})
}

func nullableString(s string) nullable.Nullable[string] { return client.Value(s) }

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
			envelope(t, status, resp, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
	}
}

// TestConcurrentRequests writes and reads from many clients at once. SQLite has one writer:
// writers must wait for each other (busy timeout, immediate transactions), never fail. And
// concurrent PATCHes of different fields of one contact must all land.
func TestConcurrentRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := newList(t, c, "l")
		shared := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id, Phone: "+5492235961983"})).JSON201
		const workers = 16
		var wg sync.WaitGroup
		failures := make(chan string, workers*4)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				phone := fmt.Sprintf("+549115%07d", i)
				if r, err := c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id, Phone: phone}); err != nil {
					failures <- fmt.Sprintf("create %s: %v", phone, err)
				} else if r.StatusCode() != http.StatusCreated {
					failures <- fmt.Sprintf("create %s: %d %s", phone, r.StatusCode(), r.Body)
				}
				var patch client.ContactPatch
				switch i % 3 {
				case 0:
					patch.Notes = client.Value(fmt.Sprint(i))
				case 1:
					patch.Status = client.Value(fmt.Sprint(i))
				case 2:
					patch.Category = client.Value(fmt.Sprint(i))
				}
				if r, err := c.UpdateContactWithResponse(ctx, shared.Id, patch); err != nil {
					failures <- fmt.Sprintf("patch %d: %v", i, err)
				} else if r.StatusCode() != http.StatusOK {
					failures <- fmt.Sprintf("patch %d: %d %s", i, r.StatusCode(), r.Body)
				}
				if r, err := c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: phone}); err != nil {
					failures <- fmt.Sprintf("lookup %s: %v", phone, err)
				} else if r.JSON200 == nil || !r.JSON200.Found {
					failures <- fmt.Sprintf("lookup %s: %d %s", phone, r.StatusCode(), r.Body)
				}
			}()
		}
		wg.Wait()
		close(failures)
		for f := range failures {
			t.Error(f)
		}
		got := must(c.GetContactWithResponse(ctx, shared.Id)).JSON200
		if got.Notes.IsNull() || got.Status.IsNull() || got.Category.IsNull() {
			t.Fatalf("a concurrent patch was lost: notes %v status %v category %v", got.Notes, got.Status, got.Category)
		}
	})
}

// TestEveryWritableFieldRoundTrips creates a contact with every field a caller sends, each set
// from the declaration to a value of its own, reads it back, patches every one of them to
// another value and reads it back again. A field that the create or the patch handler does not
// map, or that the answer does not carry, comes back with the wrong value.
func TestEveryWritableFieldRoundTrips(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		lists := []int64{newList(t, c, "Primera").Id, newList(t, c, "Segunda").Id}
		// National spellings read under a region that is not the organization's (AR): without
		// the countryCode hint they would be refused or read as another number.
		phones := []struct{ sent, region, e164 string }{
			{"55 1234 5678", "MX", "+525512345678"},
			{"(11) 91234-5678", "BR", "+5511912345678"},
		}
		var id int64
		for round := range 2 {
			body, want := map[string]any{}, map[string]any{}
			for i, f := range store.ContactFieldList {
				if !f.Sent() {
					continue
				}
				sent, back := sampleValue(f, round, i, lists, phones[round].sent, phones[round].region, phones[round].e164)
				body[f.JSON], want[f.JSON] = sent, back
			}
			method, path, status := http.MethodPost, "/api/v1/contacts", http.StatusCreated
			if round > 0 {
				method, path, status = http.MethodPatch, fmt.Sprintf("/api/v1/contacts/%d", id), http.StatusOK
			}
			got := contactBody(t, h, method, path, body, status)
			id = int64(got["id"].(float64))
			read := contactBody(t, h, http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", id), nil, http.StatusOK)
			for name, w := range want {
				for what, answer := range map[string]map[string]any{method: got, "GET": read} {
					if !reflect.DeepEqual(answer[name], w) {
						t.Errorf("round %d: %s answers %s = %#v, want %#v", round, what, name, answer[name], w)
					}
				}
			}
		}
	})
}

// sampleValue is a value for field f that no other field or round gets, as sent and as the
// answer carries it (decoded from JSON).
func sampleValue(f store.ContactField, round, i int, lists []int64, phone, region, e164 string) (sent, back any) {
	tag := fmt.Sprintf("%s-%d", f.JSON, round)
	switch f.Type {
	case store.FieldInt64: // the only caller-written integer is the contact's list
		return lists[round], float64(lists[round])
	case store.FieldInt32:
		n := 100*round + i
		return n, float64(n)
	case store.FieldEmail:
		s := strings.ToLower(tag) + "@example.com"
		return s, s
	case store.FieldPhone:
		return phone, e164
	case store.FieldRegion: // a hint: the answer carries the number's region, here the same
		return region, region
	case store.FieldTime:
		s := time.Date(2025, 3, 1+round, 10, i, 0, 0, time.UTC).Format(time.RFC3339)
		return s, s
	case store.FieldTags:
		return []string{tag, tag + "-b"}, []any{tag, tag + "-b"}
	case store.FieldObject:
		return map[string]any{"field": tag}, map[string]any{"field": tag}
	}
	return tag, tag
}

// contactBody sends body and returns the contact answered, failing unless the status is want.
func contactBody(t *testing.T, h *harness, method, path string, body map[string]any, want int) map[string]any {
	t.Helper()
	var raw string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(b)
	}
	status, answer, _ := h.do(method, path, raw, "X-API-Key", h.admin)
	if status != want {
		t.Fatalf("%s %s %s: %d %s", method, path, raw, status, answer)
	}
	var out map[string]any
	if err := json.Unmarshal(answer, &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, answer)
	}
	return out
}
