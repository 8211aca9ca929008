package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store/storetest"
)

// rawRequest sends head (the request line and headers, without the blank line) and body as
// they are, on a connection of its own, which the caller closes.
func rawRequest(t *testing.T, h *harness, head, body string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, head+"\r\nHost: wagate\r\n\r\n"+body); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readEnvelope reads one response from conn and checks it is the envelope with this status and
// code; it returns the envelope's message.
func readEnvelope(t *testing.T, conn net.Conn, wantStatus int, wantCode client.ErrorCode) string {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return envelope(t, resp.StatusCode, body, wantStatus, wantCode).Message
}

// waitForLog waits until the log holds want, and fails the test if it never does.
func waitForLog(t *testing.T, logs *storetest.Buffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(logs.String(), want) {
			return
		}
	}
	t.Fatalf("the log never said %q:\n%s", want, logs.String())
}

// noErrors fails the test if the log has an ERROR line.
func noErrors(t *testing.T, logs *storetest.Buffer) {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("a client's doing was logged as an error: %s", line)
		}
	}
}

const chunkedList = "POST /api/v1/contact-lists HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"

// TestUnreadableBody: a body that cannot be read is the client's fault, a 400 once the
// credentials pass, and a 401 without them, since credentials are checked before the body is
// touched. Go's client cannot send such bodies, so these go over a raw connection.
func TestUnreadableBody(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		// No credentials: 401, whatever the body.
		conn := rawRequest(t, h, chunkedList, "zz\r\n")
		readEnvelope(t, conn, http.StatusUnauthorized, client.ErrorCodeUnauthorized)
		// A key without write: 403, still without reading the body.
		conn = rawRequest(t, h, chunkedList+"\r\nX-API-Key: "+h.newKey(h.org.ID, "read"), "zz\r\n")
		readEnvelope(t, conn, http.StatusForbidden, client.ErrorCodeForbidden)
		// Credentials: a malformed chunk size is a 400 that says the body could not be read.
		conn = rawRequest(t, h, chunkedList+"\r\nX-API-Key: "+h.admin, "zz\r\n")
		if msg := readEnvelope(t, conn, http.StatusBadRequest, client.ErrorCodeValidationError); !strings.Contains(msg, "could not be read") {
			t.Fatalf("message %q does not say the body could not be read", msg)
		}
		noErrors(t, h.logs)
	})
}

// TestClientHangsUpMidBody: a client that closes its side of the connection before its body is
// complete gets (if it still listens) a 400, and the log says the client disconnected, at
// INFO: nothing on the server failed.
func TestClientHangsUpMidBody(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		for name, head := range map[string]string{
			"content-length": "POST /api/v1/contact-lists HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-API-Key: " + h.admin,
			"chunked":        chunkedList + "\r\nX-API-Key: " + h.admin,
		} {
			h.logs.Reset()
			body := `{"name":`
			if name == "chunked" {
				body = "8\r\n" + body + "\r\n"
			}
			conn := rawRequest(t, h, head, body)
			conn.(*net.TCPConn).CloseWrite()
			if msg := readEnvelope(t, conn, http.StatusBadRequest, client.ErrorCodeValidationError); !strings.Contains(msg, "ended before it was complete") {
				t.Fatalf("%s: message %q", name, msg)
			}
			waitForLog(t, h.logs, `msg="client disconnected" method=POST path=/api/v1/contact-lists status=400`)
			if !strings.Contains(h.logs.String(), "level=INFO") {
				t.Fatalf("%s: the disconnect is not logged at INFO:\n%s", name, h.logs.String())
			}
			noErrors(t, h.logs)

			// Gone for good: the same, with nobody to read the answer.
			h.logs.Reset()
			rawRequest(t, h, head, body).Close()
			waitForLog(t, h.logs, `msg="client disconnected"`)
			noErrors(t, h.logs)
		}
	})
}

// TestClientResetsMidBody: a client that resets its connection while the server reads its
// body is a disconnect too. Expect: 100-continue makes the moment observable: net/http sends
// "100 Continue" when the body is first read, after authentication.
func TestClientResetsMidBody(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		conn := rawRequest(t, h, "POST /api/v1/contact-lists HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\nX-API-Key: "+h.admin, "")
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || !strings.Contains(line, "100 Continue") {
			t.Fatalf("read %q, %v; want 100 Continue", line, err)
		}
		io.WriteString(conn, `{"name":`)
		conn.(*net.TCPConn).SetLinger(0) // Close sends a reset
		conn.Close()
		waitForLog(t, h.logs, `msg="client disconnected" method=POST path=/api/v1/contact-lists status=400`)
		if !strings.Contains(h.logs.String(), "connection reset by peer") {
			t.Errorf("the log does not name the reset:\n%s", h.logs.String())
		}
		noErrors(t, h.logs)
	})
}

// TestClientHangsUpWhileHandled: a client that goes away while its request waits on something
// slow (here the identity provider's keys, which the test holds back until it has gone) is a
// disconnect in the log, not a failure.
func TestClientHangsUpWhileHandled(t *testing.T) {
	idp := newIdentityProvider(t)
	reached, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(reached)
		<-release
		http.Error(w, "too late", http.StatusServiceUnavailable)
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handler returns, Close can finish
	h := newHarness(t, storetest.Open(t, storetest.SQLite), withLogins(verifierFor(t, slow.URL)))
	token := idp.token(t, idp.claims(h.org.ID, "admin", nil))
	conn := rawRequest(t, h, "GET /api/v1/me HTTP/1.1\r\nAuthorization: Bearer "+token, "")
	<-reached
	conn.Close()
	waitForLog(t, h.logs, `msg="client disconnected" method=GET path=/api/v1/me status=503`)
	noErrors(t, h.logs)
}
