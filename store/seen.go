package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"

	"github.com/wagate/wagate/whatsapp/phone"
)

// The people a WhatsApp session has met (issue 8). The adapter records them from its events;
// the API lists them from the stored rows, connected or not. A person is one row of
// wa_seen_people per session, keyed by the phone JID, or by the LID while WhatsApp has told
// only that; a mapping between the two (LinkLID) makes them one row.

// SeenPerson is what one event tells of a person a session met. An empty string is "not told"
// and never overwrites what is stored.
type SeenPerson struct {
	PhoneJID            string // "5492235961983@s.whatsapp.net" (no device part); "" when the event gave only a LID
	LID                 string // "123456789012345@lid"; "" when not told
	FullName, FirstName string // from the phone's address book
	PushName            string // the name the person set
	BusinessName        string // a verified business name
	DirectChat          bool   // seen in a one-to-one chat with the session (true sets; false leaves as is)
	Group               string // a group JID (…@g.us) they were seen in; "" for none
	At                  time.Time
}

// The servers of the JIDs the store takes.
const (
	phoneServer = "s.whatsapp.net"
	lidServer   = "lid"
	groupServer = "g.us"
)

// jidUser returns the user part of jid when jid is user@server with a user of digits only
// (no device or agent part), as phone JIDs and LIDs are.
func jidUser(jid, server string) (string, bool) {
	user, ok := strings.CutSuffix(jid, "@"+server)
	if !ok || user == "" {
		return "", false
	}
	for _, c := range user {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return user, true
}

// isGroupJID reports whether jid is a group's: "120363…@g.us", or the older "creator-time@g.us".
func isGroupJID(jid string) bool {
	user, ok := strings.CutSuffix(jid, "@"+groupServer)
	return ok && user != "" && !strings.ContainsAny(user, "@: ")
}

// phoneOf is the number of a phone JID: E.164 and match key, both "" when the user part is
// not a valid number (the person is still kept, by the JID).
func phoneOf(phoneJID string) phone.Number {
	user, _ := strings.CutSuffix(phoneJID, "@"+phoneServer)
	n, err := phone.Parse("+"+user, "")
	if err != nil {
		return phone.Number{}
	}
	return n
}

// RecordSeen records what events told of people, in ONE round trip on the common path (one
// statement or one batch; a transaction only where a merge needs it). A person is keyed by
// (session, phone JID), or by (session, LID) while the phone is not known. A person given with
// both PhoneJID and LID links the two as LinkLID does. Idempotent: the same people again change
// nothing but last-seen times that move forward. Returns ENOTFOUND when the organization has
// no such session, EINVALID (changing nothing) when a person has neither JID, a JID is not
// of its kind, a group is not a group JID, or a time is missing.
func (s *Store) RecordSeen(ctx context.Context, orgID, sessionID string, people []SeenPerson) error {
	batch, err := newSeenBatch(people)
	if err != nil {
		return err
	}
	if len(batch) == 0 {
		return s.checkSession(ctx, s.sql, orgID, sessionID)
	}
	err = s.writeSeen(ctx, orgID, sessionID, batch)
	for attempt := 0; isUniqueViolation(err) && attempt < 3; attempt++ {
		// A LID given with a phone is another row's: link the two, then write again. A
		// concurrent writer may take a key between the link and the write: try again.
		err = s.sqlTx(ctx, func(tx *sql.Tx) error {
			if err := s.checkSession(ctx, tx, orgID, sessionID); err != nil {
				return err
			}
			for _, r := range batch {
				if r.phoneJID != "" && r.lid != "" {
					if err := s.linkLID(ctx, tx, orgID, sessionID, r.lid, r.phoneJID); err != nil {
						return err
					}
				}
			}
			return s.writeSeenIn(ctx, tx, orgID, sessionID, batch)
		})
	}
	return err
}

// seenRow is one person of a RecordSeen batch, after the batch's sightings of them were
// folded together.
type seenRow struct {
	phoneJID, lid               string
	phone                       phone.Number
	full, first, push, business string
	direct                      bool
	firstAt, lastAt             time.Time
	groups                      []string
}

// newSeenBatch checks the people and folds the sightings of one person into one row: a
// statement may not touch a row twice. Later names win (a person renames), times widen,
// direct chat and groups add up. A LID given with a phone joins that phone's row, and a LID
// given alone joins the row of the phone the batch links it to; a LID the batch gives with
// two phones stays with the last.
func newSeenBatch(people []SeenPerson) ([]*seenRow, error) {
	phoneOfLID := map[string]string{}
	for i, p := range people {
		if p.PhoneJID == "" && p.LID == "" {
			return nil, invalid("people", "person %d has neither a phone JID nor a LID", i)
		}
		if _, ok := jidUser(p.PhoneJID, phoneServer); p.PhoneJID != "" && !ok {
			return nil, invalid("people", "person %d: %q is not a phone JID (digits@s.whatsapp.net)", i, p.PhoneJID)
		}
		if _, ok := jidUser(p.LID, lidServer); p.LID != "" && !ok {
			return nil, invalid("people", "person %d: %q is not a LID (digits@lid)", i, p.LID)
		}
		if p.Group != "" && !isGroupJID(p.Group) {
			return nil, invalid("people", "person %d: %q is not a group JID (…@g.us)", i, p.Group)
		}
		if p.At.IsZero() {
			return nil, invalid("people", "person %d has no time", i)
		}
		if p.PhoneJID != "" && p.LID != "" {
			phoneOfLID[p.LID] = p.PhoneJID
		}
	}
	var rows []*seenRow
	byKey := map[string]*seenRow{}
	for _, p := range people {
		lid, phoneJID := p.LID, p.PhoneJID
		if phoneJID == "" {
			phoneJID = phoneOfLID[lid]
		} else if lid != "" && phoneOfLID[lid] != phoneJID {
			lid = "" // the batch gives this LID to a later phone
		}
		key := "phone " + phoneJID
		if phoneJID == "" {
			key = "lid " + lid
		}
		r := byKey[key]
		if r == nil {
			r = &seenRow{phoneJID: phoneJID, firstAt: dbTime(p.At), lastAt: dbTime(p.At)}
			if phoneJID != "" {
				r.phone = phoneOf(phoneJID)
			}
			byKey[key] = r
			rows = append(rows, r)
		}
		if lid != "" {
			r.lid = lid
		}
		setIfTold(&r.full, p.FullName)
		setIfTold(&r.first, p.FirstName)
		setIfTold(&r.push, p.PushName)
		setIfTold(&r.business, p.BusinessName)
		r.direct = r.direct || p.DirectChat
		if at := dbTime(p.At); at.Before(r.firstAt) {
			r.firstAt = at
		} else if at.After(r.lastAt) {
			r.lastAt = at
		}
		if p.Group != "" && !containsString(r.groups, p.Group) {
			r.groups = append(r.groups, p.Group)
		}
	}
	return rows, nil
}

// setIfTold sets *dst to v unless v is "" (not told).
func setIfTold(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// writeSeen writes a batch: on the common path (one person, or few of one kind) one
// statement straight on the pool, else its statements in one transaction.
func (s *Store) writeSeen(ctx context.Context, orgID, sessionID string, batch []*seenRow) error {
	steps := s.seenSteps(orgID, sessionID, batch)
	if len(steps) == 1 {
		return steps[0](ctx, s.sql)
	}
	return s.sqlTx(ctx, func(tx *sql.Tx) error { return runSteps(ctx, tx, steps) })
}

// writeSeenIn writes a batch inside the caller's transaction.
func (s *Store) writeSeenIn(ctx context.Context, tx *sql.Tx, orgID, sessionID string, batch []*seenRow) error {
	return runSteps(ctx, tx, s.seenSteps(orgID, sessionID, batch))
}

// A step is one statement (or, on SQLite, a statement and its memberships') of a write.
type step func(ctx context.Context, q queryer) error

func runSteps(ctx context.Context, q queryer, steps []step) error {
	for _, st := range steps {
		if err := st(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// seenSteps splits a batch into statements: people keyed by phone apart from people known
// only by LID (a statement has one conflict target), each in chunks that keep under the
// engines' limits on parameters.
func (s *Store) seenSteps(orgID, sessionID string, batch []*seenRow) []step {
	var steps []step
	for _, key := range []string{"phone_jid", "lid"} {
		var chunk []*seenRow
		params := 0
		flush := func() {
			if len(chunk) > 0 {
				steps = append(steps, s.upsertSeen(orgID, sessionID, key, chunk))
			}
			chunk, params = nil, 0
		}
		for _, r := range batch {
			if (key == "phone_jid") != (r.phoneJID != "") {
				continue
			}
			n := seenColumns + 2*len(r.groups)
			if params+n > maxParams {
				flush()
			}
			chunk = append(chunk, r)
			params += n
		}
		flush()
	}
	return steps
}

// maxParams bounds the parameters of one statement: SQLite takes 32,766, PostgreSQL 65,535.
const maxParams = 30000

// seenColumns is how many parameters a person takes in upsertSeen's VALUES.
const seenColumns = 11

// searchSeparator stands between the names and the phone in the search column, so that q
// never matches across two of them.
const searchSeparator = "\n"

// searchOf is the search column's value of the names and phone given (SQL expressions, in
// the order full, first, push, business name, phone): them lower-cased, one per line.
func (s *Store) searchOf(full, first, push, business, phone string) string {
	args := []string{full, first, push, business, phone}
	for i, a := range args {
		// Typed: PostgreSQL cannot infer a parameter's type from concat_ws's "any".
		args[i] = "CAST(" + a + " AS TEXT)"
	}
	return s.foldFunction() + "(concat_ws('" + searchSeparator + "', " + strings.Join(args, ", ") + "))"
}

// upsertSeen is the statement that records a chunk of people keyed by key (phone_jid or lid),
// their memberships included. Names: a non-empty value replaces, NULL (empty) keeps; the
// times only widen, in the portable CASE form (see recordInbound); the session must be the
// organization's, or nothing is written and the step says ENOTFOUND.
func (s *Store) upsertSeen(orgID, sessionID, key string, chunk []*seenRow) step {
	args := []any{orgID, sessionID}
	var values []string
	for _, r := range chunk {
		first := len(args) + 1
		args = append(args, nullable(r.phoneJID), nullable(r.lid), nullable(r.phone.E164), nullable(r.phone.MatchKey),
			nullable(r.full), nullable(r.first), nullable(r.push), nullable(r.business), r.direct, r.firstAt, r.lastAt)
		cols := make([]string, seenColumns)
		for i := range cols {
			cols[i] = placeholder(first + i)
		}
		cols[8] = s.cast(cols[8], "boolean")
		cols[9] = s.cast(cols[9], "timestamptz")
		cols[10] = s.cast(cols[10], "timestamptz")
		values = append(values, "("+strings.Join(cols, ", ")+")")
	}
	coalesce := func(col string) string { return "COALESCE(excluded." + col + ", p." + col + ")" }
	upsert := `INSERT INTO wa_seen_people AS p (org_id, session_id, phone_jid, lid, phone, match_key,
	full_name, first_name, push_name, business_name, direct_chat, first_seen_at, last_seen_at, search)
SELECT $1, $2, v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10, v.column11,
	` + s.searchOf("v.column5", "v.column6", "v.column7", "v.column8", "v.column3") + `
FROM (VALUES ` + strings.Join(values, ",\n\t") + `) AS v
WHERE EXISTS (SELECT 1 FROM wa_sessions s WHERE s.id = $2 AND s.org_id = $1)
ON CONFLICT (session_id, ` + key + `) DO UPDATE SET
	phone_jid = ` + coalesce("phone_jid") + `,
	lid = ` + coalesce("lid") + `,
	phone = ` + coalesce("phone") + `,
	match_key = ` + coalesce("match_key") + `,
	full_name = ` + coalesce("full_name") + `,
	first_name = ` + coalesce("first_name") + `,
	push_name = ` + coalesce("push_name") + `,
	business_name = ` + coalesce("business_name") + `,
	direct_chat = p.direct_chat OR excluded.direct_chat,
	first_seen_at = CASE WHEN p.first_seen_at IS NULL OR excluded.first_seen_at < p.first_seen_at
		THEN excluded.first_seen_at ELSE p.first_seen_at END,
	last_seen_at = CASE WHEN p.last_seen_at IS NULL OR excluded.last_seen_at > p.last_seen_at
		THEN excluded.last_seen_at ELSE p.last_seen_at END,
	search = ` + s.searchOf(coalesce("full_name"), coalesce("first_name"), coalesce("push_name"), coalesce("business_name"), coalesce("phone"))

	// The memberships: (the person's key, group) pairs.
	var pairs []string
	var pairArgs []any
	for _, r := range chunk {
		k := r.phoneJID
		if key == "lid" {
			k = r.lid
		}
		for _, g := range r.groups {
			pairArgs = append(pairArgs, k, g)
		}
	}
	pairValues := func(first int) string {
		pairs = pairs[:0]
		for i := 0; i < len(pairArgs); i += 2 {
			pairs = append(pairs, "("+placeholder(first+i)+", "+placeholder(first+i+1)+")")
		}
		return strings.Join(pairs, ", ")
	}

	switch {
	case len(pairArgs) == 0:
		query := s.rebind(upsert)
		return func(ctx context.Context, q queryer) error {
			res, err := q.ExecContext(ctx, query, args...)
			return affectedOrNotFound(res, err, sessionID)
		}
	case s.dialect == Postgres:
		// One statement: the upsert returns the people's ids, the memberships insert from them.
		query := `WITH up AS (` + upsert + `
	RETURNING p.id, p.` + key + `),
m AS (INSERT INTO wa_seen_memberships (person_id, group_jid)
	SELECT up.id, g.column2 FROM (VALUES ` + pairValues(len(args)+1) + `) AS g JOIN up ON up.` + key + ` = g.column1
	ON CONFLICT DO NOTHING)
SELECT count(*) FROM up`
		all := append(append([]any{}, args...), pairArgs...)
		return func(ctx context.Context, q queryer) error {
			var n int64
			if err := q.QueryRowContext(ctx, query, all...).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return sessionNotFound(sessionID)
			}
			return nil
		}
	default:
		// SQLite has no writes in WITH: the memberships follow in the same transaction (in
		// process, a statement is no round trip). WHERE true tells its parser that ON
		// CONFLICT is the upsert's, not the join's.
		query := s.rebind(upsert)
		members := s.rebind(`INSERT INTO wa_seen_memberships (person_id, group_jid)
SELECT p.id, g.column2 FROM (VALUES ` + pairValues(2) + `) AS g
JOIN wa_seen_people p ON p.session_id = $1 AND p.` + key + ` = g.column1
WHERE true ON CONFLICT DO NOTHING`)
		memberArgs := append([]any{sessionID}, pairArgs...)
		return func(ctx context.Context, q queryer) error {
			res, err := q.ExecContext(ctx, query, args...)
			if err := affectedOrNotFound(res, err, sessionID); err != nil {
				return err
			}
			_, err = q.ExecContext(ctx, members, memberArgs...)
			return err
		}
	}
}

// affectedOrNotFound is a write's error, or ENOTFOUND when it wrote nothing: the statements
// that call it write at least one row whenever the session is the organization's.
func affectedOrNotFound(res sql.Result, err error, sessionID string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sessionNotFound(sessionID)
	}
	return nil
}

// cast gives a parameter its type where PostgreSQL cannot infer it (in a VALUES list that is
// not an INSERT's own); SQLite needs none, and its CAST would turn a time's text into a number.
func (s *Store) cast(param, typ string) string {
	if s.dialect == Postgres {
		return param + "::" + typ
	}
	return param
}

func placeholder(n int) string { return "$" + strconv.Itoa(n) }

// nullable is v, or NULL for "".
func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// queryer is the pool or a transaction.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlTx runs fn in a database/sql transaction (SQLite's take the write lock at once: _txlock).
func (s *Store) sqlTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// checkSession returns ENOTFOUND unless the organization has the session.
func (s *Store) checkSession(ctx context.Context, q queryer, orgID, sessionID string) error {
	var one int
	err := q.QueryRowContext(ctx, s.rebind(`SELECT 1 FROM wa_sessions WHERE id = $1 AND org_id = $2`), sessionID, orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return sessionNotFound(sessionID)
	}
	return err
}

// isUniqueViolation reports whether err is a unique constraint's, from either driver as
// database/sql returns it (GORM's translation does not see these statements).
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var lite sqlite3.ExtendedErrorCode
	if errors.As(err, &lite) {
		return lite == sqlite3.CONSTRAINT_UNIQUE || lite == sqlite3.CONSTRAINT_PRIMARYKEY
	}
	return false
}
