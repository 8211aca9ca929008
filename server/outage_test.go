package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store/storetest"
)

// load sends requests from a few workers until stopped, a mix of reads and writes, and sorts
// every answer: a 2xx, a 503 in the envelope with code unavailable, or anything else, which
// the test reports.
type load struct {
	h        *harness
	ok, down atomic.Int64
	mu       sync.Mutex
	wrong    []string
	stop     chan struct{}
	done     sync.WaitGroup
}

func startLoad(t *testing.T, h *harness, workers int) *load {
	l := &load{h: h, stop: make(chan struct{})}
	for w := range workers {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			// Bounded in count as well as by stop, so that a test gone wrong cannot loop on.
			for i := 0; i < 200_000; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				l.one(w, i)
			}
		}()
	}
	t.Cleanup(l.finish)
	return l
}

func (l *load) one(worker, i int) {
	req, _ := http.NewRequest("GET", l.h.url+"/api/v1/contact-lists?limit=5", nil)
	if i%2 == 1 {
		body := fmt.Sprintf(`{"name":"w%d-%d-%d"}`, worker, i, time.Now().UnixNano())
		req, _ = http.NewRequest("POST", l.h.url+"/api/v1/contact-lists", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-API-Key", l.h.admin)
	resp, err := l.h.http.Do(req)
	if err != nil {
		l.note(fmt.Sprintf("%s %s: %v", req.Method, req.URL.Path, err))
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		l.ok.Add(1)
	case resp.StatusCode == http.StatusServiceUnavailable && unavailableEnvelope(body):
		l.down.Add(1)
	default:
		l.note(fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body))
	}
}

func unavailableEnvelope(body []byte) bool {
	var e client.Error
	return json.Unmarshal(body, &e) == nil && e.Error.Code == client.ErrorCodeUnavailable
}

func (l *load) note(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wrong = append(l.wrong, s)
}

func (l *load) finish() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.done.Wait()
}

// waitUntil waits for cond, failing the test after a generous bound.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
	}
}

// TestPostgresStopsUnderLoad runs the real server on a PostgreSQL of its own, under
// concurrent reads and writes, and stops the database twice (fast: sessions end with 57P01;
// immediate: they are killed). Every answer must be a 2xx or a 503 envelope, never a 500,
// and the server must serve again once the database is back. How long that takes is
// reported, not asserted.
func TestPostgresStopsUnderLoad(t *testing.T) {
	pg := storetest.StartPrivatePostgres(t)
	h := newHarness(t, storetest.OpenURL(t, pg.URL(), ""), withLogger(slog.New(slog.DiscardHandler)))
	l := startLoad(t, h, 6)

	for _, mode := range []string{"fast", "immediate"} {
		okBefore := l.ok.Load()
		waitUntil(t, "the load is served", func() bool { return l.ok.Load() >= okBefore+100 })
		pg.Stop(mode)
		downBefore := l.down.Load()
		waitUntil(t, "the load sees the outage", func() bool { return l.down.Load() >= downBefore+50 })
		started := time.Now()
		pg.Start()
		ready := time.Now()
		okBefore = l.ok.Load()
		waitUntil(t, "the server serves again", func() bool { return l.ok.Load() > okBefore })
		served := time.Now()
		t.Logf("stop -m %s: the server served again %v after pg_ctl start returned (%v after it was run)",
			mode, served.Sub(ready).Round(time.Millisecond), served.Sub(started).Round(time.Millisecond))
	}
	l.finish()
	t.Logf("answers: %d 2xx, %d 503 unavailable, %d other", l.ok.Load(), l.down.Load(), len(l.wrong))
	for i, w := range l.wrong {
		if i == 10 {
			t.Errorf("... and %d more", len(l.wrong)-10)
			break
		}
		t.Errorf("neither a 2xx nor a 503 envelope: %s", w)
	}
}

// TestPostgresBackendTerminated ends, with pg_terminate_backend, the backend serving a request
// while it waits on a lock: the request is a 503 envelope, and the next ones are served.
func TestPostgresBackendTerminated(t *testing.T) {
	dbURL, _ := storetest.URL(t, storetest.Postgres)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// Name this test's connections, so that only they are terminated.
	app := "wagate_test_" + strings.TrimPrefix(u.Query().Get("search_path"), "wagate_test_")
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	h := newHarness(t, storetest.OpenURL(t, u.String(), ""))
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	a := h.client(h.admin)
	newList(t, a, "before")

	// Hold the list table, so that the request waits on it with its backend.
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("LOCK TABLE contact_lists IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		r   *client.ListContactListsResponse
		err error
	}
	answer := make(chan result, 1)
	go func() {
		r, err := a.ListContactListsWithResponse(context.Background(), nil)
		answer <- result{r, err}
	}()
	waitUntil(t, "the request waits on the lock", func() bool {
		var waiting int
		err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting > 0
	})
	// End every connection of this test's pool, the waiting one and the idle ones. An idle
	// one learns of it only when next used (the first query on it reads the termination),
	// so each may cost one request a 503 below, once.
	idle := h.store.Pool().Stats().Idle
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app); err != nil {
		t.Fatal(err)
	}
	got := <-answer
	if got.err != nil {
		t.Fatalf("the request on the terminated backend got no answer: %v", got.err)
	}
	wantError(t, got.r.StatusCode(), got.r.Body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
	if !strings.Contains(h.logs.String(), "57P01") {
		t.Errorf("the log does not name the termination (57P01):\n%s", h.logs.String())
	}
	tx.Rollback()

	// The pool replaces the lost connections: once each idle one has failed at most once,
	// the next requests are served.
	failed := 0
	for served := 0; served < 5; {
		r := must(a.ListContactListsWithResponse(ctx, nil))
		switch {
		case r.JSON200 != nil:
			served++
		case served == 0 && failed < idle && r.StatusCode() == http.StatusServiceUnavailable:
			failed++
		default:
			t.Fatalf("after the termination (%d idle connections, %d failed, %d served since): %d %s", idle, failed, served, r.StatusCode(), r.Body)
		}
	}
}

// TestSQLiteLockedIsUnavailable: a write that cannot take SQLite's lock within the busy
// timeout, because another process holds it, is a 503 (retry later), not a 500.
func TestSQLiteLockedIsUnavailable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wagate.db")
	h := newHarness(t, storetest.OpenURL(t, "file:"+file+"?_pragma=busy_timeout(100)", dir))
	other, err := sql.Open("sqlite3", "file:"+file+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	a := h.client(h.admin)
	r := must(a.CreateContactListWithResponse(ctx, client.NewContactList{Name: "while locked"}))
	wantError(t, r.StatusCode(), r.Body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
	// Reads go on beside the writer (WAL), and writes once it is done.
	if r := must(a.ListContactListsWithResponse(ctx, nil)); r.JSON200 == nil {
		t.Fatalf("read while locked: %d %s", r.StatusCode(), r.Body)
	}
	tx.Rollback()
	if r := must(a.CreateContactListWithResponse(ctx, client.NewContactList{Name: "after"})); r.JSON201 == nil {
		t.Fatalf("write after the lock: %d %s", r.StatusCode(), r.Body)
	}
}
