package server_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/whatsapp"
)

// TestCheckContact: seed 001's check, answered by WhatsApp (here, the fake's directory)
// through a connected session: the three fields the seed names, the E.164 phone, the cache.
func TestCheckContact(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.wa.has("", "+5492235961983")
		s := connected(t, h, "ventas")
		c := h.client(h.admin)
		check := func(raw string) *client.CheckContactResponse {
			t.Helper()
			return must(c.CheckContactWithResponse(ctx, s.Id, &client.CheckContactParams{Phone: raw}))
		}
		first := check("+54 223 15-596-1983")
		r := first.JSON200
		if r == nil || !r.IsOnWhatsApp || r.Query != "+54 223 15-596-1983" || r.Phone != "+5492235961983" || r.Cached ||
			!strings.HasSuffix(r.Jid.MustGet(), "@s.whatsapp.net") || r.CheckedAt.IsZero() {
			t.Fatalf("check: %d %s", first.StatusCode(), first.Body)
		}
		// Seed 001's fields, named as it names them.
		for _, field := range []string{`"isOnWhatsApp":true`, `"jid":"`, `"query":"+54 223 15-596-1983"`} {
			if !strings.Contains(string(first.Body), field) {
				t.Fatalf("the answer lacks %s: %s", field, first.Body)
			}
		}
		// Answered when WhatsApp answered the first time (as the database keeps the time).
		again := check("5492235961983").JSON200
		if again == nil || !again.IsOnWhatsApp || !again.Cached || again.Query != "5492235961983" || again.CheckedAt.Sub(r.CheckedAt).Abs() > time.Millisecond {
			t.Fatalf("second check, from the cache: %+v", again)
		}
		no := check("+54 9 11 5555-4444")
		if no.JSON200 == nil || no.JSON200.IsOnWhatsApp || !no.JSON200.Jid.IsNull() || no.JSON200.Phone != "+5491155554444" {
			t.Fatalf("a number not on WhatsApp: %d %s", no.StatusCode(), no.Body)
		}

		// Not an international number: 400 naming phone.
		for _, raw := range []string{"abc", "0223 15-596-1983", "+1", strings.Repeat("9", 65)} {
			status, body, _ := h.do("GET", "/api/v1/sessions/"+s.Id+"/contacts/check?phone="+url.QueryEscape(raw), "", "X-API-Key", h.admin)
			if f := fieldsAtFault(t, envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)); f[0] != "phone" {
				t.Fatalf("%q: fields %v", raw, f)
			}
		}
		status, body, _ := h.do("GET", "/api/v1/sessions/"+s.Id+"/contacts/check", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
	})
}

// TestCheckContacts: a batch answers one slot per phone, in input order, each with its own
// status; a malformed phone is its slot's error, not the batch's.
func TestCheckContacts(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.wa.has("", "+5492235961983")
		s := connected(t, h, "ventas")
		c := h.client(h.admin)
		phones := []string{"5492235961983", "+54 9 11 5555-4444", "not a phone", "+54 223 15-596-1983", "0223 15-596-1983"}
		r := must(c.CheckContactsWithResponse(ctx, s.Id, client.ContactCheckBatchRequest{Phones: phones}))
		if r.JSON200 == nil || len(r.JSON200.Results) != len(phones) {
			t.Fatalf("batch: %d %s", r.StatusCode(), r.Body)
		}
		want := []client.ContactCheckStatus{client.ContactCheckStatusOnWhatsapp, client.ContactCheckStatusNotOnWhatsapp, client.ContactCheckStatusInvalid, client.ContactCheckStatusOnWhatsapp, client.ContactCheckStatusInvalid}
		for i, res := range r.JSON200.Results {
			if res.Query != phones[i] || res.Status != want[i] {
				t.Fatalf("slot %d: %+v, want query %q status %s", i, res, phones[i], want[i])
			}
			switch res.Status {
			case client.ContactCheckStatusInvalid:
				if res.IsOnWhatsApp != nil || !res.Phone.IsNull() || res.Error.MustGet().Code != client.ErrorCodeValidationError {
					t.Fatalf("slot %d, invalid: %s", i, r.Body)
				}
			default:
				if res.IsOnWhatsApp == nil || *res.IsOnWhatsApp != (res.Status == client.ContactCheckStatusOnWhatsapp) || !res.Error.IsNull() ||
					res.CheckedAt.IsNull() || res.Phone.IsNull() || res.Jid.IsNull() == (res.Status == client.ContactCheckStatusOnWhatsapp) {
					t.Fatalf("slot %d, answered: %s", i, r.Body)
				}
			}
		}

		// The body: 1 to 50 strings.
		many := make([]string, 51)
		for i := range many {
			many[i] = fmt.Sprintf("+549223596%04d", i)
		}
		for _, body := range []string{`{"phones":[]}`, `{"phones":` + jsonList(many) + `}`, `{"phones":"5492235961983"}`, `{"phones":[1]}`, `{}`} {
			status, resp, _ := h.do("POST", "/api/v1/sessions/"+s.Id+"/contacts/check", body, "X-API-Key", h.admin)
			envelope(t, status, resp, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		fifty := must(c.CheckContactsWithResponse(ctx, s.Id, client.ContactCheckBatchRequest{Phones: many[:50]}))
		if fifty.JSON200 == nil || len(fifty.JSON200.Results) != 50 {
			t.Fatalf("50 phones: %d %.300s", fifty.StatusCode(), fifty.Body)
		}
	})
}

func jsonList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// TestContactAbout: the about text, for a phone or a user JID; anything else is a 400.
func TestContactAbout(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.wa.has("Hey there! I am using WhatsApp.", "+5492235961983")
		s := connected(t, h, "ventas")
		c := h.client(h.admin)
		for _, p := range []string{"+5492235961983", "5492235961983", "5492235961983@s.whatsapp.net"} {
			r := must(c.GetContactAboutWithResponse(ctx, s.Id, p))
			if r.JSON200 == nil || r.JSON200.About != "Hey there! I am using WhatsApp." || r.JSON200.Phone != "+5492235961983" ||
				!strings.HasSuffix(r.JSON200.Jid, "@s.whatsapp.net") || r.JSON200.CheckedAt.IsZero() {
				t.Fatalf("about %s: %d %s", p, r.StatusCode(), r.Body)
			}
		}
		// A number without an account has no about: 404.
		r := must(c.GetContactAboutWithResponse(ctx, s.Id, "+5491155554444"))
		wantError(t, r.StatusCode(), r.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		for _, p := range []string{"abc", "0223155961983", "5492235961983:12@s.whatsapp.net", "120363025246125888@g.us", "@s.whatsapp.net", "54922a@s.whatsapp.net", "1@lid"} {
			status, body, _ := h.do("GET", "/api/v1/sessions/"+s.Id+"/contacts/"+url.PathEscape(p)+"/about", "", "X-API-Key", h.admin)
			if f := fieldsAtFault(t, envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)); f[0] != "phone" {
				t.Fatalf("%q: fields %v", p, f)
			}
		}
	})
}

// TestLiveLookupsNeedAConnectedSession: a session that is not connected cannot ask
// WhatsApp: 501, on every live lookup.
func TestLiveLookupsNeedAConnectedSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "idle")
		r1 := must(c.CheckContactWithResponse(ctx, s.Id, &client.CheckContactParams{Phone: "5492235961983"}))
		wantError(t, r1.StatusCode(), r1.Body, http.StatusNotImplemented, client.ErrorCodeNotImplemented)
		r2 := must(c.CheckContactsWithResponse(ctx, s.Id, client.ContactCheckBatchRequest{Phones: []string{"5492235961983"}}))
		wantError(t, r2.StatusCode(), r2.Body, http.StatusNotImplemented, client.ErrorCodeNotImplemented)
		r3 := must(c.GetContactAboutWithResponse(ctx, s.Id, "5492235961983"))
		wantError(t, r3.StatusCode(), r3.Body, http.StatusNotImplemented, client.ErrorCodeNotImplemented)
		// Unknown session: 404.
		other := "sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0"
		r4 := must(c.CheckContactWithResponse(ctx, other, &client.CheckContactParams{Phone: "5492235961983"}))
		wantError(t, r4.StatusCode(), r4.Body, http.StatusNotFound, client.ErrorCodeNotFound)
	})
}

// TestLiveLookupFailures: WhatsApp's own error is a 502, never "not on WhatsApp"; in a batch,
// the slots WhatsApp did not answer are unknown with the reason.
func TestLiveLookupFailures(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		s := connected(t, h, "ventas")
		c := h.client(h.admin)
		h.wa.failLookups(errors.New("server returned error 500"))
		r1 := must(c.CheckContactWithResponse(ctx, s.Id, &client.CheckContactParams{Phone: "5492235961983"}))
		wantError(t, r1.StatusCode(), r1.Body, http.StatusBadGateway, client.ErrorCodeBadGateway)
		r3 := must(c.GetContactAboutWithResponse(ctx, s.Id, "5492235961983"))
		wantError(t, r3.StatusCode(), r3.Body, http.StatusBadGateway, client.ErrorCodeBadGateway)
		// WhatsApp answered none of the numbers: its failure is the batch's answer.
		r2 := must(c.CheckContactsWithResponse(ctx, s.Id, client.ContactCheckBatchRequest{Phones: []string{"5492235961983", "x"}}))
		wantError(t, r2.StatusCode(), r2.Body, http.StatusBadGateway, client.ErrorCodeBadGateway)
	})
}

// TestLiveLookupRateLimit: past the session's limit a lookup is a 429 with Retry-After,
// before WhatsApp is asked.
func TestLiveLookupRateLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		s := connected(t, h, "ventas")
		c := h.client(h.admin)
		limited := func(status int, body []byte, header http.Header) {
			t.Helper()
			wantError(t, status, body, http.StatusTooManyRequests, client.ErrorCodeRateLimited)
			if secs, err := strconv.Atoi(header.Get("Retry-After")); err != nil || secs < 1 {
				t.Fatalf("Retry-After %q", header.Get("Retry-After"))
			}
		}
		// One token for two numbers: the first is asked, the second waits its turn.
		first := must(c.CheckContactsWithResponse(ctx, s.Id, client.ContactCheckBatchRequest{Phones: []string{"+5492235961983", "+5491155554443"}}))
		if first.JSON200 == nil {
			t.Fatalf("first batch: %d %s", first.StatusCode(), first.Body)
		}
		if res := first.JSON200.Results; res[0].Status != client.ContactCheckStatusNotOnWhatsapp || res[1].Status != client.ContactCheckStatusUnknown || res[1].IsOnWhatsApp != nil ||
			res[1].Error.MustGet().Code != client.ErrorCodeRateLimited || res[1].Error.MustGet().Details["retryAfter"].(float64) < 1 {
			t.Fatalf("first batch: %s", first.Body)
		}
		asked := h.wa.last().Calls("IsOnWhatsApp")
		r1 := must(c.CheckContactWithResponse(ctx, s.Id, &client.CheckContactParams{Phone: "+5491155554444"}))
		limited(r1.StatusCode(), r1.Body, r1.HTTPResponse.Header)
		// None of them can be asked: the batch's answer is the limit's.
		r2 := must(c.CheckContactsWithResponse(ctx, s.Id, client.ContactCheckBatchRequest{Phones: []string{"+5491155554445", "+5491155554446"}}))
		limited(r2.StatusCode(), r2.Body, r2.HTTPResponse.Header)
		r3 := must(c.GetContactAboutWithResponse(ctx, s.Id, "+5491155554447"))
		limited(r3.StatusCode(), r3.Body, r3.HTTPResponse.Header)
		if n := h.wa.last().Calls("IsOnWhatsApp"); n != asked {
			t.Fatalf("WhatsApp was asked %d more times past the limit", n-asked)
		}
		// A cached answer costs no token: still answered.
		if r := must(c.CheckContactWithResponse(ctx, s.Id, &client.CheckContactParams{Phone: "5492235961983"})); r.JSON200 == nil || !r.JSON200.Cached || r.JSON200.IsOnWhatsApp {
			t.Fatalf("cached check past the limit: %d %s", r.StatusCode(), r.Body)
		}
	}, withLookups(func(c *whatsapp.LookupConfig) { c.PerMinute, c.Burst, c.MaxWait = 0.01, 1, time.Millisecond }))
}
