package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wagate/wagate/store"
)

// The import's baseline: the same CSV file, read with encoding/csv and turned into the
// contacts table's column types in this process, then one COPY (pgx CopyFrom, binary) into a
// contacts table itself, beside the data set's million contacts, with all of its indexes and
// its foreign key. It does not do what the import does beyond that: no phone parsing (the
// file's phones are E.164 and all Argentine mobiles, so the region is "AR" and the match key a
// slice of the string), no field checks, no upsert (no lookup of the list's phones, every row
// is inserted), no chunks committed one by one, no record.

// copyRun is the baseline's figures.
type copyRun struct {
	took time.Duration // from opening the file to COPY's end
	rows int64
}

func (r copyRun) rowsPerSecond() float64 { return float64(r.rows) / r.took.Seconds() }

// copyImportCSV copies the CSV file at path into the contacts table itself, as wagate's
// import writes them: into the data set's organization, beside its million contacts, with
// every index and the foreign key, in two new lists (a phone's second row goes to the second)
// with ids from the organization's counter (the store's AllocateIDs). The lists, and by
// cascade their contacts, are deleted again afterwards and the table vacuumed. rows is the
// file's count of rows.
func copyImportCSV(ctx context.Context, st *store.Store, pool *pgxpool.Pool, path, orgID string, rows int) (copyRun, error) {
	var run copyRun
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return run, err
	}
	defer conn.Release()
	firstList, err := st.AllocateIDs(ctx, orgID, store.ContactListIDs, 2)
	if err != nil {
		return run, fmt.Errorf("the baseline's lists: %w", err)
	}
	lists := [2]int64{firstList, firstList + 1}
	stamp := time.Now().UTC().Format("20060102-150405.000")
	for i, id := range lists {
		if _, err := conn.Exec(ctx, "INSERT INTO contact_lists (id, org_id, name, created_at, updated_at) VALUES ($1, $2, $3, now(), now())",
			id, orgID, fmt.Sprintf("bench-copy-%s-%d", stamp, i+1)); err != nil {
			return run, fmt.Errorf("the baseline's lists: %w", err)
		}
	}
	defer func() {
		ctx := context.WithoutCancel(ctx)
		_, err := conn.Exec(ctx, "DELETE FROM contact_lists WHERE org_id = $1 AND id = ANY ($2)", orgID, lists[:])
		if err == nil {
			_, err = conn.Exec(ctx, "VACUUM (ANALYZE) contacts")
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: delete the baseline's lists: %v\n", err)
		}
	}()
	firstID, err := st.AllocateIDs(ctx, orgID, store.ContactIDs, rows)
	if err != nil {
		return run, fmt.Errorf("the baseline's ids: %w", err)
	}

	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return run, err
	}
	defer f.Close()
	src, err := newCSVContacts(f, orgID, start)
	if err != nil {
		return run, err
	}
	src.idBase, src.listIDs = firstID-1, lists
	run.rows, err = conn.Conn().CopyFrom(ctx, pgx.Identifier{"contacts"}, contactColumns, src)
	run.took = time.Since(start)
	if err != nil {
		return run, fmt.Errorf("COPY into contacts: %w", err)
	}
	return run, nil
}

// csvContacts is a pgx.CopyFromSource over the import's CSV file: one contacts row per line,
// in contactColumns' order.
type csvContacts struct {
	r     *csv.Reader
	col   map[string]int // importCSVHeader's names to the file's columns
	org   string
	now   time.Time
	id    int64
	lists map[string]int64 // rows seen per phone
	row   []any
	// idBase is added to each row's number for its id; listIDs are the lists of a phone's
	// first and second rows. Zero values: ids from 1, lists 1 and 2.
	idBase  int64
	listIDs [2]int64
	err     error
}

func newCSVContacts(f io.Reader, orgID string, now time.Time) (*csvContacts, error) {
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("the CSV's header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, h := range importCSVHeader {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("the CSV has no %s column", h)
		}
	}
	return &csvContacts{r: r, col: col, org: orgID, now: now, lists: map[string]int64{}}, nil
}

func (c *csvContacts) Next() bool {
	rec, err := c.r.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.err = err
		}
		return false
	}
	c.row, c.err = c.contactRow(rec)
	return c.err == nil
}

func (c *csvContacts) Values() ([]any, error) { return c.row, nil }
func (c *csvContacts) Err() error             { return c.err }

// contactRow converts one line. The unique key is (org, list, match key), and the file holds
// some phones twice (a person in two lists of the data set): a phone's n-th row goes to list n,
// so that every row is inserted under every index.
func (c *csvContacts) contactRow(rec []string) ([]any, error) {
	cell := func(name string) string { return rec[c.col[name]] }
	text := func(name string) any {
		if v := cell(name); v != "" {
			return v
		}
		return nil
	}
	e164 := cell("phone")
	if !strings.HasPrefix(e164, "+549") {
		return nil, fmt.Errorf("line %d: phone %q is not an Argentine mobile in E.164, which the baseline assumes", c.id+2, e164)
	}
	c.lists[e164]++
	c.id++
	var lastCallAt, duration any
	if v := cell("lastCallAt"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("line %d: lastCallAt: %w", c.id+1, err)
		}
		lastCallAt = t
	}
	if v := cell("lastCallDuration"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("line %d: lastCallDuration: %w", c.id+1, err)
		}
		duration = int32(n)
	}
	var tags []string
	if v := cell("tags"); v != "" {
		tags = strings.Split(v, ";")
	}
	metadata := []byte("{}")
	if v := cell("metadata"); v != "" {
		metadata = []byte(v)
	}
	list := c.lists[e164]
	if c.listIDs[0] != 0 {
		list = c.listIDs[min(list, 2)-1]
	}
	return []any{c.idBase + c.id, c.org, list, e164, "AR", "54" + e164[4:],
		text("fullName"), text("firstName"), text("lastName"), text("email"), text("source"), tagsJSON(tags),
		text("category"), text("status"), text("campaignId"), text("lastCallStatus"), lastCallAt, duration,
		text("lastCallFeedback"), text("notes"), metadata, c.now, c.now}, nil
}
