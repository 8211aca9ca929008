package store_test

import (
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestSlowQueriesAreLoggedWithoutValues: a statement held up behind another writer is logged
// as slow, and the log line carries the statement but not its values (phones are personal data).
func TestSlowQueriesAreLoggedWithoutValues(t *testing.T) {
	_, dir := storetest.URL(t, storetest.SQLite)
	var buf storetest.Buffer
	s, err := store.Open(ctx, store.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := newOrg(t, s, "a")

	// Another connection takes the write lock and holds it past the slow-query threshold.
	other, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "wagate.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(400 * time.Millisecond) // makes the statement below slow; nothing is timed
		tx.Rollback()
	}()
	n := mustPhone(t, "+5492235961983")
	if err := s.RecordInbound(ctx, org.ID, store.InboundMessage{SessionID: "sess_secret", From: n, At: s.Now(), Direct: true}); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	if !strings.Contains(log, "slow query") || !strings.Contains(log, "inbound_activity") {
		t.Fatalf("no slow-query line: %q", log)
	}
	for _, secret := range []string{n.MatchKey, n.E164, "sess_secret", org.ID} {
		if strings.Contains(log, secret) {
			t.Fatalf("the slow-query line carries the value %q: %s", secret, log)
		}
	}
}
