package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wagate/wagate/store"
)

// startSQLiteWagate starts wagate as a newcomer does: no DATABASE_URL, an empty
// WAGATE_DATA_DIR (dir/sqlite), so that it creates its SQLite file and, on this first start,
// organization "default" with an admin key it prints once on a line of its own (read back from
// its log, dir/wagate-sqlite.log).
func startSQLiteWagate(ctx context.Context, bin, dir string) (t importTarget, dataDir string, err error) {
	dataDir = filepath.Join(dir, "sqlite")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		return t, dataDir, err
	}
	addr, err := freeAddr()
	if err != nil {
		return t, dataDir, err
	}
	logPath := filepath.Join(dir, "wagate-sqlite.log")
	srv, err := startServer(ctx, "wagate (SQLite)", bin, addr, logPath, "WAGATE_DATA_DIR="+dataDir, "LISTEN_ADDR="+addr)
	if err != nil {
		return t, dataDir, err
	}
	key, err := printedKey(logPath)
	if err != nil {
		srv.stop()
		return t, dataDir, err
	}
	return importTarget{srv: srv, apiKey: key}, dataDir, nil
}

// printedKey is the admin key a first start printed: the log's line that is a key and nothing
// else (the log's other lines are JSON or prose).
func printedKey(logPath string) (string, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, store.APIKeyPrefix) && !strings.ContainsAny(line, " \t") {
			return line, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("wagate printed no admin key on its first start (its log: %s)", logPath)
}
