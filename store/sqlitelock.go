package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrDatabaseInUse means another process holds the SQLite file: an SQLite file serves one
// process at a time (PostgreSQL serves many).
var ErrDatabaseInUse = errors.New("SQLite database is in use by another process")

// InUseError says which SQLite file is taken and, when the holder wrote it, by which process.
type InUseError struct {
	Database string // the SQLite file
	LockFile string // the lock beside it that the holder keeps
	PID      int    // the holder's process id; 0 when unknown
}

func (e *InUseError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "another process (pid " + strconv.Itoa(e.PID) + ")"
	}
	return fmt.Sprintf("SQLite database %s is in use by %s, which holds %s", e.Database, holder, e.LockFile)
}

func (e *InUseError) Is(target error) bool { return target == ErrDatabaseInUse }

// lockRetry is how often Open tries again for a lock it waits for: flock cannot be given a
// deadline, and a blocked flock cannot be abandoned.
const lockRetry = 50 * time.Millisecond

// lockSQLite takes the lock that makes the process the SQLite file's only user: an OS lock on
// the sibling file path+".lock", held for as long as the returned file stays open and let go
// by the kernel when the process dies, so a lock file left behind by a killed process is
// taken again at once (it is never removed: removing it would let two processes each lock a
// different file of the same name). It waits up to wait for a holder to let go.
func lockSQLite(ctx context.Context, path string, wait time.Duration, log *slog.Logger) (*os.File, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // the messages name the file wherever the reader stands
	}
	lockPath := path + ".lock"
	deadline := time.Now().Add(wait)
	for waited := false; ; waited = true {
		f, busy, err := lockFile(lockPath)
		if err != nil {
			return nil, fmt.Errorf("lock SQLite database %s: %w", path, err)
		}
		if !busy {
			// Who holds it, for the message another process gives; the lock is what counts.
			if err := f.Truncate(0); err == nil {
				f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return f, nil
		}
		inUse := &InUseError{Database: path, LockFile: lockPath, PID: lockHolder(lockPath)}
		if !time.Now().Before(deadline) {
			return nil, inUse
		}
		if !waited && log != nil {
			log.Info("waiting for the SQLite database", "reason", inUse.Error(), "up_to", wait)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (%w)", inUse, ctx.Err())
		case <-time.After(min(lockRetry, time.Until(deadline))):
		}
	}
}

// lockHolder reads the process id the holder of lockPath wrote, or 0.
func lockHolder(lockPath string) int {
	b, err := os.ReadFile(lockPath)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// sqliteFile returns the file a SQLite "file:" DSN names, as SQLite reads its URI filenames,
// and false for an in-memory database, which has no file to share.
func sqliteFile(dsn string) (string, bool) {
	rest := strings.TrimPrefix(dsn, "file:")
	rest, _, _ = strings.Cut(rest, "#")
	path, query, _ := strings.Cut(rest, "?")
	if strings.HasPrefix(path, "//") { // file://host/path: only an empty host or localhost
		path = path[2:]
		if i := strings.IndexByte(path, '/'); i >= 0 {
			path = path[i:]
		} else {
			path = ""
		}
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	q, _ := url.ParseQuery(query)
	if path == "" || path == ":memory:" || q.Get("mode") == "memory" || q.Get("vfs") == "memdb" {
		return "", false
	}
	return path, true
}
