package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL an import's chunk is copied (COPY, binary) into a temporary staging table, and
// then applied by three set-based statements: mark the rows whose phone the list holds, update
// those contacts (when onConflict is update), insert the others. No statement runs per row.

const pgStaging = "wagate_import_staging"

// pgStagingDDL creates the staging table for the transaction (ON COMMIT DROP): a connection
// of the pool keeps nothing of it.
var pgStagingDDL = func() string {
	cols := []string{"new_id bigint NOT NULL", "contact_id bigint", "present bigint NOT NULL",
		"phone text NOT NULL", "country_code text NOT NULL", "match_key text NOT NULL"}
	for _, f := range importFields {
		cols = append(cols, f.Column+" "+pgType(f.Type))
	}
	return "CREATE TEMP TABLE IF NOT EXISTS " + pgStaging + " (" + strings.Join(cols, ", ") + ") ON COMMIT DROP"
}()

func pgType(t FieldType) string {
	switch t {
	case FieldTags:
		return "jsonb NOT NULL"
	case FieldObject: // metadata is json, kept as sent: jsonb would reorder its keys
		return "json NOT NULL"
	case FieldTime:
		return "timestamptz"
	case FieldInt32:
		return "integer"
	}
	return "text"
}

// pgStagingColumns are the staging table's columns in COPY's order.
var pgStagingColumns = func() []string {
	cols := []string{"new_id", "present", "phone", "country_code", "match_key"}
	for _, f := range importFields {
		cols = append(cols, f.Column)
	}
	return cols
}()

// pgMarkExisting notes, on each staged row, the contact of the list that has its phone, and
// locks those contacts until the chunk commits, in the order of their ids: two imports into
// one list take their locks in the same order whatever their files' (no deadlock), and a
// contact cannot be deleted between this and the update. $1 org, $2 list.
//
// Each staged row probes the list's unique index (org_id, contact_list_id, match_key) on its
// own (the LIMIT keeps the planner from turning the probes into a join): a list filled by
// this very import has statistics that say it is empty, and the join the planner would choose
// then hashes the whole list, chunk after chunk (4 s a chunk at 850,000 contacts). The locks
// are taken by primary key, from the ids found.
const pgMarkExisting = `WITH found AS (
SELECT s.new_id, h.id FROM ` + pgStaging + ` s CROSS JOIN LATERAL (
SELECT c.id FROM contacts c WHERE c.org_id = $1 AND c.contact_list_id = $2 AND c.match_key = s.match_key LIMIT 1) h
), locked AS (
SELECT c.id FROM contacts c WHERE c.org_id = $1 AND c.id = ANY (ARRAY(SELECT id FROM found)) ORDER BY c.id FOR UPDATE
)
UPDATE ` + pgStaging + ` s SET contact_id = f.id FROM found f JOIN locked l ON l.id = f.id WHERE s.new_id = f.new_id
RETURNING s.new_id, f.id`

// pgUpdateExisting writes the fields each marked row has over its contact's, where that
// changes something, and returns the rows it changed. $1 org, $2 now.
var pgUpdateExisting = func() string {
	set := []string{"phone = s.phone", "country_code = s.country_code"}
	news, olds := []string{"s.phone", "s.country_code"}, []string{"c.phone", "c.country_code"}
	for _, f := range importFields {
		expr := fmt.Sprintf("CASE WHEN s.present & %d <> 0 THEN s.%s ELSE c.%s END", f.bit, f.Column, f.Column)
		set = append(set, f.Column+" = "+expr)
		old := "c." + f.Column
		if f.Type == FieldObject { // json has no equality: compare its text, compacted on the way in
			expr, old = "("+expr+")::text", old+"::text"
		}
		news, olds = append(news, expr), append(olds, old)
	}
	set = append(set, "updated_at = $2")
	return "UPDATE contacts c SET " + strings.Join(set, ", ") + " FROM " + pgStaging + " s" +
		" WHERE c.org_id = $1 AND c.id = s.contact_id" +
		" AND (" + strings.Join(news, ", ") + ") IS DISTINCT FROM (" + strings.Join(olds, ", ") + ")" +
		" RETURNING s.new_id"
}()

// pgInsertNew inserts the rows no contact of the list has the phone of, and returns the ids it
// inserted: a row another writer added the phone of meanwhile is left out. $1 org, $2 list, $3 now.
var pgInsertNew = func() string {
	cols := []string{"id", "org_id", "contact_list_id", "phone", "country_code", "match_key"}
	vals := []string{"s.new_id", "$1", "$2", "s.phone", "s.country_code", "s.match_key"}
	for _, f := range importFields {
		cols, vals = append(cols, f.Column), append(vals, "s."+f.Column)
	}
	cols, vals = append(cols, "created_at", "updated_at"), append(vals, "$3", "$3")
	return "INSERT INTO contacts (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(vals, ", ") +
		" FROM " + pgStaging + " s WHERE s.contact_id IS NULL ORDER BY s.match_key" + // the order of the unique index's waits, as for the locks above
		" ON CONFLICT (org_id, contact_list_id, match_key) DO NOTHING RETURNING id"
}()

// pgSaveImport writes an import's progress and outcome. $1 org, $2 id.
const pgSaveImport = `UPDATE contact_imports SET status = $3, rows_read = $4, created = $5, updated = $6,
unchanged = $7, skipped = $8, failed = $9, failed_rows = $10, failed_rows_omitted = $11, error = $12,
finished_at = $13 WHERE org_id = $1 AND id = $2`

// withPgxConn runs use on one connection of the pool, as pgx's own connection: COPY is not
// in database/sql.
func (s *Store) withPgxConn(ctx context.Context, use func(importEngine) error) error {
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close() // a connection left in a transaction is discarded by stdlib's ResetSession
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL connection is a %T, not pgx's", dc)
		}
		return use(pgImportEngine{s: s, conn: sc.Conn()})
	})
}

// pgImportEngine is an import's own connection.
type pgImportEngine struct {
	s    *Store
	conn *pgx.Conn
}

// allocateIDs runs on the import's connection between its chunks' transactions: a statement
// of its own, as AllocateIDs wants, without taking a second connection from the pool.
func (e pgImportEngine) allocateIDs(ctx context.Context, orgID string, n int) (int64, error) {
	var last int64
	if err := e.conn.QueryRow(ctx, allocateQuery, orgID, string(ContactIDs), n).Scan(&last); err != nil {
		return 0, fmt.Errorf("allocate %d contact ids: %w", n, err)
	}
	return last - int64(n) + 1, nil
}

func (e pgImportEngine) begin(ctx context.Context) (importTx, error) {
	tx, err := e.conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &pgImportTx{s: e.s, tx: tx}, nil
}

func (e pgImportEngine) locksOut() bool { return false }

type pgImportTx struct {
	s      *Store
	tx     pgx.Tx
	staged bool // the staging table exists in this transaction
}

func (t *pgImportTx) apply(ctx context.Context, imp Import, rows []ImportRow, firstID int64) (chunkOutcome, error) {
	var out chunkOutcome
	now := t.s.Now()
	for _, round := range importRounds(rows) {
		if err := t.stage(ctx, rows, round, firstID); err != nil {
			return out, err
		}
		existing, err := t.pairs(ctx, pgMarkExisting, imp.OrgID, imp.ListID)
		if err != nil {
			return out, fmt.Errorf("find the phones the list holds: %w", err)
		}
		switch imp.OnConflict {
		case ConflictFail:
			for newID, contactID := range existing {
				r := rows[newID-firstID]
				out.failed = append(out.failed, phoneHeld(r, imp.ListID, contactID))
			}
		case ConflictSkip:
			out.skipped += int64(len(existing))
		case ConflictUpdate:
			changed, err := t.ids(ctx, pgUpdateExisting, imp.OrgID, now)
			if err != nil {
				return out, fmt.Errorf("update the contacts: %w", err)
			}
			out.updated += int64(len(changed))
			out.unchanged += int64(len(existing) - len(changed))
		}
		inserted, err := t.ids(ctx, pgInsertNew, imp.OrgID, imp.ListID, now)
		if err != nil {
			return out, fmt.Errorf("insert the contacts: %w", err)
		}
		out.created += int64(len(inserted))
		if want := len(round) - len(existing); len(inserted) < want {
			got := make(map[int64]bool, len(inserted))
			for _, id := range inserted {
				got[id] = true
			}
			for _, i := range round {
				if id := firstID + int64(i); !got[id] && existing[id] == 0 {
					out.failed = append(out.failed, raced(rows[i]))
				}
			}
		}
	}
	sortRowErrors(out.failed)
	return out, nil
}

// stage copies the rows of one round into the staging table, emptied first.
func (t *pgImportTx) stage(ctx context.Context, rows []ImportRow, round []int, firstID int64) error {
	if !t.staged {
		if _, err := t.tx.Exec(ctx, pgStagingDDL); err != nil {
			return fmt.Errorf("create the staging table: %w", err)
		}
		t.staged = true
	} else if _, err := t.tx.Exec(ctx, "TRUNCATE "+pgStaging); err != nil {
		return err
	}
	n := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if n == len(round) {
			return nil, nil
		}
		i := round[n]
		n++
		r := &rows[i]
		vals := make([]any, 0, len(pgStagingColumns))
		vals = append(vals, firstID+int64(i), int64(r.Present), r.Phone.E164, r.Phone.Region, r.Phone.MatchKey)
		for _, f := range importFields {
			vals = append(vals, f.value(&r.ContactFields))
		}
		return vals, nil
	})
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{pgStaging}, pgStagingColumns, src); err != nil {
		return fmt.Errorf("copy the rows into the staging table: %w", err)
	}
	// A temporary table has no statistics: without them the planner may join the staged
	// rows to contacts by scanning the organization's contacts.
	_, err := t.tx.Exec(ctx, "ANALYZE "+pgStaging)
	return err
}

// pairs runs a statement returning (staged row's new_id, contact id) pairs.
func (t *pgImportTx) pairs(ctx context.Context, sql string, args ...any) (map[int64]int64, error) {
	rows, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[a] = b
	}
	return out, rows.Err()
}

// ids runs a statement returning one id per row.
func (t *pgImportTx) ids(ctx context.Context, sql string, args ...any) ([]int64, error) {
	rows, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (t *pgImportTx) save(ctx context.Context, imp Import) error {
	failed, err := json.Marshal(imp.FailedRows)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, pgSaveImport, imp.OrgID, imp.ID, string(imp.Status), imp.RowsRead,
		imp.Created, imp.Updated, imp.Unchanged, imp.Skipped, imp.Failed, string(failed),
		imp.FailedRowsOmitted, imp.Error, dbTimePtr(imp.FinishedAt))
	return err
}

// allocateIDs, for an atomic import's open transaction, runs on another connection: in the
// transaction the counter's row would stay locked until the import commits (see AllocateIDs).
func (t *pgImportTx) allocateIDs(ctx context.Context, orgID string, n int) (int64, error) {
	return t.s.AllocateIDs(ctx, orgID, ContactIDs, n)
}

func (t *pgImportTx) commit(ctx context.Context) error { return t.tx.Commit(ctx) }

func (t *pgImportTx) rollback(ctx context.Context) {
	_ = t.tx.Rollback(context.WithoutCancel(ctx)) // a connection that failed it is discarded
}
