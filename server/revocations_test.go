package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

// pollTimeout bounds how long a test waits for a condition before it fails: a bound on
// failure, not a measured speed.
const pollTimeout = 30 * time.Second

// pollUntil polls cond until it holds, failing the test with what it waited for otherwise.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %s for %s", pollTimeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// replica is one wagate process of several sharing a database: a server.New of its own over a
// store.Open of its own. It trusts cached credentials for an hour, so that only an announced
// revoke can make it refuse a key it has cached.
type replica struct {
	t    *testing.T
	url  string
	logs *storetest.Buffer
	http *http.Client
	stop func() // ends the server's lifetime and waits for its background goroutines
}

func startReplica(t *testing.T, s *store.Store) *replica {
	t.Helper()
	r := &replica{t: t, logs: new(storetest.Buffer)}
	lifetime, end := context.WithCancel(context.Background())
	var background sync.WaitGroup
	cfg := server.Config{
		Store: s, Logger: slog.New(slog.NewJSONHandler(r.logs, nil)),
		CredentialTTL: time.Hour, Background: &background,
	}
	cfg.Sessions = newManager(t, s, newWAFake(), cfg.Logger)
	cfg.Lookups = must(whatsapp.NewLookups(generousLookups(&cfg)))
	e, err := server.New(lifetime, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	r.url = srv.URL
	r.http = &http.Client{Transport: &contractTransport{t: t, base: srv.Client().Transport}}
	r.stop = sync.OnceFunc(func() {
		srv.Close()
		end()
		stopped := make(chan struct{})
		go func() { background.Wait(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(pollTimeout):
			t.Errorf("the server's background goroutines still run %s after its lifetime ended", pollTimeout)
		}
	})
	t.Cleanup(r.stop)
	return r
}

// do sends a request with an API key and returns the status.
func (r *replica) do(method, path, key string) int {
	r.t.Helper()
	req, err := http.NewRequest(method, r.url+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	resp, err := r.http.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// listeners returns the backend pid of each revocation listener connection the replica has
// opened, in order, from its logs.
func (r *replica) listeners() []uint32 {
	var pids []uint32
	lines := bufio.NewScanner(strings.NewReader(r.logs.String()))
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var entry struct {
			Msg        string `json:"msg"`
			BackendPID uint32 `json:"backend_pid"`
		}
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "listening for API key revocations" {
			pids = append(pids, entry.BackendPID)
		}
	}
	return pids
}

// awaitListener waits for the replica's nth listener connection and returns its pid.
func (r *replica) awaitListener(n int) uint32 {
	r.t.Helper()
	pollUntil(r.t, "the revocation listener to connect", func() bool { return len(r.listeners()) >= n })
	return r.listeners()[n-1]
}

// twoReplicas starts replicas A and B on one PostgreSQL schema, and returns them with an
// admin key of organization acme, a function creating read keys (id, secret), and the
// schema's URL.
func twoReplicas(t *testing.T) (a, b *replica, admin string, newKey func() (string, string), dbURL string) {
	t.Helper()
	dbURL, _ = storetest.URL(t, storetest.Postgres)
	storeA := storetest.OpenURL(t, dbURL, "")
	storeB := storetest.OpenURL(t, dbURL, "")
	org := must(storeA.CreateOrganization(ctx, "acme", "AR"))
	_, admin, err := storeA.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: "admin", Capabilities: store.AllCapabilities})
	if err != nil {
		t.Fatal(err)
	}
	a, b = startReplica(t, storeA), startReplica(t, storeB)
	a.awaitListener(1)
	b.awaitListener(1)
	return a, b, admin, func() (string, string) {
		key, secret, err := storeA.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: "k", Capabilities: []store.Capability{store.Read}})
		if err != nil {
			t.Fatal(err)
		}
		return key.ID, secret
	}, dbURL
}

// TestRevokeReachesOtherServers: a key cached by server B and revoked through server A is
// refused by B at once, though B trusts its cache for an hour; after B's listen connection is
// killed, B reconnects, forgets what it cached (a revoke may have gone unheard) and hears the
// next revoke too; and B's listener stops with it.
func TestRevokeReachesOtherServers(t *testing.T) {
	a, b, admin, newKey, dbURL := twoReplicas(t)
	first := b.awaitListener(1)

	revokeOnAThenAwaitRefusalOnB := func(round string) {
		t.Helper()
		id, secret := newKey()
		for range 2 { // the first read fills B's cache, the second is served from it
			if code := b.do("GET", "/api/v1/me", secret); code != http.StatusOK {
				t.Fatalf("%s: the new key on B: %d", round, code)
			}
		}
		if code := a.do("DELETE", "/api/v1/api-keys/"+id, admin); code != http.StatusNoContent {
			t.Fatalf("%s: revoke on A: %d", round, code)
		}
		pollUntil(t, round+": B to refuse the key revoked on A", func() bool {
			return b.do("GET", "/api/v1/me", secret) == http.StatusUnauthorized
		})
	}

	revokeOnAThenAwaitRefusalOnB("before the listener is killed")
	if pids := b.listeners(); len(pids) != 1 {
		t.Fatalf("B reconnected (%v) without being cut off: the refusal is not the announcement's", pids)
	}

	// A revoke B cannot hear: written straight into the table, unannounced.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	unheardID, unheard := newKey()
	if code := b.do("GET", "/api/v1/me", unheard); code != http.StatusOK {
		t.Fatalf("the new key on B: %d", code)
	}
	if _, err := db.Exec("UPDATE api_keys SET revoked_at = now() WHERE id = $1", unheardID); err != nil {
		t.Fatal(err)
	}
	if code := b.do("GET", "/api/v1/me", unheard); code != http.StatusOK {
		t.Fatalf("B refused a key revoked unannounced (%d) before reconnecting: was it cached?", code)
	}

	var killed bool
	if err := db.QueryRow("SELECT pg_terminate_backend($1)", first).Scan(&killed); err != nil || !killed {
		t.Fatalf("kill B's listen connection (pid %d): %v, %v", first, killed, err)
	}
	second := b.awaitListener(2)
	if second == first {
		t.Fatalf("B's new listen connection has the killed one's pid %d", first)
	}
	if code := b.do("GET", "/api/v1/me", unheard); code != http.StatusUnauthorized {
		t.Errorf("after reconnecting, B still accepts a key revoked while it was not listening: %d", code)
	}
	revokeOnAThenAwaitRefusalOnB("after the listener reconnected")
	if pids := b.listeners(); len(pids) != 2 {
		t.Fatalf("B's listener connections: %v; want exactly two", pids)
	}

	a.stop()
	b.stop()
	pollUntil(t, "every revocation watcher goroutine to end", func() bool { return storetest.RevocationWatchers() == 0 })
	pollUntil(t, "B's listen connection to close", func() bool {
		var open bool
		if err := db.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", second).Scan(&open); err != nil {
			t.Fatal(err)
		}
		return !open
	})
}

// TestRevocationLatencyAcrossServers measures how long a key revoked on A keeps working on B,
// which caches it. It reports, and asserts nothing about speed:
//
//	TEST_DATABASE_URL=... go test ./server -run TestRevocationLatencyAcrossServers -count=1 -v
func TestRevocationLatencyAcrossServers(t *testing.T) {
	a, b, admin, newKey, _ := twoReplicas(t)
	const revokes = 50
	var fromRequest, fromAnswer, meOnB []time.Duration
	for range revokes {
		id, secret := newKey()
		for range 2 {
			start := time.Now()
			if code := b.do("GET", "/api/v1/me", secret); code != http.StatusOK {
				t.Fatalf("the new key on B: %d", code)
			}
			meOnB = append(meOnB, time.Since(start))
		}
		sent := time.Now()
		if code := a.do("DELETE", "/api/v1/api-keys/"+id, admin); code != http.StatusNoContent {
			t.Fatalf("revoke on A: %d", code)
		}
		answered := time.Now()
		pollUntil(t, "B to refuse the key revoked on A", func() bool {
			return b.do("GET", "/api/v1/me", secret) == http.StatusUnauthorized
		})
		refused := time.Now()
		fromRequest = append(fromRequest, refused.Sub(sent))
		fromAnswer = append(fromAnswer, refused.Sub(answered))
	}
	if pids := b.listeners(); len(pids) != 1 {
		t.Fatalf("B reconnected during the measurement (%v): a reconnection empties its cache", pids)
	}
	summary := func(d []time.Duration) string {
		slices.Sort(d)
		return "median " + d[len(d)/2].Round(time.Microsecond).String() + ", max " + d[len(d)-1].Round(time.Microsecond).String()
	}
	t.Logf("over %d revokes: revoke request sent on A -> key refused on B: %s", revokes, summary(fromRequest))
	t.Logf("over %d revokes: revoke answered (204) on A -> key refused on B: %s", revokes, summary(fromAnswer))
	t.Logf("for scale, one cached GET /api/v1/me on B: %s", summary(meOnB))
}
