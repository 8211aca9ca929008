package store

import (
	"context"
	"time"
)

// ReplyWindow is how long after a contact's last direct message free text may be sent.
const ReplyWindow = 24 * time.Hour

// Lookup is what the organization knows of one phone: the contact (nil when the phone is in no
// list) and the phone's inbound activity, which belongs to the phone, not to a contact.
type Lookup struct {
	Contact     *Contact
	LastReplyAt *time.Time // last message in any chat; nil if the phone never wrote
	// WindowExpiresAt is the last direct message plus ReplyWindow when that is still ahead;
	// nil when no window is open.
	WindowExpiresAt *time.Time
}

// Found reports whether the phone is in at least one list.
func (l Lookup) Found() bool { return l.Contact != nil }

// The lookup is the hot path: it runs on database/sql with positional parameters and scans
// each column itself. GORM's named parameters, statement rendering and reflection cost more
// than the two index reads the query does.

// lookupQuery reads a phone's activity and its most recently changed contact in one round
// trip, found or not: the aggregate always yields one row, and the contact (at most one, by
// contacts_lookup) joins it or leaves its columns NULL. $1 org, $2 match key, $3 session (” for all).
var lookupQuery = `
SELECT ` + contactOf + `, a.last_reply_at, a.last_direct_at
FROM (SELECT MAX(x.last_message_at) AS last_reply_at, MAX(x.last_direct_at) AS last_direct_at
      FROM inbound_activity x
      WHERE x.org_id = $1 AND x.match_key = $2 AND ($3 = '' OR x.session_id = $3)) a
LEFT JOIN (SELECT ` + contactColumns + `
      FROM contacts c ` + contactJoin + `
      WHERE c.org_id = $1 AND c.match_key = $2
      ORDER BY c.updated_at DESC, c.id DESC
      LIMIT 1) c ON 1 = 1`

// LookupContact looks a phone up by its match key (phone.Number.MatchKey). A non-empty
// sessionID counts only the messages that session received.
func (s *Store) LookupContact(ctx context.Context, orgID, matchKey, sessionID string) (Lookup, error) {
	rows, err := s.sql.QueryContext(ctx, s.lookupSQL, orgID, matchKey, sessionID)
	if err != nil {
		return Lookup{}, err
	}
	defer rows.Close()
	var l Lookup
	if rows.Next() {
		var lastReply, lastDirect nullTime
		row, found, err := scanContact(rows, &lastReply, &lastDirect)
		if err != nil {
			return Lookup{}, err
		}
		l = s.activity(lastReply, lastDirect)
		if found {
			c := row.contact()
			l.Contact = &c
		}
	}
	return l, rows.Err()
}

// activity turns a phone's latest message and latest direct message into a lookup's reply fields.
func (s *Store) activity(lastReply, lastDirect nullTime) Lookup {
	l := Lookup{LastReplyAt: lastReply.t}
	if lastDirect.t != nil {
		if expires := lastDirect.t.Add(ReplyWindow); expires.After(s.Now()) {
			l.WindowExpiresAt = &expires
		}
	}
	return l
}

// LookupContacts looks many phones up at once, by match key, in two queries. Keys that match
// nothing are absent from the result.
func (s *Store) LookupContacts(ctx context.Context, orgID string, matchKeys []string, sessionID string) (map[string]Lookup, error) {
	out := make(map[string]Lookup, len(matchKeys))
	if len(matchKeys) == 0 {
		return out, nil
	}
	keys, marks := keyArgs(matchKeys, 3)
	rows, err := s.sql.QueryContext(ctx, s.rebind(`
SELECT x.match_key, MAX(x.last_message_at), MAX(x.last_direct_at)
FROM inbound_activity x
WHERE x.org_id = $1 AND ($2 = '' OR x.session_id = $2) AND x.match_key IN (`+marks+`)
GROUP BY x.match_key`), append([]any{orgID, sessionID}, keys...)...)
	if err != nil {
		return nil, err
	}
	err = eachRow(rows, func() error {
		var key string
		var lastReply, lastDirect nullTime
		if err := rows.Scan(&key, &lastReply, &lastDirect); err != nil {
			return err
		}
		out[key] = s.activity(lastReply, lastDirect)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Each key's contacts, most recently changed first: the first one read answers.
	keys, marks = keyArgs(matchKeys, 2)
	rows, err = s.sql.QueryContext(ctx, s.rebind(`
SELECT `+contactColumns+`
FROM contacts c `+contactJoin+`
WHERE c.org_id = $1 AND c.match_key IN (`+marks+`)
ORDER BY c.match_key, c.updated_at DESC, c.id DESC`), append([]any{orgID}, keys...)...)
	if err != nil {
		return nil, err
	}
	err = eachRow(rows, func() error {
		row, _, err := scanContact(rows)
		if err != nil {
			return err
		}
		if l := out[row.MatchKey]; l.Contact == nil {
			c := row.contact()
			l.Contact = &c
			out[row.MatchKey] = l
		}
		return nil
	})
	return out, err
}
