package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestImportHeldProbesEachPhone (PostgreSQL): a chunk finds the contacts its list holds with
// its phones by one probe of the list's unique index per phone, however wrong the statistics
// are about the list. A list an import is filling is empty to the statistics; the planner,
// trusting them, once read the whole list on every chunk with the phones as a filter, and
// the import was quadratic. The rows the statement reads from contacts are counted exactly,
// whatever the plan's shape (pg_stat_xact_*: this transaction's reads so far): a probe per
// phone reads the phones' rows, a scan of the list reads it all.
func TestImportHeldProbesEachPhone(t *testing.T) {
	s := storetest.Open(t, storetest.Postgres)
	ctx := context.Background()
	// No ANALYZE but the test's own: one run by autovacuum after the list is filled would
	// tell the planner the truth, and any statement would do.
	if err := s.Exec(ctx, "ALTER TABLE contacts SET (autovacuum_enabled = false)"); err != nil {
		t.Fatal(err)
	}
	org, err := s.CreateOrganization(ctx, "held", "AR")
	if err != nil {
		t.Fatal(err)
	}
	fill := func(listID int64, from, n int) {
		t.Helper()
		if err := s.Exec(ctx, `INSERT INTO contacts (id, org_id, contact_list_id, phone, country_code, match_key, created_at, updated_at)
SELECT g, $1, $2, '+5491155' || lpad(g::text, 6, '0'), 'AR', '5491155' || lpad(g::text, 6, '0'), now(), now()
FROM generate_series($3::bigint, $4::bigint) g`, org.ID, listID, from, from+n-1); err != nil {
			t.Fatal(err)
		}
	}
	known, err := s.CreateContactList(ctx, org.ID, store.NewContactList{Name: "known"})
	if err != nil {
		t.Fatal(err)
	}
	fill(known.ID, 1, 4000)
	if err := s.Exec(ctx, "ANALYZE contacts"); err != nil {
		t.Fatal(err)
	}
	filling, err := s.CreateContactList(ctx, org.ID, store.NewContactList{Name: "filling"})
	if err != nil {
		t.Fatal(err)
	}
	fill(filling.ID, 4001, 4000) // after ANALYZE: the statistics know no such list
	var keys []string
	for i := 8000; i > 7950; i-- { // 50 phones the list holds, and 50 it does not
		keys = append(keys, fmt.Sprintf("5491155%06d", i), fmt.Sprintf("5491156%06d", i))
	}

	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, set := range store.PgImportSettings {
		if _, err := tx.ExecContext(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	readSoFar := func() int64 {
		t.Helper()
		var n int64
		err := tx.QueryRowContext(ctx, `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
FROM pg_stat_xact_user_tables WHERE relid = 'contacts'::regclass`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := readSoFar()
	rows, err := tx.QueryContext(ctx, store.PgHeld, org.ID, filling.ID, keys)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for rows.Next() {
		found++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if found != 50 {
		t.Errorf("the statement found %d contacts, want the list's 50 of the 100 phones", found)
	}
	if read := readSoFar() - before; read > 100 {
		t.Errorf("the statement read %d rows of contacts for 100 phones, of which the list holds 50: it scans the list", read)
	}
}
