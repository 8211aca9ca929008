package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// awaitTimeout bounds how long a test waits for a condition before it fails; it is a bound on
// failure, not a measured speed.
const awaitTimeout = 30 * time.Second

// await polls cond until it holds, failing the test with what it says otherwise.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %s for %s", awaitTimeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newConnections is a client that opens a connection of its own for every request.
var newConnections = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func call(t *testing.T, method, url, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := newConnections.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func printedKey(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if store.LooksLikeAPIKey(line) {
			return line
		}
	}
	t.Fatalf("serve printed no key:\n%s", out)
	return ""
}

// TestServeDrainsThenStops follows a SIGTERM: while draining, /readyz is 503 and everything
// else, on new connections too, is served (on PostgreSQL, revokes announced by other processes
// are still heard); then the listener closes (new connections are refused) and a request in
// flight at that moment still completes; serve returns once the revocation listener has stopped.
func TestServeDrainsThenStops(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) { testDrainThenStop(t, b) })
	}
}

func testDrainThenStop(t *testing.T, b storetest.Backend) {
	e := backendEnv(t, b)
	e["LISTEN_ADDR"] = "127.0.0.1:0"
	e["DRAIN_PERIOD"] = "1h" // the test ends the drain itself
	e["LOG_LEVEL"] = "info"
	drainOver := make(chan time.Time)
	srv := startServeWith(t, e, serveHooks{drainOver: drainOver, credentialTTL: time.Hour})
	key := printedKey(t, srv.out.String())
	base := "http://" + srv.addr
	if code, body := call(t, "GET", base+"/readyz", ""); code != http.StatusOK {
		t.Fatalf("readyz before the signal: %d %s", code, body)
	}

	stopped := make(chan int, 1)
	go func() { stopped <- srv.stop() }() // SIGTERM
	var readyz string
	await(t, "/readyz to answer 503", func() bool {
		code, body := call(t, "GET", base+"/readyz", "")
		readyz = body
		return code == http.StatusServiceUnavailable
	})
	if !strings.Contains(readyz, `"code":"unavailable"`) || !strings.Contains(readyz, "draining") {
		t.Errorf("readyz while draining: %s", readyz)
	}
	if code, body := call(t, "GET", base+"/healthz", ""); code != http.StatusOK {
		t.Errorf("healthz while draining: %d %s", code, body)
	}
	// Each call is a new connection: opened during the drain, and served.
	if code, body := call(t, "GET", base+"/api/v1/me", key); code != http.StatusOK || !strings.Contains(body, `"name":"default"`) {
		t.Errorf("me while draining: %d %s", code, body)
	}
	if b == storetest.Postgres {
		revokeElsewhereWhileDraining(t, e, base)
	}

	// A request in flight when the listener closes: its headers are in (the server asked for
	// the body with 100 Continue), its body is not yet.
	inFlight, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer inFlight.Close()
	body := `{"name":"sent while stopping"}`
	fmt.Fprintf(inFlight, "POST /api/v1/contact-lists HTTP/1.1\r\nHost: wagate\r\nX-API-Key: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", key, len(body))
	replies := textproto.NewReader(bufio.NewReader(inFlight))
	if line, err := replies.ReadLine(); err != nil || line != "HTTP/1.1 100 Continue" {
		t.Fatalf("in-flight request: got %q, %v; want 100 Continue", line, err)
	}
	if _, err := replies.ReadMIMEHeader(); err != nil {
		t.Fatal(err)
	}

	close(drainOver)
	// A probe caught in the backlog as the listener closes is reset; the next is refused.
	await(t, "the listener to refuse new connections", func() bool {
		c, err := net.Dial("tcp", srv.addr)
		if err == nil {
			c.Close()
		}
		return errors.Is(err, syscall.ECONNREFUSED)
	})
	select {
	case code := <-stopped:
		t.Fatalf("serve returned %d with a request in flight", code)
	default:
	}

	if _, err := io.WriteString(inFlight, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(replies.R, inFlight)), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(answer), "sent while stopping") {
		t.Errorf("the request in flight: %d %s", resp.StatusCode, answer)
	}
	if code := <-stopped; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if n := revocationWatchers(); n != 0 {
		t.Errorf("serve returned with %d revocation listeners still running", n)
	}
	logs := srv.logs.String()
	phases := []string{"draining", "closing the listener", "stopped"}
	if b == storetest.Postgres {
		phases = append(phases, "listening for API key revocations")
	}
	for _, phase := range phases {
		if !strings.Contains(logs, phase) {
			t.Errorf("no %q in the logs:\n%s", phase, logs)
		}
	}
}

// revokeElsewhereWhileDraining revokes, through a store of its own (another process), a key the
// draining server has cached, and waits for the server to refuse it: it trusts its cache for
// an hour, so only the announcement can explain the refusal.
func revokeElsewhereWhileDraining(t *testing.T, e env, base string) {
	t.Helper()
	ctx := context.Background()
	other := storetest.OpenURL(t, e["DATABASE_URL"], "")
	org, err := other.OrganizationByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	key, secret, err := other.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: "revoked while draining", Capabilities: store.Capabilities{store.Read}})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := call(t, "GET", base+"/api/v1/me", secret); code != http.StatusOK {
		t.Fatalf("a new key while draining: %d %s", code, body)
	}
	if err := other.RevokeAPIKey(ctx, org.ID, key.ID); err != nil {
		t.Fatal(err)
	}
	await(t, "the draining server to refuse a key revoked by another process", func() bool {
		code, _ := call(t, "GET", base+"/api/v1/me", secret)
		return code == http.StatusUnauthorized
	})
}

// revocationWatchers counts the goroutines listening for revocations.
func revocationWatchers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "store.(*Store).WatchRevocations(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestServeWithoutDrain: DRAIN_PERIOD=0 closes the listener at once on SIGTERM.
func TestServeWithoutDrain(t *testing.T) {
	e := backendEnv(t, storetest.SQLite)
	e["LISTEN_ADDR"] = "127.0.0.1:0"
	e["DRAIN_PERIOD"] = "0"
	srv := startServeWith(t, e, serveHooks{drainOver: make(chan time.Time)}) // never over
	stopped := make(chan int, 1)
	go func() { stopped <- srv.stop() }()
	select {
	case code := <-stopped:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(awaitTimeout):
		t.Fatal("serve drained although DRAIN_PERIOD is 0")
	}
	if _, err := net.Dial("tcp", srv.addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after stopping, a new connection got %v; want connection refused", err)
	}
}
