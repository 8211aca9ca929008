package server_test

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
)

// bodyTemplates is, for each operation of the spec that takes a body (by its operationId in
// lower case: the embedded spec capitalises them), a body it accepts with
// "%s" where a string value goes on. The test fails for an operation missing here, so a new
// one gets its bad bodies checked too.
func bodyTemplates(listID, contactID int64) map[string][2]string { // operationId: path, body
	return map[string][2]string{
		"createapikey":        {"/api/v1/api-keys", `{"name": "key%s", "capabilities": ["read"]}`},
		"createcontactlist":   {"/api/v1/contact-lists", `{"name": "list%s"}`},
		"updatecontactlist":   {fmt.Sprintf("/api/v1/contact-lists/%d", listID), `{"name": "renamed%s"}`},
		"createcontact":       {"/api/v1/contacts", fmt.Sprintf(`{"contactListId": %d, "phone": "5491155554444", "notes": "n%%s"}`, listID)},
		"updatecontact":       {fmt.Sprintf("/api/v1/contacts/%d", contactID), `{"notes": "changed%s"}`},
		"lookupcontactsbatch": {"/api/v1/contact-lookup/batch", `{"phones": ["5492235961983%s"]}`},
		"querycontacts":       {"/api/v1/contacts/query", `{"q": "juan%s"}`},
		"createsession":       {"/api/v1/sessions", `{"name": "session%s"}`},
		"requestpairingcode":  {"/api/v1/sessions/sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0/pairing-code", `{"phone": "+5492235961983%s"}`},
		"checkcontacts":       {"/api/v1/sessions/sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0/contacts/check", `{"phones": ["5492235961983%s"]}`},
	}
}

// TestBodyIsOneUTF8JSONValue walks every operation that takes a body: a body the validator
// would read as something else than what was sent is refused, before anything is written.
func TestBodyIsOneUTF8JSONValue(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: "base"})).JSON201
		contact := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id, Phone: "5492235961983"})).JSON201
		templates := bodyTemplates(list.Id, contact.Id)

		badText := map[string]string{
			"a byte that starts no character":    "\xff",
			"a character cut short":              "\xc3",
			"a surrogate encoded as UTF-8":       "\xed\xa0\x80",
			"an overlong encoding":               "\xc0\xaf",
			"a lone high surrogate escape":       `\ud800`,
			"a lone low surrogate escape":        `\udc00`,
			"a high surrogate, then no low":      `\ud800\u0041`,
			"a high surrogate at a string's end": `\uDBFF`,
			"two high surrogates":                `\ud800\ud800\udc00`,
		}
		trailing := map[string]string{
			"garbage":        " garbage",
			"a second value": " {}",
			"a comma":        ",",
			"a NUL":          "\x00",
		}
		mediaTypes := []string{
			"text/plain",
			"application/x-www-form-urlencoded",
			"application/json; charset=utf-16",
			"application/json; charset=UTF-16LE",
			"application/json; charset=iso-8859-1",
			"application/json; charset=",
			"json",
			"application/",
		}

		doc, _ := loadSpec(t)
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if op.RequestBody == nil {
					continue
				}
				if streamed, _ := op.Extensions["x-streamed-body"].(bool); streamed {
					continue // the import reads its body as it arrives: TestImportBodies
				}
				tmpl, ok := templates[strings.ToLower(op.OperationID)]
				if !ok {
					t.Fatalf("%s %s takes a body: add it to bodyTemplates", method, path)
				}
				url, body := tmpl[0], tmpl[1]
				for name, text := range badText {
					status, resp, header := h.do(method, url, fmt.Sprintf(body, text), "X-API-Key", h.admin)
					wantBodyRefused(t, op.OperationID+": "+name, status, resp, header)
				}
				for name, tail := range trailing {
					status, resp, header := h.do(method, url, fmt.Sprintf(body, "")+tail, "X-API-Key", h.admin)
					e := wantBodyRefused(t, op.OperationID+": "+name+" after the value", status, resp, header)
					if !strings.Contains(e.Message, "after the JSON value") {
						t.Errorf("%s: %s after the value: message %q", op.OperationID, name, e.Message)
					}
				}
				for _, mt := range mediaTypes {
					status, resp, header := h.do(method, url, fmt.Sprintf(body, ""), "X-API-Key", h.admin, "Content-Type", mt)
					if status != http.StatusUnsupportedMediaType {
						t.Fatalf("%s as %s: %d %s, want 415", op.OperationID, mt, status, resp)
					}
					e := envelope(t, status, resp, http.StatusUnsupportedMediaType, client.ErrorCodeUnsupportedMediaType)
					if fmt.Sprint(e.Details["supported"]) != "[application/json]" {
						t.Errorf("%s: %s: 415 details %v", op.OperationID, mt, e.Details)
					}
					wantAPIHeaders(t, op.OperationID+" "+mt, header)
				}
				// A body without a Content-Type: the generated client always sends one.
				req := must(http.NewRequest(method, h.url+url, strings.NewReader(fmt.Sprintf(body, ""))))
				req.Header.Set("X-API-Key", h.admin)
				resp := must(h.http.Do(req))
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				envelope(t, resp.StatusCode, b, http.StatusUnsupportedMediaType, client.ErrorCodeUnsupportedMediaType)
			}
		}

		// Nothing above was written.
		lists := must(c.ListContactListsWithResponse(ctx, nil)).JSON200
		if len(lists.Items) != 1 || lists.Items[0].Name != "base" {
			t.Fatalf("a refused body changed the lists: %+v", lists.Items)
		}
		if got := must(c.GetContactWithResponse(ctx, contact.Id)).JSON200; !got.Notes.IsNull() {
			t.Fatalf("a refused body changed the contact: %+v", got)
		}
		if r := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: "5491155554444"})).JSON200; r.Found {
			t.Fatal("a refused body created a contact")
		}
		if sessions := must(c.ListSessionsWithResponse(ctx, nil)).JSON200; len(sessions.Items) != 0 {
			t.Fatalf("a refused body created a session: %+v", sessions.Items)
		}
		if keys := must(c.ListApiKeysWithResponse(ctx, nil)).JSON200; len(keys.Items) != 1 {
			t.Fatalf("a refused body created an API key: %d keys", len(keys.Items))
		}

		// What is one JSON value in UTF-8 passes, in any spelling of its media type.
		accepted := map[string][2]string{ // name sent: Content-Type, name stored
			`"white space after" ` + "\r\n\t ": {"application/json", "white space after"},
			`"pair \ud83d\ude00"`:              {"application/json; charset=UTF-8", "pair 😀"},
			`"raw 😀"`:                          {`application/json;charset="utf-8"`, "raw 😀"},
			`"upper case"`:                     {"Application/JSON", "upper case"},
		}
		for sent, want := range accepted {
			r := must(c.CreateContactListWithBodyWithResponse(ctx, want[0], strings.NewReader(`{"name": `+sent+`}`)))
			if r.JSON201 == nil || r.JSON201.Name != want[1] {
				t.Fatalf("%s as %s: %d %s", sent, want[0], r.StatusCode(), r.Body)
			}
		}
	})
}

// TestBodyLimitComesFirst: a body over the limit is a 413 whatever else is wrong with it.
func TestBodyLimitComesFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		big := `{"name": "` + strings.Repeat("\xff", 3000) + `"} garbage`
		req := must(http.NewRequest("POST", h.url+"/api/v1/contact-lists", io.MultiReader(strings.NewReader(big))))
		req.ContentLength = -1 // streamed: refused while reading, not by its declared length
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", h.admin)
		resp := must(h.http.Do(req))
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		envelope(t, resp.StatusCode, b, http.StatusRequestEntityTooLarge, client.ErrorCodePayloadTooLarge)
	}, withMaxBody(1024))
}

// wantBodyRefused checks a 400 about the request body as a whole.
func wantBodyRefused(t *testing.T, what string, status int, body []byte, header http.Header) client.ErrorBody {
	t.Helper()
	if status != http.StatusBadRequest {
		t.Fatalf("%s: %d %s, want 400", what, status, body)
	}
	e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
	fields, _ := e.Details["fields"].([]any)
	if len(fields) != 1 || fields[0].(map[string]any)["field"] != "" || fields[0].(map[string]any)["in"] != "body" {
		t.Errorf("%s: fields %v, want one about the body", what, fields)
	}
	wantAPIHeaders(t, what, header)
	return e
}

// wantField checks a 400 that names this parameter among its fields.
func wantField(t *testing.T, what string, status int, body []byte, field, in string) {
	t.Helper()
	e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
	fields, _ := e.Details["fields"].([]any)
	var named []string
	for _, f := range fields {
		m, _ := f.(map[string]any)
		if m["field"] == field && m["in"] == in {
			return
		}
		named = append(named, fmt.Sprintf("%v %v", m["in"], m["field"]))
	}
	sort.Strings(named)
	t.Errorf("%s: the 400 names %v, not %s %s: %s", what, named, in, field, e.Message)
}

// wantAPIHeaders checks the headers every answer under /api/ carries.
func wantAPIHeaders(t *testing.T, what string, header http.Header) {
	t.Helper()
	if got := header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, got)
	}
	if got := header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
}
