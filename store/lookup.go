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

// activityFilter selects a phone's activity rows, all sessions or one. Aliases: x for
// inbound_activity; @org, @session bound by the caller.
const activityFilter = `x.org_id = @org AND (@session = '' OR x.session_id = @session)`

// lookupQuery reads a phone's most recently changed contact and, beside it, the phone's
// activity, in one round trip. Both are index reads: contacts_lookup and inbound_activity's
// primary key.
const lookupQuery = `
SELECT ` + contactColumns + `,
	(SELECT MAX(x.last_message_at) FROM inbound_activity x WHERE x.match_key = @key AND ` + activityFilter + `) AS last_reply_at,
	(SELECT MAX(x.last_direct_at) FROM inbound_activity x WHERE x.match_key = @key AND ` + activityFilter + `) AS last_direct_at
FROM contacts c ` + contactJoin + `
WHERE c.org_id = @org AND c.match_key = @key
ORDER BY c.updated_at DESC, c.id DESC
LIMIT 1`

// activityQuery reads the activity of phones, by match key.
const activityQuery = `
SELECT x.match_key, MAX(x.last_message_at) AS last_reply_at, MAX(x.last_direct_at) AS last_direct_at
FROM inbound_activity x
WHERE x.match_key IN @keys AND ` + activityFilter + `
GROUP BY x.match_key`

type lookupRow struct {
	// Exported, or GORM would skip it: an embedded field is named after its (unexported) type.
	Contact      contactRow `gorm:"embedded"`
	LastReplyAt  nullTime
	LastDirectAt nullTime
}

type activityRow struct {
	MatchKey     string
	LastReplyAt  nullTime
	LastDirectAt nullTime
}

// LookupContact looks a phone up by its match key (phone.Number.MatchKey). A non-empty
// sessionID counts only the messages that session received. A phone that is some contact's
// costs one query; a phone in no list costs a second one for its activity.
func (s *Store) LookupContact(ctx context.Context, orgID, matchKey, sessionID string) (Lookup, error) {
	args := map[string]any{"org": orgID, "key": matchKey, "keys": []string{matchKey}, "session": sessionID}
	db := s.db.WithContext(ctx)
	var rows []lookupRow
	if err := db.Raw(lookupQuery, args).Scan(&rows).Error; err != nil {
		return Lookup{}, err
	}
	if len(rows) == 1 {
		l := s.activity(rows[0].LastReplyAt, rows[0].LastDirectAt)
		c := rows[0].Contact.contact()
		l.Contact = &c
		return l, nil
	}
	var activity []activityRow
	if err := db.Raw(activityQuery, args).Scan(&activity).Error; err != nil {
		return Lookup{}, err
	}
	if len(activity) == 1 {
		return s.activity(activity[0].LastReplyAt, activity[0].LastDirectAt), nil
	}
	return Lookup{}, nil
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

// batchContacts reads every contact of the given match keys, each key's most recently changed first.
const batchContacts = `
SELECT ` + contactColumns + `
FROM contacts c ` + contactJoin + `
WHERE c.org_id = @org AND c.match_key IN @keys
ORDER BY c.match_key, c.updated_at DESC, c.id DESC`

// LookupContacts looks many phones up at once, by match key, in two queries. Keys that match
// nothing are absent from the result.
func (s *Store) LookupContacts(ctx context.Context, orgID string, matchKeys []string, sessionID string) (map[string]Lookup, error) {
	out := make(map[string]Lookup, len(matchKeys))
	if len(matchKeys) == 0 {
		return out, nil
	}
	args := map[string]any{"org": orgID, "keys": matchKeys, "session": sessionID}
	db := s.db.WithContext(ctx)

	var activity []activityRow
	if err := db.Raw(activityQuery, args).Scan(&activity).Error; err != nil {
		return nil, err
	}
	for _, a := range activity {
		out[a.MatchKey] = s.activity(a.LastReplyAt, a.LastDirectAt)
	}
	var contacts []contactRow
	if err := db.Raw(batchContacts, args).Scan(&contacts).Error; err != nil {
		return nil, err
	}
	for _, r := range contacts {
		l := out[r.MatchKey]
		if l.Contact != nil {
			continue // an older contact of a key already answered
		}
		c := r.contact()
		l.Contact = &c
		out[r.MatchKey] = l
	}
	return out, nil
}
