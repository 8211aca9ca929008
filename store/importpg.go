package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL an import's chunk is copied (COPY, binary) into a temporary staging table and
// applied by a few set-based statements, none per row:
//  1. one SELECT finds (and locks) the list's contacts with the chunk's phones, by the list's
//     unique index;
//  2. the rows are copied into the staging table, each with the contact it meets, if any;
//  3. one UPDATE writes the rows that meet a contact over it (under onConflict=update);
//  4. one INSERT … SELECT adds the others.

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
	cols := []string{"new_id", "contact_id", "present", "phone", "country_code", "match_key"}
	for _, f := range importFields {
		cols = append(cols, f.Column)
	}
	return cols
}()

// pgHeld finds the list's contacts with these phones and locks them until the chunk commits,
// in the order of the phones' match keys, which held sorts: the chunks of two imports into
// one list take their locks in one order whatever their files' (pgInsertNew adds rows in that
// order too), and a contact cannot be deleted between this and its update. Two atomic imports
// hold every chunk's locks to the end, each chunk sorted on its own, and can still deadlock:
// the one PostgreSQL aborts fails with EBUSY (chunkFailure).
//
// Each phone is its own probe of the list's unique index, the LIMIT keeping the subquery out
// of a join the planner could reorder. Written as match_key = ANY ($3), the planner read the
// list's statistics, which say that a list the import is filling is empty, and scanned the
// whole list with the phones as a filter: every chunk read every row of the chunks before it
// (3.9 million index entries in 10 s at a few hundred thousand rows, a quadratic import).
// $1 org, $2 list, $3 the phones' match keys.
const pgHeld = `SELECT c.id, c.match_key FROM unnest($3::text[]) AS k(match_key),
LATERAL (SELECT id, match_key FROM contacts
  WHERE org_id = $1 AND contact_list_id = $2 AND match_key = k.match_key
  LIMIT 1 FOR UPDATE) AS c`

// pgUpdateExisting writes the fields each staged row has over its contact's (contact_id),
// where that changes something: its count of rows is the contacts it changed. $1 org, $2 now.
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
		" AND (" + strings.Join(news, ", ") + ") IS DISTINCT FROM (" + strings.Join(olds, ", ") + ")"
}()

// pgInsertNew adds the staged rows that meet no contact, in the order of their phones (the
// unique index's, as the locks of pgHeld are in one order). A phone another writer added to
// the list since pgHeld is a unique violation: the chunk rolls back and is tried again, and
// then meets that contact. $1 org, $2 list, $3 now.
var pgInsertNew = func() string {
	cols := []string{"id", "org_id", "contact_list_id", "phone", "country_code", "match_key"}
	vals := []string{"s.new_id", "$1", "$2", "s.phone", "s.country_code", "s.match_key"}
	for _, f := range importFields {
		cols, vals = append(cols, f.Column), append(vals, "s."+f.Column)
	}
	cols, vals = append(cols, "created_at", "updated_at"), append(vals, "$3", "$3")
	return "INSERT INTO contacts (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(vals, ", ") +
		" FROM " + pgStaging + " s WHERE s.contact_id IS NULL ORDER BY s.match_key"
}()

// pgImportSettings open each of an import's transactions. The staged rows reach their
// contacts by primary key, a few thousand probes. A temporary table has no statistics, and
// estimated from its size the join may become a hash of the organization's contacts, read
// whole on every chunk (a re-import of a million rows took two minutes so); in these
// transactions only, the planner is left the nested loop.
var pgImportSettings = []string{"SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off"}

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

// withPgxConns runs use on n connections of the pool (withPgxConn's), taken one after another.
func (s *Store) withPgxConns(ctx context.Context, n int, use func([]importEngine) error) error {
	engines := make([]importEngine, 0, n)
	var take func() error
	take = func() error {
		if len(engines) == n {
			return use(engines)
		}
		return s.withPgxConn(ctx, func(e importEngine) error {
			engines = append(engines, e)
			return take()
		})
	}
	return take()
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
	for _, set := range pgImportSettings {
		if _, err := tx.Exec(ctx, set); err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return nil, err
		}
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
		held, err := t.held(ctx, imp, rows, round)
		if err != nil {
			return out, fmt.Errorf("find the phones the list holds: %w", err)
		}
		meet := 0
		for _, i := range round {
			if id, ok := held[rows[i].Phone.MatchKey]; ok {
				meet++
				switch imp.OnConflict {
				case ConflictFail:
					out.failed = append(out.failed, phoneHeld(rows[i], imp.ListID, id))
				case ConflictSkip:
					out.skipped++
				}
			}
		}
		if err := t.stage(ctx, rows, round, held, firstID); err != nil {
			return out, err
		}
		if imp.OnConflict == ConflictUpdate && meet > 0 {
			tag, err := t.tx.Exec(ctx, pgUpdateExisting, imp.OrgID, now)
			if err != nil {
				return out, fmt.Errorf("update the contacts: %w", err)
			}
			out.updated += tag.RowsAffected()
			out.unchanged += int64(meet) - tag.RowsAffected()
		}
		if meet < len(round) {
			tag, err := t.tx.Exec(ctx, pgInsertNew, imp.OrgID, imp.ListID, now)
			if err != nil {
				return out, fmt.Errorf("insert the contacts: %w", err)
			}
			out.created += tag.RowsAffected()
		}
	}
	sortRowErrors(out.failed)
	return out, nil
}

// held runs pgHeld for one round's phones: their contacts' ids by match key.
func (t *pgImportTx) held(ctx context.Context, imp Import, rows []ImportRow, round []int) (map[string]int64, error) {
	keys := make([]string, len(round))
	for j, i := range round {
		keys[j] = rows[i].Phone.MatchKey
	}
	slices.Sort(keys) // the order of the locks
	found, err := t.tx.Query(ctx, pgHeld, imp.OrgID, imp.ListID, keys)
	if err != nil {
		return nil, err
	}
	defer found.Close()
	out := map[string]int64{}
	for found.Next() {
		var id int64
		var key string
		if err := found.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[key] = id
	}
	return out, found.Err()
}

// stage copies one round's rows into the staging table, emptied first, each with the id of
// the contact it meets (NULL for none) and the id it takes if it is new.
func (t *pgImportTx) stage(ctx context.Context, rows []ImportRow, round []int, held map[string]int64, firstID int64) error {
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
		var contactID *int64
		if id, ok := held[r.Phone.MatchKey]; ok {
			contactID = &id
		}
		vals := make([]any, 0, len(pgStagingColumns))
		vals = append(vals, firstID+int64(i), contactID, int64(r.Present), r.Phone.E164, r.Phone.Region, r.Phone.MatchKey)
		for _, f := range importFields {
			vals = append(vals, f.value(&r.ContactFields))
		}
		return vals, nil
	})
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{pgStaging}, pgStagingColumns, src); err != nil {
		return fmt.Errorf("copy the rows into the staging table: %w", err)
	}
	return nil
}

func (t *pgImportTx) save(ctx context.Context, imp Import) error {
	args, err := saveImportArgs(imp)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, saveImportSQL, args...)
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
