package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// juanSpellings are the README's five spellings of one number, plus Argentina's national form.
var juanSpellings = []string{
	"+5492235961983",
	"5492235961983",
	"+54223155961983",
	"54223155961983",
	"+54 223 15-596-1983",
	"0223 15-596-1983",
}

// createJuan creates the README's Juan Perez in "Lista Principal" through the API.
func createJuan(t *testing.T, h *harness) client.Contact {
	t.Helper()
	c := h.client(h.admin)
	list := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: "Lista Principal"}))
	if list.JSON201 == nil {
		t.Fatalf("create list: %d %s", list.StatusCode(), list.Body)
	}
	created := must(c.CreateContactWithResponse(ctx, client.NewContact{
		ContactListId: list.JSON201.Id,
		Phone:         "5492235961983",
		FullName:      client.Value("Juan Perez"),
		Email:         client.Value(client.Email("juan@ejemplo.com")),
		Source:        client.Value("organic"),
	}))
	if created.JSON201 == nil {
		t.Fatalf("create contact: %d %s", created.StatusCode(), created.Body)
	}
	return *created.JSON201
}

func TestLookupEverySpelling(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		now := time.Date(2025, 3, 28, 15, 0, 0, 0, time.UTC)
		h.store.SetClock(func() time.Time { return now })
		juan := createJuan(t, h)
		n := must(phone.Parse("+5492235961983", "AR"))
		replied := time.Date(2025, 3, 28, 14, 22, 0, 0, time.UTC)
		if err := h.store.RecordInbound(ctx, h.org.ID, store.InboundMessage{SessionID: "sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0", From: n, At: replied, Direct: true}); err != nil {
			t.Fatal(err)
		}
		c := h.client(h.admin)
		for _, spelling := range juanSpellings {
			for _, slash := range []bool{true, false} {
				var status int
				var body []byte
				var got *client.ContactLookup
				if slash {
					r := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: spelling}))
					status, body, got = r.StatusCode(), r.Body, r.JSON200
				} else {
					r := must(c.LookupContactWithoutSlashWithResponse(ctx, &client.LookupContactWithoutSlashParams{Phone: spelling}))
					status, body, got = r.StatusCode(), r.Body, r.JSON200
				}
				if got == nil {
					t.Fatalf("%q (slash %v): %d %s", spelling, slash, status, body)
				}
				contact := got.Contact.MustGet()
				if !got.Found || contact.Id != juan.Id || contact.Phone != "+5492235961983" || contact.FullName.MustGet() != "Juan Perez" ||
					contact.Email.MustGet() != "juan@ejemplo.com" || contact.ContactListName != "Lista Principal" || contact.Source.MustGet() != "organic" {
					t.Fatalf("%q: contact = %+v", spelling, contact)
				}
				if !got.HasReplied || !got.LastReplyAt.MustGet().Equal(replied) || !got.SessionWindowActive ||
					!got.SessionExpiresAt.MustGet().Equal(replied.Add(24*time.Hour)) {
					t.Fatalf("%q: reply state = %s", spelling, body)
				}
			}
		}
		// The wire form: every field, nulls included, with RFC 3339 UTC timestamps.
		_, body, _ := h.do("GET", "/api/v1/contact-lookup/?phone=5492235961983", "", "X-API-Key", h.admin)
		for _, want := range []string{`"found":true`, `"hasReplied":true`, `"lastReplyAt":"2025-03-28T14:22:00Z"`,
			`"sessionWindowActive":true`, `"sessionExpiresAt":"2025-03-29T14:22:00Z"`, `"contactListName":"Lista Principal"`} {
			if !strings.Contains(string(body), want) {
				t.Fatalf("lookup body lacks %s: %s", want, body)
			}
		}
	})
}

func TestLookupNotFoundKeepsNullFields(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, path := range []string{"/api/v1/contact-lookup/", "/api/v1/contact-lookup"} {
			status, body, _ := h.do("GET", path+"?phone=%2B5491155554444", "", "X-API-Key", h.admin)
			if status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, status, body)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"found": "false", "contact": "null", "hasReplied": "false", "lastReplyAt": "null",
				"sessionWindowActive": "false", "sessionExpiresAt": "null"}
			if len(raw) != len(want) {
				t.Fatalf("%s: fields = %s", path, body)
			}
			for k, v := range want {
				if string(raw[k]) != v {
					t.Fatalf("%s: %s = %s, want %s (present, not omitted)", path, k, raw[k], v)
				}
			}
		}
	})
}

func TestLookupWindowAndSessionFilter(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		now := time.Date(2025, 3, 28, 15, 0, 0, 0, time.UTC)
		h.store.SetClock(func() time.Time { return now })
		createJuan(t, h)
		n := must(phone.Parse("+5492235961983", "AR"))
		// Real sessions of the organization: a sessionId that is not one is a 404.
		groupSession := must(h.store.CreateSession(ctx, h.org.ID, "grupos")).ID
		directSession := must(h.store.CreateSession(ctx, h.org.ID, "directos")).ID
		record := func(session string, at time.Time, direct bool) {
			if err := h.store.RecordInbound(ctx, h.org.ID, store.InboundMessage{SessionID: session, From: n, At: at, Direct: direct}); err != nil {
				t.Fatal(err)
			}
		}
		c := h.client(h.admin)
		lookup := func(session *string) client.ContactLookup {
			r := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: "+5492235961983", SessionId: session}))
			if r.JSON200 == nil {
				t.Fatalf("%d %s", r.StatusCode(), r.Body)
			}
			return client.ContactLookup(*r.JSON200)
		}
		if l := lookup(nil); l.HasReplied || l.SessionWindowActive || !l.LastReplyAt.IsNull() {
			t.Fatalf("before any message: %+v", l)
		}
		record(groupSession, now.Add(-time.Hour), false) // a group message: replied, no window
		if l := lookup(nil); !l.HasReplied || l.SessionWindowActive || !l.SessionExpiresAt.IsNull() {
			t.Fatalf("after a group message: %+v", l)
		}
		record(directSession, now.Add(-30*time.Hour), true) // a direct message, window long closed
		if l := lookup(nil); !l.HasReplied || l.SessionWindowActive {
			t.Fatalf("after an old direct message: %+v", l)
		}
		record(directSession, now.Add(-2*time.Hour), true)
		if l := lookup(nil); !l.SessionWindowActive || !l.SessionExpiresAt.MustGet().Equal(now.Add(22*time.Hour)) {
			t.Fatalf("after a recent direct message: %+v", l)
		}
		if l := lookup(&groupSession); !l.HasReplied || l.SessionWindowActive || !l.LastReplyAt.MustGet().Equal(now.Add(-time.Hour)) {
			t.Fatalf("narrowed to the group session: %+v", l)
		}
		other := must(h.store.CreateSession(ctx, h.org.ID, "callada")).ID
		if l := lookup(&other); l.HasReplied || l.SessionWindowActive {
			t.Fatalf("narrowed to a silent session: %+v", l)
		}
	})
}

func TestLookupBadPhones(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, q := range []string{"", "phone=", "phone=abc", "phone=12", "phone=" + url.QueryEscape("+999 1234567"),
			"phone=" + strings.Repeat("1", 65), "phone=5492235961983&sessionId=nope"} {
			for _, path := range []string{"/api/v1/contact-lookup/", "/api/v1/contact-lookup"} {
				status, body, _ := h.do("GET", path+"?"+q, "", "X-API-Key", h.admin)
				e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
				fields, _ := e.Details["fields"].([]any)
				if len(fields) == 0 || e.Message == "" {
					t.Fatalf("%s?%s: no field details: %s", path, q, body)
				}
			}
		}
	})
}

func TestBatchLookup(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		juan := createJuan(t, h)
		c := h.client(h.admin)
		phones := append([]string{"not a phone"}, juanSpellings...)
		phones = append(phones, "+5491155554444", "12")
		r := must(c.LookupContactsBatchWithResponse(ctx, client.BatchLookupRequest{Phones: phones}))
		if r.JSON200 == nil {
			t.Fatalf("%d %s", r.StatusCode(), r.Body)
		}
		res := r.JSON200.Results
		if len(res) != len(phones) {
			t.Fatalf("%d results for %d phones", len(res), len(phones))
		}
		for i, p := range phones {
			if res[i].Phone != p {
				t.Fatalf("result %d is for %q, want %q: results must keep input order", i, res[i].Phone, p)
			}
		}
		for _, i := range []int{0, len(phones) - 1} {
			if res[i].Found || res[i].Error.IsNull() || res[i].Error.MustGet().Code != client.ErrorCodeValidationError || !res[i].Contact.IsNull() {
				t.Fatalf("bad phone %q: %+v", phones[i], res[i])
			}
		}
		for i := 1; i <= len(juanSpellings); i++ {
			if !res[i].Found || res[i].Contact.MustGet().Id != juan.Id || !res[i].Error.IsNull() {
				t.Fatalf("spelling %q: %+v", phones[i], res[i])
			}
		}
		if stranger := res[len(phones)-2]; stranger.Found || !stranger.Error.IsNull() {
			t.Fatalf("unknown phone: %+v", stranger)
		}

		// The limits are the body's: empty, over 1000, not strings.
		many := make([]string, 1001)
		for i := range many {
			many[i] = fmt.Sprintf("+549115%07d", i)
		}
		for name, body := range map[string]string{
			"empty":     `{"phones":[]}`,
			"over 1000": `{"phones":` + string(must(json.Marshal(many))) + `}`,
			"numbers":   `{"phones":[5492235961983]}`,
			"missing":   `{}`,
			"unknown":   `{"phones":["1"],"extra":true}`,
		} {
			r := must(c.LookupContactsBatchWithBodyWithResponse(ctx, "application/json", strings.NewReader(body)))
			if r.StatusCode() != http.StatusBadRequest || r.JSON400.Error.Code != client.ErrorCodeValidationError {
				t.Fatalf("%s: %d %s", name, r.StatusCode(), r.Body)
			}
		}
		ok := must(c.LookupContactsBatchWithResponse(ctx, client.BatchLookupRequest{Phones: many[:1000]}))
		if ok.JSON200 == nil || len(ok.JSON200.Results) != 1000 {
			t.Fatalf("1000 phones: %d", ok.StatusCode())
		}
		for i, r := range ok.JSON200.Results {
			if r.Phone != many[i] || !r.Error.IsNull() {
				t.Fatalf("1000 phones, result %d: %+v", i, r)
			}
		}
	})
}
