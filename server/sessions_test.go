package server_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// newSession creates a session through the API.
func newSession(t *testing.T, c *client.ClientWithResponses, name string) client.Session {
	t.Helper()
	r := must(c.CreateSessionWithResponse(ctx, client.NewSession{Name: name}))
	if r.JSON201 == nil {
		t.Fatalf("create session %q: %d %s", name, r.StatusCode(), r.Body)
	}
	return *r.JSON201
}

// waitStatus polls the session until it has status want, for at most ten seconds (the
// manager records events on goroutines of its own), and returns it.
func waitStatus(t *testing.T, c *client.ClientWithResponses, id string, want client.SessionStatus) client.Session {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := must(c.GetSessionWithResponse(ctx, id))
		if r.JSON200 == nil {
			t.Fatalf("get session: %d %s", r.StatusCode(), r.Body)
		}
		if r.JSON200.Status == want {
			return *r.JSON200
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s is %s (%s), still not %s", id, r.JSON200.Status, r.JSON200.Reason, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// connected creates a session and connects it with the default client, which logs in.
func connected(t *testing.T, h *harness, name string) client.Session {
	t.Helper()
	c := h.client(h.admin)
	s := newSession(t, c, name)
	if r := must(c.ConnectSessionWithResponse(ctx, s.Id)); r.JSON200 == nil {
		t.Fatalf("connect: %d %s", r.StatusCode(), r.Body)
	}
	return waitStatus(t, c, s.Id, client.SessionStatusConnected)
}

// pairingSession creates a session and connects it with a client that waits to be paired,
// showing the QR code code; it returns the session and its client.
func pairingSession(t *testing.T, h *harness, name, code string) (client.Session, *whatsapptest.Client) {
	t.Helper()
	c := h.client(h.admin)
	s := newSession(t, c, name)
	h.wa.set(h.wa.pairing)
	defer h.wa.set(h.wa.loggedIn)
	made := h.wa.count()
	if r := must(c.ConnectSessionWithResponse(ctx, s.Id)); r.JSON200 == nil || r.JSON200.Status != client.SessionStatusConnecting {
		t.Fatalf("connect: %d %s", r.StatusCode(), r.Body)
	}
	wa := h.wa.connecting(t, made)
	wa.ShowQR(code)
	waitStatus(t, c, s.Id, client.SessionStatusPairing)
	if !wa.EmitCode(code, time.Minute) {
		t.Fatal("the manager opened no QR channel")
	}
	// The code shows once the manager's QR follower took it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := must(c.GetSessionQRWithResponse(ctx, s.Id, nil))
		if r.JSON200 != nil && r.JSON200.Code == code {
			return s, wa
		}
		if time.Now().After(deadline) {
			t.Fatalf("no QR code %q: %d %s", code, r.StatusCode(), r.Body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSessionLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "ventas")
		if s.Status != client.SessionStatusDisconnected || s.Reason == "" || !s.Phone.IsNull() || !s.DeviceJid.IsNull() || s.Reconnect != nil ||
			!strings.HasPrefix(s.Id, "sess_") {
			t.Fatalf("new session %+v", s)
		}
		r := must(c.CreateSessionWithResponse(ctx, client.NewSession{Name: "ventas"}))
		wantError(t, r.StatusCode(), r.Body, http.StatusConflict, client.ErrorCodeConflict)
		for _, body := range []string{`{"name":""}`, `{}`, `{"name":"x","extra":1}`, `{"name":"` + strings.Repeat("x", 101) + `"}`, `{"name":"   "}`} {
			status, resp, _ := h.do("POST", "/api/v1/sessions", body, "X-API-Key", h.admin)
			envelope(t, status, resp, http.StatusBadRequest, client.ErrorCodeValidationError)
		}

		// Listed in creation order, a page at a time.
		second := newSession(t, c, "soporte")
		limit := int32(1)
		p1 := must(c.ListSessionsWithResponse(ctx, &client.ListSessionsParams{Limit: &limit}))
		if p1.JSON200 == nil || len(p1.JSON200.Items) != 1 || p1.JSON200.Items[0].Id != s.Id || p1.JSON200.NextCursor == "" {
			t.Fatalf("first page: %d %s", p1.StatusCode(), p1.Body)
		}
		p2 := must(c.ListSessionsWithResponse(ctx, &client.ListSessionsParams{Limit: &limit, Cursor: &p1.JSON200.NextCursor}))
		if p2.JSON200 == nil || len(p2.JSON200.Items) != 1 || p2.JSON200.Items[0].Id != second.Id || p2.JSON200.NextCursor != "" {
			t.Fatalf("second page: %d %s", p2.StatusCode(), p2.Body)
		}
		bad := "x" + p1.JSON200.NextCursor
		r3 := must(c.ListSessionsWithResponse(ctx, &client.ListSessionsParams{Cursor: &bad}))
		wantError(t, r3.StatusCode(), r3.Body, http.StatusBadRequest, client.ErrorCodeValidationError)

		// Connect answers at once, connecting; the client logs in in the background.
		con := must(c.ConnectSessionWithResponse(ctx, s.Id))
		if con.JSON200 == nil || con.JSON200.Status != client.SessionStatusConnecting {
			t.Fatalf("connect: %d %s", con.StatusCode(), con.Body)
		}
		got := waitStatus(t, c, s.Id, client.SessionStatusConnected)
		if got.Reason == "" || got.Reconnect != nil || !got.StatusChangedAt.After(s.StatusChangedAt.Add(-time.Nanosecond)) {
			t.Fatalf("connected session %+v", got)
		}
		again := must(c.ConnectSessionWithResponse(ctx, s.Id))
		wantError(t, again.StatusCode(), again.Body, http.StatusConflict, client.ErrorCodeConflict)

		// Disconnect keeps the session; twice is the same answer.
		for range 2 {
			d := must(c.DisconnectSessionWithResponse(ctx, s.Id))
			if d.JSON200 == nil || d.JSON200.Status != client.SessionStatusDisconnected {
				t.Fatalf("disconnect: %d %s", d.StatusCode(), d.Body)
			}
		}
		// Never paired: nothing to log out.
		lo := must(c.LogoutSessionWithResponse(ctx, s.Id))
		wantError(t, lo.StatusCode(), lo.Body, http.StatusConflict, client.ErrorCodeConflict)

		del := must(c.DeleteSessionWithResponse(ctx, s.Id))
		if del.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %d %s", del.StatusCode(), del.Body)
		}
		gone := must(c.GetSessionWithResponse(ctx, s.Id))
		wantError(t, gone.StatusCode(), gone.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		del = must(c.DeleteSessionWithResponse(ctx, s.Id))
		wantError(t, del.StatusCode(), del.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		if l := must(c.ListSessionsWithResponse(ctx, nil)).JSON200; len(l.Items) != 1 || l.Items[0].Id != second.Id {
			t.Fatalf("after delete, list %+v", l.Items)
		}

		// Malformed ids are a 400 naming sessionId, on every operation of a session.
		for _, op := range []struct{ method, path, body string }{
			{"GET", "/api/v1/sessions/sess_x", ""},
			{"DELETE", "/api/v1/sessions/sess_01HZX3B0V6W8Q9M2N4P5R7T1YU", ""}, // U is not in Crockford's base 32
			{"POST", "/api/v1/sessions/1/connect", ""},
			{"POST", "/api/v1/sessions/sess_/disconnect", ""},
			{"POST", "/api/v1/sessions/SESS_01HZX3B0V6W8Q9M2N4P5R7T1Y0/logout", ""},
			{"GET", "/api/v1/sessions/sess_x/qr", ""},
			{"POST", "/api/v1/sessions/sess_x/pairing-code", `{"phone":"+5492235961983"}`},
			{"GET", "/api/v1/sessions/sess_x/contacts/check?phone=5492235961983", ""},
			{"POST", "/api/v1/sessions/sess_x/contacts/check", `{"phones":["5492235961983"]}`},
			{"GET", "/api/v1/sessions/sess_x/contacts/5492235961983/about", ""},
		} {
			status, body, _ := h.do(op.method, op.path, op.body, "X-API-Key", h.admin)
			if f := fieldsAtFault(t, envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)); f[0] != "sessionId" {
				t.Fatalf("%s %s: fields %v", op.method, op.path, f)
			}
		}
	})
}

// TestConcurrentConnects: two connects of one session at once start one client; the other
// is told the session already runs.
func TestConcurrentConnects(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "ventas")
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = must(c.ConnectSessionWithResponse(ctx, s.Id)).StatusCode()
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, st := range statuses {
			switch st {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				conflicts++
			}
		}
		if ok != 1 || conflicts != len(statuses)-1 {
			t.Fatalf("statuses %v: want one 200 and the rest 409", statuses)
		}
		waitStatus(t, c, s.Id, client.SessionStatusConnected)
		if made := h.wa.count(); made != 1 || h.wa.last().Calls("ConnectContext") != 1 {
			t.Fatalf("%d clients made, the last connected %d times; want one client connected once", made, h.wa.last().Calls("ConnectContext"))
		}
	})
}

// TestPairing: a session shows its QR code as JSON and as a PNG while pairing, gives a
// pairing code for an international phone, and, once paired, has neither; logout unpairs it.
func TestPairing(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		idle := newSession(t, c, "idle")
		r := must(c.GetSessionQRWithResponse(ctx, idle.Id, nil))
		wantError(t, r.StatusCode(), r.Body, http.StatusConflict, client.ErrorCodeConflict)
		pc := must(c.RequestPairingCodeWithResponse(ctx, idle.Id, client.PairingCodeRequest{Phone: "+5492235961983"}))
		wantError(t, pc.StatusCode(), pc.Body, http.StatusConflict, client.ErrorCodeConflict)

		const code = "2@ABCdef123==,key1=,key2=,key3="
		s, wa := pairingSession(t, h, "ventas", code)
		qr := must(c.GetSessionQRWithResponse(ctx, s.Id, &client.GetSessionQRParams{Format: ptr(client.GetSessionQRParamsFormatJson)}))
		if qr.JSON200 == nil || qr.JSON200.Code != code || !qr.JSON200.ExpiresAt.After(time.Now()) {
			t.Fatalf("QR as JSON: %d %s", qr.StatusCode(), qr.Body)
		}
		img := must(c.GetSessionQRWithResponse(ctx, s.Id, &client.GetSessionQRParams{Format: ptr(client.GetSessionQRParamsFormatPng)}))
		if img.StatusCode() != http.StatusOK || img.HTTPResponse.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("QR as PNG: %d %s", img.StatusCode(), img.HTTPResponse.Header.Get("Content-Type"))
		}
		decoded, err := png.Decode(bytes.NewReader(img.Body))
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		if b := decoded.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
			t.Fatalf("the PNG is %dx%d, want 256x256", b.Dx(), b.Dy())
		}
		typed := must(h.api(h.admin).GetSessionQRPNG(ctx, s.Id))
		if !bytes.Equal(typed, img.Body) {
			t.Fatal("the typed client's PNG is not the server's")
		}
		_, err = h.api(h.admin).GetSessionQRPNG(ctx, idle.Id)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
			t.Fatalf("the typed client's PNG of a session not pairing: %v", err)
		}
		status, body, _ := h.do("GET", "/api/v1/sessions/"+s.Id+"/qr?format=svg", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)

		// Pairing codes: for an international phone only; WhatsApp's failures by kind.
		for _, bad := range []string{"0223 15-596-1983", "abc", "+1", ""} {
			status, body, _ := h.do("POST", "/api/v1/sessions/"+s.Id+"/pairing-code", `{"phone":"`+bad+`"}`, "X-API-Key", h.admin)
			if f := fieldsAtFault(t, envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)); f[0] != "/phone" {
				t.Fatalf("%q: fields %v", bad, f)
			}
		}
		pair := func() *client.RequestPairingCodeResponse {
			return must(c.RequestPairingCodeWithResponse(ctx, s.Id, client.PairingCodeRequest{Phone: "+54 9 223 596-1983"}))
		}
		pc = pair() // WhatsApp was given no answer: whatsmeow's "not connected"
		wantError(t, pc.StatusCode(), pc.Body, http.StatusNotImplemented, client.ErrorCodeNotImplemented)
		h.wa.answerPairing(func(string) (string, error) { return "", whatsapptest.ErrRateOverLimit })
		pc = pair()
		wantError(t, pc.StatusCode(), pc.Body, http.StatusTooManyRequests, client.ErrorCodeRateLimited)
		if pc.HTTPResponse.Header.Get("Retry-After") == "" {
			t.Fatal("a 429 without Retry-After")
		}
		h.wa.answerPairing(func(string) (string, error) { return "", errors.New("server said bad-request") })
		pc = pair()
		wantError(t, pc.StatusCode(), pc.Body, http.StatusBadGateway, client.ErrorCodeBadGateway)
		asked := make(chan string, 1)
		h.wa.answerPairing(func(phone string) (string, error) { asked <- phone; return "ABCD-EFGH", nil })
		pc = pair()
		if pc.JSON200 == nil || pc.JSON200.Code != "ABCD-EFGH" || pc.JSON200.Phone != "+5492235961983" {
			t.Fatalf("pairing code: %d %s", pc.StatusCode(), pc.Body)
		}
		if phone := <-asked; phone != "+5492235961983" {
			t.Fatalf("WhatsApp was asked for a code for %q", phone)
		}

		// The phone scans: paired, then connected; no more codes.
		jid := wa.PairAndLogIn("5492235961983", 12)
		got := waitStatus(t, c, s.Id, client.SessionStatusConnected)
		if got.DeviceJid.MustGet() != jid || got.Phone.MustGet() != "+5492235961983" {
			t.Fatalf("paired session %+v", got)
		}
		r = must(c.GetSessionQRWithResponse(ctx, s.Id, nil))
		wantError(t, r.StatusCode(), r.Body, http.StatusConflict, client.ErrorCodeConflict)
		pc = pair()
		wantError(t, pc.StatusCode(), pc.Body, http.StatusConflict, client.ErrorCodeConflict)

		// Logout: unpaired, and stopped.
		lo := must(c.LogoutSessionWithResponse(ctx, s.Id))
		if lo.JSON200 == nil || lo.JSON200.Status != client.SessionStatusDisconnected || !lo.JSON200.DeviceJid.IsNull() || !lo.JSON200.Phone.IsNull() {
			t.Fatalf("logout: %d %s", lo.StatusCode(), lo.Body)
		}
		if wa.Calls("Logout") != 1 {
			t.Fatalf("WhatsApp was told %d times", wa.Calls("Logout"))
		}
	})
}

// TestSessionTenancy: another organization's session is a 404 on every operation of a
// session, as one that does not exist, and is left as it was.
func TestSessionTenancy(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.wa.has("", "+5492235961983")
		mine := connected(t, h, "ventas")
		rival := must(h.store.CreateOrganization(ctx, "rival", "AR"))
		b := h.client(h.newKey(rival.ID, "read", "write", "admin"))
		notFound := func(op string, status int, body []byte) {
			t.Helper()
			e := wantError(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)
			if strings.Contains(e.Message, "acme") || strings.Contains(e.Message, "ventas") {
				t.Fatalf("%s: the message tells of the other organization: %q", op, e.Message)
			}
		}
		id := mine.Id
		r1 := must(b.GetSessionWithResponse(ctx, id))
		notFound("get", r1.StatusCode(), r1.Body)
		r2 := must(b.ConnectSessionWithResponse(ctx, id))
		notFound("connect", r2.StatusCode(), r2.Body)
		r3 := must(b.DisconnectSessionWithResponse(ctx, id))
		notFound("disconnect", r3.StatusCode(), r3.Body)
		r4 := must(b.LogoutSessionWithResponse(ctx, id))
		notFound("logout", r4.StatusCode(), r4.Body)
		r5 := must(b.GetSessionQRWithResponse(ctx, id, nil))
		notFound("qr", r5.StatusCode(), r5.Body)
		r6 := must(b.RequestPairingCodeWithResponse(ctx, id, client.PairingCodeRequest{Phone: "+5492235961983"}))
		notFound("pairing code", r6.StatusCode(), r6.Body)
		r7 := must(b.CheckContactWithResponse(ctx, id, &client.CheckContactParams{Phone: "5492235961983"}))
		notFound("check", r7.StatusCode(), r7.Body)
		r8 := must(b.CheckContactsWithResponse(ctx, id, client.ContactCheckBatchRequest{Phones: []string{"5492235961983"}}))
		notFound("check many", r8.StatusCode(), r8.Body)
		r9 := must(b.CheckContactsWithResponse(ctx, id, client.ContactCheckBatchRequest{Phones: []string{"not a phone"}}))
		notFound("check many, none a phone", r9.StatusCode(), r9.Body)
		r10 := must(b.GetContactAboutWithResponse(ctx, id, "5492235961983"))
		notFound("about", r10.StatusCode(), r10.Body)
		r11 := must(b.DeleteSessionWithResponse(ctx, id))
		notFound("delete", r11.StatusCode(), r11.Body)
		if l := must(b.ListSessionsWithResponse(ctx, nil)).JSON200; len(l.Items) != 0 {
			t.Fatalf("rival lists %+v", l.Items)
		}

		// Untouched: still connected, still checks.
		a := h.client(h.admin)
		waitStatus(t, a, id, client.SessionStatusConnected)
		if r := must(a.CheckContactWithResponse(ctx, id, &client.CheckContactParams{Phone: "5492235961983"})); r.JSON200 == nil || !r.JSON200.IsOnWhatsApp {
			t.Fatalf("the owner's check: %d %s", r.StatusCode(), r.Body)
		}
	})
}

// TestConnectWithoutRoute: when WhatsApp cannot be dialled, connect still answers at once;
// the session then says why in words and when it retries; disconnect stops the retries.
func TestConnectWithoutRoute(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.wa.set(func(c *whatsapptest.Client) {
			c.Connect = func(context.Context) error {
				return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
			}
		})
		c := h.client(h.admin)
		s := newSession(t, c, "ventas")
		if r := must(c.ConnectSessionWithResponse(ctx, s.Id)); r.JSON200 == nil || r.JSON200.Status != client.SessionStatusConnecting {
			t.Fatalf("connect: %d %s", r.StatusCode(), r.Body)
		}
		deadline := time.Now().Add(10 * time.Second)
		var got client.Session
		for got.Reconnect == nil {
			if time.Now().After(deadline) {
				t.Fatalf("no retry shown: %+v", got)
			}
			time.Sleep(5 * time.Millisecond)
			got = *must(c.GetSessionWithResponse(ctx, s.Id)).JSON200
		}
		if got.Status != client.SessionStatusConnecting || got.Reconnect.Attempt != 1 || !got.Reconnect.NextRetryAt.After(got.StatusChangedAt) ||
			!strings.Contains(got.Reason, "no network route") {
			t.Fatalf("session without a route: %+v (reconnect %+v)", got, *got.Reconnect)
		}
		d := must(c.DisconnectSessionWithResponse(ctx, s.Id))
		if d.JSON200 == nil || d.JSON200.Status != client.SessionStatusDisconnected || d.JSON200.Reconnect != nil {
			t.Fatalf("disconnect: %d %s", d.StatusCode(), d.Body)
		}
	})
}

// TestSessionsLeaveNoGoroutines: sessions connected, pairing and retrying, then the server
// and its manager closed: every goroutine they started has ended.
func TestSessionsLeaveNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("run", func(t *testing.T) {
		h := newHarness(t, storetest.Open(t, storetest.SQLite))
		connected(t, h, "connected")
		pairingSession(t, h, "pairing", "2@leak")
		h.wa.set(func(c *whatsapptest.Client) {
			c.Connect = func(context.Context) error { return os.NewSyscallError("connect", syscall.ENETUNREACH) }
		})
		c := h.client(h.admin)
		s := newSession(t, c, "retrying")
		must(c.ConnectSessionWithResponse(ctx, s.Id))
	}) // its cleanups close the manager, the server and the database
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
