package storetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// PostgresBin is where Debian installs PostgreSQL 15's server programs.
const PostgresBin = "/usr/lib/postgresql/15/bin"

// PrivatePostgres is a PostgreSQL cluster of one test's own, in its temporary directory, on a
// free loopback port: a test may stop, kill and restart it, which it must never do to the
// shared cluster.
type PrivatePostgres struct {
	t    testing.TB
	dir  string // the cluster's data directory
	log  string // the server's log, shown when a start fails
	port int
	// owner runs the programs as the postgres user: PostgreSQL refuses to run as root.
	owner []string
}

// StartPrivatePostgres creates a cluster with initdb and starts it; it is stopped at once
// (immediate mode) when the test ends. The test is skipped when the server programs are not
// installed.
func StartPrivatePostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	if _, err := os.Stat(filepath.Join(PostgresBin, "initdb")); err != nil {
		t.Skipf("PostgreSQL's server programs are not installed (%v): skipping the private-cluster test (apt-get install postgresql-15)", err)
	}
	base := t.TempDir()
	p := &PrivatePostgres{t: t, dir: filepath.Join(base, "data"), log: filepath.Join(base, "postgres.log"), port: freePort(t)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user to run as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The postgres user must reach the directory (t.TempDir's parents are root's, 0700)
		// and own what it writes in it.
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.owner = []string{"runuser", "-u", "postgres", "--"}
	}
	p.run("initdb", "-D", p.dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	p.Start()
	t.Cleanup(func() {
		// Already stopped is fine: the test may end with the server down.
		cmd := p.command("pg_ctl", "-D", p.dir, "-m", "immediate", "-w", "stop")
		cmd.Run()
	})
	return p
}

// URL is the cluster's postgres database, as the superuser, over TCP.
func (p *PrivatePostgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Start starts the server and waits until it accepts connections.
func (p *PrivatePostgres) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40", p.port, filepath.Dir(p.dir))
	p.run("pg_ctl", "-D", p.dir, "-l", p.log, "-o", opts, "-w", "-t", "60", "start")
}

// Stop stops the server in mode: "fast" ends every session with 57P01 and shuts down
// cleanly; "immediate" kills the processes, as a crash would.
func (p *PrivatePostgres) Stop(mode string) {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.dir, "-m", mode, "-w", "stop")
}

func (p *PrivatePostgres) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, p.owner...), filepath.Join(PostgresBin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = filepath.Dir(p.dir)
	return cmd
}

func (p *PrivatePostgres) run(name string, args ...string) {
	p.t.Helper()
	out, err := p.command(name, args...).CombinedOutput()
	if err != nil {
		serverLog, _ := os.ReadFile(p.log)
		p.t.Fatalf("%s %v: %v\n%s\nserver log:\n%s", name, args, err, out, serverLog)
	}
}

// freePort returns a loopback TCP port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
