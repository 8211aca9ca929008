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
	return call(t, http.MethodGet, url, key)
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
	if applied, err := s.Migrate(context.Background()); len(applied) != 0 || err != nil {
		t.Fatalf("the database lacked migrations %v (%v)", applied, err)
	}
}

func setAdminLockWait(t *testing.T, d time.Duration) {
	old := adminLockWait
	adminLockWait = d
	t.Cleanup(func() { adminLockWait = old })
}
