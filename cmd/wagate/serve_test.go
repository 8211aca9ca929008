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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestServeRefusesBadSettingsBeforeTouchingTheDatabase: a first start that fails on its
// settings must not have created organization default and printed (and lost) its key.
func TestServeRefusesBadSettingsBeforeTouchingTheDatabase(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			for name, extra := range map[string]env{
				"port taken":  {"LISTEN_ADDR": busy.Addr().String()},
				"bad address": {"LISTEN_ADDR": "bogus"},
				"bad metrics": {"METRICS_ADDR": "bogus"},
				"http JWKS":   {"JWT_JWKS_URL": "http://login.example.com/jwks.json", "JWT_ISSUER": "https://x/", "JWT_AUDIENCE": "wagate"},
			} {
				e := backendEnv(t, b)
				for k, v := range extra {
					e[k] = v
				}
				code, out, errs := runCLI(t, e, "serve")
				if code != 1 || strings.Contains(out, "wgk_") {
					t.Fatalf("%s: exit %d, stdout %q, stderr %q", name, code, out, errs)
				}
				// The first start that works still prints the key.
				e["LISTEN_ADDR"] = "127.0.0.1:0"
				delete(e, "JWT_JWKS_URL")
				delete(e, "JWT_ISSUER")
				delete(e, "JWT_AUDIENCE")
				delete(e, "METRICS_ADDR")
				out2, _, stop := startServe(t, e)
				if stop() != 0 || !strings.Contains(out2(), "wgk_") {
					t.Fatalf("%s: the next good start printed no key:\n%s", name, out2())
				}
			}
		})
	}
}

// TestServeFirstStart runs `wagate serve` as a newcomer does: on an empty database it creates
// organization "default", prints one admin key on a line of its own, serves with it, and
// stops cleanly on cancellation (what SIGTERM does); a second start prints no key.
func TestServeFirstStart(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			e := backendEnv(t, b)
			e["LISTEN_ADDR"] = "127.0.0.1:0"
			out, addr, stop := startServe(t, e)
			key := printedKey(t, out()) // on a line of its own
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"default"`) || !strings.Contains(string(body), `"admin"`) {
				t.Fatalf("me with the printed key: %d %s", resp.StatusCode, body)
			}
			if code := stop(); code != 0 {
				t.Fatalf("serve exited %d after cancellation", code)
			}

			out, _, stop = startServe(t, e)
			if code := stop(); code != 0 || strings.Contains(out(), "wgk_") {
				t.Fatalf("second start: exit %d, printed a key again:\n%s", code, out())
			}
		})
	}
}

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
	if n := storetest.RevocationWatchers(); n != 0 {
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

// TestTwoFirstStartsOnOneSQLiteFile starts two servers at once on an empty data directory:
// exactly one serves, with the first-start key; the other exits non-zero at once, saying the
// file is in use, and prints no key; the database the first leaves is whole.
func TestTwoFirstStartsOnOneSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	a, b := startWagate(t, dir, "serve"), startWagate(t, dir, "serve")
	a.release()
	b.release()

	var winner, loser *process
	select {
	case <-a.exited:
		winner, loser = b, a
	case <-b.exited:
		winner, loser = a, b
	case <-time.After(watchdog):
		t.Fatalf("both serve after %s:\n%s\n%s", watchdog, a.stderr.String(), b.stderr.String())
	}
	if loser.code == 0 || strings.Contains(loser.stdout.String(), "wgk_") {
		t.Errorf("the second start exited %d with stdout %q; want non-zero and no key", loser.code, loser.stdout.String())
	}
	checkInUseMessage(t, loser.stderr.String(), dir)

	addr := winner.serving(t)
	var key string
	select {
	case key = <-winner.key:
	default: // the key is printed before serving starts, but stdout is its own pipe
		select {
		case key = <-winner.key:
		case <-winner.exited:
			t.Fatalf("the first start printed no key:\n%s", winner.stdout.String())
		case <-time.After(watchdog):
			t.Fatalf("the first start printed no key within %s:\n%s", watchdog, winner.stdout.String())
		}
	}
	if code, body := get(t, "http://"+addr+"/readyz", ""); code != http.StatusOK {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if code, body := get(t, "http://"+addr+"/api/v1/me", key); code != http.StatusOK || !strings.Contains(body, `"name":"default"`) {
		t.Fatalf("me with the printed key: %d %s", code, body)
	}
	if code := winner.stop(t); code != 0 {
		t.Fatalf("serve exited %d on SIGTERM:\n%s", code, winner.stderr.String())
	}

	checkIntact(t, dir)
}

// TestServeTwiceOnOneSQLiteFile: a second server on a file a server holds exits at once with
// the message and leaves the first serving; admin commands wait for the file and go ahead once
// the server stops, or give up with the same message; a server killed without a chance to
// clean up leaves its lock file behind, and the next start is not fooled by it.
func TestServeTwiceOnOneSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	first := startWagate(t, dir, "serve")
	first.release()
	addr := first.serving(t)

	second := startWagate(t, dir, "serve")
	second.release()
	if code := second.wait(t); code == 0 {
		t.Fatalf("a second serve on a held file exited 0")
	}
	checkInUseMessage(t, second.stderr.String(), dir)
	if code, body := get(t, "http://"+addr+"/readyz", ""); code != http.StatusOK {
		t.Fatalf("the first server after the second tried: %d %s", code, body)
	}

	e := env{"WAGATE_DATA_DIR": dir, "LOG_LEVEL": "info"}
	setAdminLockWait(t, 0)
	code, _, errs := runCLI(t, e, "org", "create", "acme")
	if code != 1 {
		t.Errorf("org create beside a server exited %d; want 1", code)
	}
	checkInUseMessage(t, errs, dir)

	setAdminLockWait(t, watchdog)
	waiting := make(chan struct{})
	var once sync.Once
	stderr := &lineWatcher{onLine: func(line string) {
		if strings.Contains(line, "waiting for the SQLite database") {
			once.Do(func() { close(waiting) })
		}
	}}
	var stdout storetest.Buffer
	created := make(chan int, 1)
	go func() {
		created <- run(context.Background(), []string{"org", "create", "acme"}, e.get, &stdout, stderr)
	}()
	select {
	case <-waiting:
	case code := <-created:
		t.Fatalf("org create beside a server exited %d without waiting:\n%s", code, stderr.String())
	}
	if code := first.stop(t); code != 0 {
		t.Fatalf("serve exited %d on SIGTERM", code)
	}
	if code := <-created; code != 0 || !strings.HasPrefix(stdout.String(), "org_") {
		t.Fatalf("org create once the server stopped: exit %d, %q\n%s", code, stdout.String(), stderr.String())
	}

	killed := startWagate(t, dir, "serve")
	killed.release()
	killed.serving(t)
	killed.cmd.Process.Kill()
	killed.wait(t)
	if _, err := os.Stat(filepath.Join(dir, "wagate.db.lock")); err != nil {
		t.Fatalf("the killed server's lock file: %v", err)
	}
	setAdminLockWait(t, 0)
	if code, out, errs := runCLI(t, e, "key", "create", "--org", "acme", "--caps", "read"); code != 0 || !store.LooksLikeAPIKey(lastLine(out)) {
		t.Fatalf("key create after a killed server: %d %q %q", code, out, errs)
	}
	checkIntact(t, dir)
}
