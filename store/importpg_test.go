package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestImportHeldProbesEachPhone (PostgreSQL): a chunk finds the contacts its list holds with
// its phones by one probe of the list's unique index per phone, however wrong the statistics
// are about the list. A list an import is filling is empty to the statistics; the planner,
// trusting them, once read the whole list on every chunk with the phones as a filter, and
// the import was quadratic. The rows the plan reads from contacts are counted, whatever its
// shape: a probe per phone reads the phones' rows, a scan of the list reads it all.
func TestImportHeldProbesEachPhone(t *testing.T) {
	s := storetest.Open(t, storetest.Postgres)
	ctx := context.Background()
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
	var plan string
	if err := tx.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+store.PgHeld, org.ID, filling.ID, keys).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	var root []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) != 1 {
		t.Fatalf("EXPLAIN's JSON: %v\n%s", err, plan)
	}
	found, read := root[0].Plan.Rows, root[0].Plan.readFrom("contacts")
	if found != 50 {
		t.Errorf("the statement found %v contacts, want the list's 50 of the 100 phones\n%s", found, plan)
	}
	if read > 100 {
		t.Errorf("the plan read %v rows of contacts for 100 phones, of which the list holds 50: it scans the list\n%s", read, plan)
	}
}

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	Relation string     `json:"Relation Name"`
	Rows     float64    `json:"Actual Rows"` // per loop
	Loops    float64    `json:"Actual Loops"`
	Removed  float64    `json:"Rows Removed by Filter"`
	Plans    []planNode `json:"Plans"`
}

// readFrom is the rows the nodes scanning relation read in all their loops, kept or filtered out.
func (n planNode) readFrom(relation string) float64 {
	var sum float64
	if n.Relation == relation {
		sum = (n.Rows + n.Removed) * n.Loops
	}
	for _, c := range n.Plans {
		sum += c.readFrom(relation)
	}
	return sum
}
