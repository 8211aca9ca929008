package store

import (
	"context"
	"database/sql"
	"time"
)

// LinkLID says that lid and phoneJID are one person of the session. When both were stored
// apart, they become one record keeping every name (per source, a non-empty value wins; when
// both have one, the phone record's), every group, the earliest first-seen and latest last-seen
// time, and direct chat if either had it. Whichever arrives first; idempotent. A mapping that
// comes before either is seen is kept (a row with no sighting, not listed) so that the first
// sighting by either JID finds the person. Returns ENOTFOUND when the organization has no such
// session, EINVALID when lid is not a LID or phoneJID not a phone JID.
func (s *Store) LinkLID(ctx context.Context, orgID, sessionID, lid, phoneJID string) error {
	if _, ok := jidUser(lid, lidServer); !ok {
		return invalid("lid", "%q is not a LID (digits@lid)", lid)
	}
	if _, ok := jidUser(phoneJID, phoneServer); !ok {
		return invalid("phoneJid", "%q is not a phone JID (digits@s.whatsapp.net)", phoneJID)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		// Two writers may both find no row and both insert it: the second tries again, and
		// then finds the first's.
		err = s.sqlTx(ctx, func(tx *sql.Tx) error {
			if err := s.checkSession(ctx, tx, orgID, sessionID); err != nil {
				return err
			}
			return s.linkLID(ctx, tx, orgID, sessionID, lid, phoneJID)
		})
		if !isUniqueViolation(err) {
			break
		}
	}
	return err
}

// seenRecord is a stored person, as linkLID reads it.
type seenRecord struct {
	id                          int64
	phoneJID, lid               sql.NullString
	full, first, push, business sql.NullString
	direct                      bool
	firstAt, lastAt             nullTime
}

// linkLID makes lid and phoneJID one person in tx, whose session the caller checked:
//   - neither stored: a row holding the mapping;
//   - one stored: the other JID joins it (a phone row's older LID is replaced: the mapping
//     is WhatsApp's latest word);
//   - both in one row: nothing;
//   - two rows: the LID's row holds no phone, and the two merge into the one seen first
//     (the lower id), or it holds another phone (a number that moved to another account, or
//     the other way round), and the LID leaves it for the phone's row.
func (s *Store) linkLID(ctx context.Context, tx *sql.Tx, orgID, sessionID, lid, phoneJID string) error {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT id, phone_jid, lid, full_name, first_name, push_name, business_name,
	direct_chat, first_seen_at, last_seen_at
FROM wa_seen_people WHERE session_id = $1 AND (phone_jid = $2 OR lid = $3)`+lock), sessionID, phoneJID, lid)
	if err != nil {
		return err
	}
	var byPhone, byLID *seenRecord
	err = eachRow(rows, func() error {
		var r seenRecord
		if err := rows.Scan(&r.id, &r.phoneJID, &r.lid, &r.full, &r.first, &r.push, &r.business, &r.direct, &r.firstAt, &r.lastAt); err != nil {
			return err
		}
		if r.phoneJID.String == phoneJID {
			byPhone = &r
		}
		if r.lid.String == lid {
			byLID = &r
		}
		return nil
	})
	if err != nil {
		return err
	}
	n := phoneOf(phoneJID)
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, s.rebind(query), args...)
		return err
	}
	setLID := func(id int64) error {
		return exec(`UPDATE wa_seen_people SET lid = $1 WHERE id = $2`, lid, id)
	}
	switch {
	case byPhone != nil && byLID != nil && byPhone.id == byLID.id:
		return nil
	case byLID != nil && !byLID.phoneJID.Valid:
		if byPhone == nil {
			return exec(`UPDATE wa_seen_people SET phone_jid = $1, phone = $2, match_key = $3,
	search = `+s.searchOf("full_name", "first_name", "push_name", "business_name", "$2")+` WHERE id = $4`,
				phoneJID, nullable(n.E164), nullable(n.MatchKey), byLID.id)
		}
		return s.mergeSeen(ctx, tx, byPhone, byLID, lid, phoneJID)
	case byLID != nil:
		// The LID is another phone's row's: it leaves that row for this phone's.
		if err := exec(`UPDATE wa_seen_people SET lid = NULL WHERE id = $1`, byLID.id); err != nil {
			return err
		}
	}
	if byPhone != nil {
		return setLID(byPhone.id)
	}
	return exec(`INSERT INTO wa_seen_people (org_id, session_id, phone_jid, lid, phone, match_key, search)
VALUES ($1, $2, $3, $4, $5, $6, `+s.searchOf("NULL", "NULL", "NULL", "NULL", "$5")+`)`,
		orgID, sessionID, phoneJID, lid, nullable(n.E164), nullable(n.MatchKey))
}

// mergeSeen makes the phone's row and the LID's (which holds no phone) one: the row seen
// first keeps its id, so that the person stays where the listing had them; the other's
// memberships move to it and it goes.
func (s *Store) mergeSeen(ctx context.Context, tx *sql.Tx, byPhone, byLID *seenRecord, lid, phoneJID string) error {
	keep, drop := byPhone, byLID
	if byLID.id < byPhone.id {
		keep, drop = byLID, byPhone
	}
	firstAt, lastAt := widen(byPhone.firstAt.t, byLID.firstAt.t, (*time.Time).Before), widen(byPhone.lastAt.t, byLID.lastAt.t, (*time.Time).After)
	n := phoneOf(phoneJID)
	name := func(p, l sql.NullString) any {
		if p.String != "" {
			return p.String
		}
		return nullable(l.String)
	}
	steps := []struct {
		query string
		args  []any
	}{
		{`INSERT INTO wa_seen_memberships (person_id, group_jid)
SELECT $1, group_jid FROM wa_seen_memberships WHERE person_id = $2
ON CONFLICT DO NOTHING`, []any{keep.id, drop.id}},
		{`DELETE FROM wa_seen_people WHERE id = $1`, []any{drop.id}},
		{`UPDATE wa_seen_people SET phone_jid = $1, lid = $2, phone = $3, match_key = $4,
	full_name = $5, first_name = $6, push_name = $7, business_name = $8, direct_chat = $9,
	first_seen_at = $10, last_seen_at = $11, search = ` + s.searchOf("$5", "$6", "$7", "$8", "$3") + `
WHERE id = $12`, []any{phoneJID, lid, nullable(n.E164), nullable(n.MatchKey),
			name(byPhone.full, byLID.full), name(byPhone.first, byLID.first), name(byPhone.push, byLID.push), name(byPhone.business, byLID.business),
			byPhone.direct || byLID.direct, firstAt, lastAt, keep.id}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, s.rebind(st.query), st.args...); err != nil {
			return err
		}
	}
	return nil
}

// widen returns whichever of a and b is first by earlier (nil when both are: a row holding
// only a mapping), as a query argument.
func widen(a, b *time.Time, earlier func(*time.Time, time.Time) bool) any {
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil:
		return *b
	case b == nil:
		return *a
	case earlier(b, *a):
		return *b
	}
	return *a
}

// LeaveGroup records that people (phone JIDs or LIDs) left a group: they are no longer its
// members (they stay seen). Returns ENOTFOUND when the organization has no such session,
// EINVALID for a group that is not a group JID or a person that is neither JID.
func (s *Store) LeaveGroup(ctx context.Context, orgID, sessionID, groupJID string, people []string) error {
	if !isGroupJID(groupJID) {
		return invalid("group", "%q is not a group JID (…@g.us)", groupJID)
	}
	for _, p := range people {
		_, phoneOK := jidUser(p, phoneServer)
		_, lidOK := jidUser(p, lidServer)
		if !phoneOK && !lidOK {
			return invalid("people", "%q is neither a phone JID nor a LID", p)
		}
	}
	if err := s.checkSession(ctx, s.sql, orgID, sessionID); err != nil {
		return err
	}
	for len(people) > 0 {
		chunk := people[:min(len(people), maxParams/2)]
		people = people[len(chunk):]
		args, marks := keyArgs(chunk, 4)
		_, err := s.sql.ExecContext(ctx, s.rebind(`DELETE FROM wa_seen_memberships
WHERE group_jid = $1 AND person_id IN (SELECT id FROM wa_seen_people
	WHERE org_id = $2 AND session_id = $3 AND (phone_jid IN (`+marks+`) OR lid IN (`+marks+`)))`),
			append([]any{groupJID, orgID, sessionID}, args...)...)
		if err != nil {
			return err
		}
	}
	return nil
}
