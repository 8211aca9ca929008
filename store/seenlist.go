package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// SeenFilter narrows SeenContacts; zero values do not filter. Combinable (AND).
type SeenFilter struct {
	Source string // "", "dm" (people in a direct chat) or "group" (people seen in any group)
	Group  string // members of this group JID
	Q      string // case-insensitive substring of any name or of the phone's digits; %, _ and \ match themselves
}

// The sources SeenFilter.Source takes.
const (
	SeenSourceDM    = "dm"
	SeenSourceGroup = "group"
)

// SeenContact is one person as listed.
type SeenContact struct {
	ID                                          int64  // the paging key: ascending, assigned at first sight, so new people come last
	PhoneJID, LID, Phone                        string // Phone is E.164 from the phone JID ("" when not a valid number or unknown)
	FullName, FirstName, PushName, BusinessName string
	DisplayName                                 string // the first non-empty of full name, first name, push name, business name
	DirectChat                                  bool
	Groups                                      []string // group JIDs, sorted
	FirstSeenAt, LastSeenAt                     time.Time
	Contacts                                    []SeenContactMatch // the organization's contacts with the same phone (by match key), by contact id
}

// SeenContactMatch is one of the organization's contacts with a seen person's phone.
type SeenContactMatch struct{ ContactID, ContactListID int64 }

// SeenContacts lists the session's people after the one with id after (0 for the first page),
// at most limit, in id order; more says whether another page follows. ENOTFOUND when the
// organization has no such session. Stable while rows are added (keyset by id). EINVALID for
// a source other than dm or group, a group that is not a group JID, a limit under 1 or a
// negative after.
//
// "group" lists the people who are members of a group now: one who left every group the
// session shares with them stays listed, without groups, as seen.
//
// One query: the page, each person's groups and matching contacts as aggregates, and the
// session's row, which tells an empty page from a session that is not the organization's.
func (s *Store) SeenContacts(ctx context.Context, orgID, sessionID string, f SeenFilter, after int64, limit int) ([]SeenContact, bool, error) {
	switch {
	case f.Source != "" && f.Source != SeenSourceDM && f.Source != SeenSourceGroup:
		return nil, false, invalid("source", "source must be dm or group, not %q", f.Source)
	case f.Group != "" && !isGroupJID(f.Group):
		return nil, false, invalid("group", "%q is not a group JID (…@g.us)", f.Group)
	case limit < 1:
		return nil, false, invalid("limit", "limit must be at least 1")
	case after < 0:
		return nil, false, invalid("after", "after must not be negative")
	case !utf8.ValidString(f.Q) || strings.ContainsRune(f.Q, 0):
		// PostgreSQL refuses both in text (a 500 otherwise); no name or number holds them.
		return nil, false, invalid("q", "q must be UTF-8 text without NUL characters")
	}
	query, args, none := s.seenContactsStatement(orgID, sessionID, f, after, limit)
	if none {
		// The separator stands between two fields: no one field holds it.
		return []SeenContact{}, false, s.checkSession(ctx, s.sql, orgID, sessionID)
	}
	rows, err := s.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	found := false
	out := []SeenContact{}
	err = eachRow(rows, func() error {
		var (
			session                     string
			id                          sql.NullInt64
			phoneJID, lid, phone        sql.NullString
			full, first, push, business sql.NullString
			direct                      sql.NullBool
			firstAt, lastAt             nullTime
			groups, contacts            sql.NullString
		)
		if err := rows.Scan(&session, &id, &phoneJID, &lid, &phone, &full, &first, &push, &business, &direct,
			&firstAt, &lastAt, &groups, &contacts); err != nil {
			return err
		}
		found = true
		if !id.Valid { // the session, with an empty page
			return nil
		}
		c := SeenContact{
			ID: id.Int64, PhoneJID: phoneJID.String, LID: lid.String, Phone: phone.String,
			FullName: full.String, FirstName: first.String, PushName: push.String, BusinessName: business.String,
			DirectChat: direct.Bool, FirstSeenAt: *firstAt.t, LastSeenAt: *lastAt.t,
			Groups: []string{}, Contacts: []SeenContactMatch{},
		}
		c.DisplayName = firstNonEmpty(c.FullName, c.FirstName, c.PushName, c.BusinessName)
		if groups.String != "" {
			c.Groups = strings.Split(groups.String, " ")
		}
		for _, m := range strings.Fields(contacts.String) {
			contactID, listID, _ := strings.Cut(m, ":")
			var match SeenContactMatch
			var err error
			if match.ContactID, err = strconv.ParseInt(contactID, 10, 64); err != nil {
				return err
			}
			if match.ContactListID, err = strconv.ParseInt(listID, 10, 64); err != nil {
				return err
			}
			c.Contacts = append(c.Contacts, match)
		}
		out = append(out, c)
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

// seenContactsStatement is SeenContacts' one statement and its arguments, for valid input;
// none says that no person can match (the statement would only check the session).
func (s *Store) seenContactsStatement(orgID, sessionID string, f SeenFilter, after int64, limit int) (query string, args []any, none bool) {
	args = []any{orgID, sessionID, after, limit + 1}
	var where strings.Builder
	switch f.Source {
	case SeenSourceDM:
		where.WriteString(" AND p.direct_chat")
	case SeenSourceGroup:
		where.WriteString(" AND EXISTS (SELECT 1 FROM wa_seen_memberships m WHERE m.person_id = p.id)")
	}
	if f.Group != "" {
		args = append(args, f.Group)
		where.WriteString(" AND EXISTS (SELECT 1 FROM wa_seen_memberships m WHERE m.person_id = p.id AND m.group_jid = $" + strconv.Itoa(len(args)) + ")")
	}
	if f.Q != "" {
		if strings.Contains(f.Q, searchSeparator) {
			return "", nil, true
		}
		args = append(args, "%"+escapeLike(f.Q)+"%")
		where.WriteString(" AND p.search LIKE " + s.foldFunction() + "($" + strconv.Itoa(len(args)) + `) ESCAPE '\'`)
	}
	if s.dialect == Postgres {
		// Planned with this call's values, every time (an unnamed statement): a statement
		// prepared once gets PostgreSQL's generic plan after five runs, which cannot know that
		// q is rare and walks the whole session in id order where the trigram index answers
		// at once (50 ms against 1 at 100,000 people). The planning costs far less.
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	return s.rebind(`SELECT s.id, p.id, p.phone_jid, p.lid, p.phone, p.full_name, p.first_name, p.push_name,
	p.business_name, p.direct_chat, p.first_seen_at, p.last_seen_at,
	(SELECT string_agg(m.group_jid, ' ' ORDER BY m.group_jid) FROM wa_seen_memberships m WHERE m.person_id = p.id),
	(SELECT string_agg(c.id || ':' || c.contact_list_id, ' ' ORDER BY c.id) FROM contacts c
		WHERE c.org_id = $1 AND c.match_key = p.match_key)
FROM wa_sessions s
LEFT JOIN (SELECT p.* FROM wa_seen_people p
	WHERE p.org_id = $1 AND p.session_id = $2 AND p.id > $3 AND p.last_seen_at IS NOT NULL` + where.String() + `
	ORDER BY p.id LIMIT $4) p ON 1 = 1
WHERE s.id = $2 AND s.org_id = $1
ORDER BY p.id`), args, false
}

// escapeLike makes %, _ and the escape character \ match themselves in a LIKE pattern
// written with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
