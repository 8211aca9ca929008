package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// SeenGroup is a group the session is in.
type SeenGroup struct {
	JID          string // …@g.us
	Name         string // "" keeps the stored name
	Participants int    // how many members WhatsApp listed at RefreshedAt
	RefreshedAt  time.Time
}

// RecordGroups upserts the session's groups (one round trip). A refresh older than the stored
// one changes nothing but a name the row lacked: WhatsApp's events may arrive out of order.
// Returns ENOTFOUND when the organization has no such session, EINVALID (changing nothing)
// for a JID that is not a group's, a negative count or a missing time.
func (s *Store) RecordGroups(ctx context.Context, orgID, sessionID string, groups []SeenGroup) error {
	// One row per group: a statement may not touch a row twice. The latest refresh wins,
	// and a name any of them told.
	var batch []SeenGroup
	at := map[string]int{}
	for i, g := range groups {
		if !isGroupJID(g.JID) {
			return invalid("groups", "group %d: %q is not a group JID (…@g.us)", i, g.JID)
		}
		if g.Participants < 0 {
			return invalid("groups", "group %d: %d participants", i, g.Participants)
		}
		if g.RefreshedAt.IsZero() {
			return invalid("groups", "group %d has no refresh time", i)
		}
		g.RefreshedAt = dbTime(g.RefreshedAt)
		j, seen := at[g.JID]
		switch {
		case !seen:
			at[g.JID] = len(batch)
			batch = append(batch, g)
		case !g.RefreshedAt.Before(batch[j].RefreshedAt):
			if g.Name == "" {
				g.Name = batch[j].Name
			}
			batch[j] = g
		case batch[j].Name == "":
			batch[j].Name = g.Name
		}
	}
	if len(batch) == 0 {
		return s.checkSession(ctx, s.sql, orgID, sessionID)
	}
	if len(batch) <= maxParams/4 {
		return s.upsertGroups(ctx, s.sql, orgID, sessionID, batch)
	}
	return s.sqlTx(ctx, func(tx *sql.Tx) error {
		for len(batch) > 0 {
			chunk := batch[:min(len(batch), maxParams/4)]
			batch = batch[len(chunk):]
			if err := s.upsertGroups(ctx, tx, orgID, sessionID, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) upsertGroups(ctx context.Context, q queryer, orgID, sessionID string, chunk []SeenGroup) error {
	args := []any{orgID, sessionID}
	values := make([]string, len(chunk))
	for i, g := range chunk {
		n := len(args) + 1
		args = append(args, g.JID, nullable(g.Name), g.Participants, g.RefreshedAt)
		values[i] = "(" + placeholder(n) + ", " + placeholder(n+1) + ", " + s.cast(placeholder(n+2), "integer") + ", " +
			s.cast(placeholder(n+3), "timestamptz") + ")"
	}
	res, err := q.ExecContext(ctx, s.rebind(`INSERT INTO wa_seen_groups AS g (session_id, org_id, jid, name, participants, refreshed_at)
SELECT $2, $1, v.column1, v.column2, v.column3, v.column4
FROM (VALUES `+strings.Join(values, ", ")+`) AS v
WHERE EXISTS (SELECT 1 FROM wa_sessions s WHERE s.id = $2 AND s.org_id = $1)
ON CONFLICT (session_id, jid) DO UPDATE SET
	name = CASE WHEN excluded.refreshed_at >= g.refreshed_at THEN COALESCE(excluded.name, g.name)
		ELSE COALESCE(g.name, excluded.name) END,
	participants = CASE WHEN excluded.refreshed_at >= g.refreshed_at THEN excluded.participants ELSE g.participants END,
	refreshed_at = CASE WHEN excluded.refreshed_at > g.refreshed_at THEN excluded.refreshed_at ELSE g.refreshed_at END`), args...)
	return affectedOrNotFound(res, err, sessionID)
}

// SeenGroups lists the session's groups in JID order after the group JID after ("" first),
// at most limit; more says whether another page follows. One query: the session's row joins
// the page, so an empty page and a session that is not the organization's (ENOTFOUND) differ.
func (s *Store) SeenGroups(ctx context.Context, orgID, sessionID, after string, limit int) ([]SeenGroup, bool, error) {
	if limit < 1 {
		return nil, false, invalid("limit", "limit must be at least 1")
	}
	rows, err := s.sql.QueryContext(ctx, s.rebind(`SELECT s.id, g.jid, g.name, g.participants, g.refreshed_at
FROM wa_sessions s
LEFT JOIN (SELECT jid, name, participants, refreshed_at FROM wa_seen_groups
	WHERE org_id = $1 AND session_id = $2 AND jid > $3 ORDER BY jid LIMIT $4) g ON 1 = 1
WHERE s.id = $2 AND s.org_id = $1
ORDER BY g.jid`), orgID, sessionID, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	found := false
	out := []SeenGroup{}
	err = eachRow(rows, func() error {
		var id string
		var jid, name sql.NullString
		var participants sql.NullInt64
		var refreshed nullTime
		if err := rows.Scan(&id, &jid, &name, &participants, &refreshed); err != nil {
			return err
		}
		found = true
		if jid.Valid {
			out = append(out, SeenGroup{JID: jid.String, Name: name.String, Participants: int(participants.Int64), RefreshedAt: *refreshed.t})
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !found {
		return nil, false, sessionNotFound(sessionID)
	}
	out, more := trimPage(out, limit)
	return out, more, nil
}

// RenameSeenGroup records a group's new name. A group the session has not listed yet is left
// for its next listing (which names it): nothing is written, and that is no error.
func (s *Store) RenameSeenGroup(ctx context.Context, orgID, sessionID, groupJID, name string) error {
	if !isGroupJID(groupJID) {
		return invalid("group", "%q is not a group JID (…@g.us)", groupJID)
	}
	return s.db.WithContext(ctx).Exec(`UPDATE wa_seen_groups SET name = ? WHERE org_id = ? AND session_id = ? AND jid = ?`,
		nonEmpty(name), orgID, sessionID, groupJID).Error
}

// KeepSeenGroups forgets the session's groups that are not in keep, and who was in them:
// keep is every group WhatsApp listed for the account at a login, so the others are groups
// the session left while wagate was not watching. Returns ENOTFOUND when the organization
// has no such session, EINVALID for a JID in keep that is not a group's.
func (s *Store) KeepSeenGroups(ctx context.Context, orgID, sessionID string, keep []string) error {
	kept := make(map[string]bool, len(keep))
	for _, g := range keep {
		if !isGroupJID(g) {
			return invalid("groups", "%q is not a group JID (…@g.us)", g)
		}
		kept[g] = true
	}
	if err := s.checkSession(ctx, s.sql, orgID, sessionID); err != nil {
		return err
	}
	// The groups the session has, less those kept: a difference taken here, since keep may
	// be longer than one statement's parameters.
	rows, err := s.sql.QueryContext(ctx, s.rebind(`SELECT jid FROM wa_seen_groups WHERE org_id = $1 AND session_id = $2`), orgID, sessionID)
	if err != nil {
		return err
	}
	var gone []string
	err = eachRow(rows, func() error {
		var jid string
		if err := rows.Scan(&jid); err != nil {
			return err
		}
		if !kept[jid] {
			gone = append(gone, jid)
		}
		return nil
	})
	if err != nil || len(gone) == 0 {
		return err
	}
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for len(gone) > 0 {
		chunk := gone[:min(len(gone), maxParams-3)]
		gone = gone[len(chunk):]
		args, marks := keyArgs(chunk, 3)
		all := append([]any{orgID, sessionID}, args...)
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM wa_seen_memberships WHERE group_jid IN (`+marks+`)
	AND person_id IN (SELECT id FROM wa_seen_people WHERE org_id = $1 AND session_id = $2)`), all...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM wa_seen_groups WHERE org_id = $1 AND session_id = $2 AND jid IN (`+marks+`)`), all...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
