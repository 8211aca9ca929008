package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// envBeWagate makes the test binary run wagate's main instead of the tests, so that tests can
// start real wagate processes without building the binary.
const envBeWagate = "WAGATE_TEST_BE_WAGATE"

func TestMain(m *testing.M) {
	if os.Getenv(envBeWagate) != "" {
		// Hold until the test closes stdin, so that processes it releases together run
		// main together rather than one process start apart.
		io.Copy(io.Discard, os.Stdin)
		main() // the arguments are wagate's: flags of the test binary are parsed in m.Run only
		return
	}
	os.Exit(m.Run())
}

// watchdog bounds each wait on a child process, so that a test that would hang fails instead.
const watchdog = 2 * time.Minute

// process is wagate running as a child of the test on the SQLite file in one data directory.
type process struct {
	cmd     *exec.Cmd
	gate    io.WriteCloser
	stdout  lineWatcher
	stderr  lineWatcher
	key     chan string // the first-start key line, if it prints one
	addr    chan string // the address, once it serves
	exited  chan struct{}
	code    int
	release func() // lets the process run main
}

// startWagate starts wagate with args on the SQLite file under dir. The process waits for
// release before it runs; it is killed when the test ends.
func startWagate(t *testing.T, dir string, args ...string) *process {
	t.Helper()
	p := &process{key: make(chan string, 1), addr: make(chan string, 1), exited: make(chan struct{})}
	p.stdout.onLine = func(line string) {
		if store.LooksLikeAPIKey(line) {
			select {
			case p.key <- line:
			default:
			}
		}
	}
	p.stderr.onLine = func(line string) {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving" {
			p.addr <- rec.Addr
		}
	}
	p.cmd = exec.Command(os.Args[0], args...)
	p.cmd.Env = append(os.Environ(), envBeWagate+"=1", "DATABASE_URL=", "WAGATE_DATA_DIR="+dir,
		"LISTEN_ADDR=127.0.0.1:0", "LOG_FORMAT=json", "LOG_LEVEL=info")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	gate, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	p.release = func() { once.Do(func() { gate.Close() }) }
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// serving waits until p serves and returns its address.
func (p *process) serving(t *testing.T) string {
	t.Helper()
	select {
	case addr := <-p.addr:
		return addr
	case <-p.exited:
		t.Fatalf("wagate exited %d instead of serving:\n%s", p.code, p.stderr.String())
	case <-time.After(watchdog):
		t.Fatalf("wagate did not serve within %s:\n%s", watchdog, p.stderr.String())
	}
	return ""
}

// wait waits for p to exit and returns its exit code.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(watchdog):
		t.Fatalf("wagate did not exit within %s:\n%s", watchdog, p.stderr.String())
	}
	return 0
}

// stop sends SIGTERM and returns the exit code.
func (p *process) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return p.wait(t)
}

// lineWatcher keeps what a process writes and calls onLine with each whole line.
type lineWatcher struct {
	all     storetest.Buffer
	mu      sync.Mutex
	partial []byte
	onLine  func(string)
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	w.all.Write(b)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.onLine(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
}

func (w *lineWatcher) String() string { return w.all.String() }

// get sends a GET with the key, if any, and returns the status and body.
func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// checkInUseMessage checks what a wagate refused an SQLite file prints: the file, and what to do.
func checkInUseMessage(t *testing.T, stderr, dir string) {
	t.Helper()
	for _, want := range []string{filepath.Join(dir, "wagate.db") + " is in use by another process", "WAGATE_DATA_DIR", "PostgreSQL"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
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

// TestTwoMigratesAtOnceOnOneSQLiteFile: admin commands started together on an empty data
// directory take turns; both succeed and the database is whole.
func TestTwoMigratesAtOnceOnOneSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	a, b := startWagate(t, dir, "migrate"), startWagate(t, dir, "migrate")
	a.release()
	b.release()
	for _, p := range []*process{a, b} {
		if code := p.wait(t); code != 0 {
			t.Errorf("migrate exited %d:\n%s", code, p.stderr.String())
		}
	}
	checkIntact(t, dir)
}

// checkIntact checks that the SQLite file under dir passes SQLite's integrity check and is
// fully migrated.
func checkIntact(t *testing.T, dir string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "wagate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity_check: %q, %v", result, err)
	}
	s, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Migrate(context.Background()); n != 0 || err != nil {
		t.Fatalf("the database lacked %d migrations (%v)", n, err)
	}
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

func setAdminLockWait(t *testing.T, d time.Duration) {
	old := adminLockWait
	adminLockWait = d
	t.Cleanup(func() { adminLockWait = old })
}
