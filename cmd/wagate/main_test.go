package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// env is a fake environment for run.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// backendEnv is the environment pointing wagate at a fresh database of backend b.
func backendEnv(t *testing.T, b storetest.Backend) env {
	dbURL, dir := storetest.URL(t, b)
	return env{"DATABASE_URL": dbURL, "WAGATE_DATA_DIR": dir, "LOG_LEVEL": "warn"}
}

func runCLI(t *testing.T, e env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, e.get, &out, &errOut)
	return code, out.String(), errOut.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestAdminCommands(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			e := backendEnv(t, b)
			if code, out, errs := runCLI(t, e, "migrate"); code != 0 || !strings.Contains(out, "up to date") {
				t.Fatalf("migrate: %d %q %q", code, out, errs)
			}
			code, out, errs := runCLI(t, e, "org", "create", "acme", "--region", "mx")
			if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "org_") {
				t.Fatalf("org create: %d %q %q", code, out, errs)
			}
			code, out, errs = runCLI(t, e, "key", "create", "--org", "acme", "--caps", "read,write", "--name", "crm")
			if code != 0 || !store.LooksLikeAPIKey(lastLine(out)) {
				t.Fatalf("key create: %d %q %q", code, out, errs)
			}
			// The key works against the same database.
			s := storetest.OpenURL(t, e["DATABASE_URL"], e["WAGATE_DATA_DIR"])
			key, err := s.APIKeyBySecret(context.Background(), lastLine(out))
			if err != nil || key.Name != "crm" || key.Capabilities.String() != "read,write" {
				t.Fatalf("created key = %+v, %v", key, err)
			}
			org, err := s.OrganizationByName(context.Background(), "acme")
			if err != nil || org.DefaultRegion != "MX" {
				t.Fatalf("created organization = %+v, %v", org, err)
			}

			for _, bad := range [][]string{
				{"org", "create"},
				{"org", "create", "a", "b"},
				{"org", "delete", "acme"},
				{"key", "create", "--org", "acme"},
				{"key", "create", "--caps", "read"},
				{"frobnicate"},
				{"serve", "extra"},
				{"org", "create", "x", "--bogus"},
			} {
				if code, _, errs := runCLI(t, e, bad...); code != 2 || !strings.Contains(errs, "Usage") {
					t.Errorf("%v: exit %d, stderr %q; want 2 with the usage", bad, code, errs)
				}
			}
			for _, bad := range [][]string{
				{"org", "create", "acme"},                            // taken
				{"org", "create", "new", "--region", "XX"},           // no such region
				{"key", "create", "--org", "nope", "--caps", "read"}, // no such organization
				{"key", "create", "--org", "acme", "--caps", "root"}, // no such capability
			} {
				if code, _, errs := runCLI(t, e, bad...); code != 1 || errs == "" {
					t.Errorf("%v: exit %d, stderr %q; want 1 with the reason", bad, code, errs)
				}
			}
		})
	}
}

func TestBadConfiguration(t *testing.T) {
	for _, e := range []env{
		{"DATABASE_URL": "mysql://x"},
		{"MAX_BODY_BYTES": "-1"},
		{"LOG_LEVEL": "loud"},
		{"LOG_FORMAT": "xml"},
		{"JWT_ROLES": "admin"},
		{"JWT_ROLES": "admin=root"},
		{"SHUTDOWN_GRACE": "soon"},
		{"DRAIN_PERIOD": "soon"},
		{"DRAIN_PERIOD": "-1s"},
	} {
		if e["DATABASE_URL"] == "" {
			e["WAGATE_DATA_DIR"] = t.TempDir()
		}
		code, _, errs := runCLI(t, e, "migrate")
		if code == 0 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a failure with the reason", e, code, errs)
		}
		for name := range e {
			if name != "WAGATE_DATA_DIR" && name != "DATABASE_URL" && !strings.Contains(errs, name) {
				t.Errorf("%v: stderr %q does not name %s", e, errs, name)
			}
		}
	}
	for _, e := range []env{
		{"DEFAULT_REGION": "XX"},
		{"JWT_JWKS_URL": "https://login.example.com/jwks.json"},                             // no issuer
		{"JWT_JWKS_URL": "https://login.example.com/jwks.json", "JWT_ISSUER": "https://x/"}, // no audience
		{"JWT_ISSUER": "https://x/"},                                                        // no JWKS
	} {
		e["WAGATE_DATA_DIR"] = t.TempDir()
		if code, _, errs := runCLI(t, e, "serve"); code != 2 || !strings.Contains(errs, "configuration") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the setting", e, code, errs)
		}
	}
}

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
			key := ""
			for _, line := range strings.Split(out(), "\n") {
				if store.LooksLikeAPIKey(line) {
					key = line
				}
			}
			if key == "" {
				t.Fatalf("first start printed no key on a line of its own:\n%s", out())
			}
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

// startServe runs serve until the returned stop cancels it; stop returns the exit code. The
// drain, if any, ends at once.
func startServe(t *testing.T, e env) (out func() string, addr string, stop func() int) {
	t.Helper()
	over := make(chan time.Time)
	close(over)
	srv := startServeWith(t, e, serveHooks{drainOver: over})
	return srv.out.String, srv.addr, srv.stop
}

// running is a serve started by startServeWith.
type running struct {
	out, logs *storetest.Buffer
	addr      string
	stop      func() int // cancels serve (what SIGTERM does) and returns its exit code
}

// startServeWith runs serve with hooks (listening is its own) until stop.
func startServeWith(t *testing.T, e env, hooks serveHooks) running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := running{out: new(storetest.Buffer), logs: new(storetest.Buffer)}
	cfg, err := loadConfig(e.get)
	if err != nil {
		t.Fatal(err)
	}
	addrs := make(chan net.Addr, 1)
	hooks.listening = func(a net.Addr) { addrs <- a }
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, r.logs), r.out, hooks) }()
	select {
	case a := <-addrs:
		r.addr = a.String()
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v\n%s", err, r.out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}
	r.stop = func() int {
		cancel()
		if err := <-done; err != nil {
			t.Logf("serve: %v", err)
			return 1
		}
		return 0
	}
	return r
}
