package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

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
