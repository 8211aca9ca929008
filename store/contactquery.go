package store

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// ContactSort is the order QueryContacts lists contacts in; ties are broken by id, in the
// same direction.
type ContactSort string

// The sorts QueryContacts takes.
const (
	SortCreatedAt  ContactSort = "createdAt"
	SortUpdatedAt  ContactSort = "updatedAt"
	SortLastCallAt ContactSort = "lastCallAt"
)

// column is the sort's column of contacts c.
func (s ContactSort) column() (string, bool) {
	switch s {
	case SortCreatedAt:
		return "c.created_at", true
	case SortUpdatedAt:
		return "c.updated_at", true
	case SortLastCallAt:
		return "c.last_call_at", true
	}
	return "", false
}

// ContactQuery narrows and orders QueryContacts. Each filter is optional: a nil or empty list
// and a zero value do not filter. Within a list any value matches (OR); filters combine with
// AND. Time bounds are half-open: After is inclusive, Before exclusive.
type ContactQuery struct {
	ListIDs          []int64
	Tags             []string // contacts holding any of these tags
	Categories       []string
	Sources          []string
	LastCallStatuses []string
	Statuses         []string
	CampaignIDs      []string
	// Q is a case-insensitive substring of the full, first or last name, the email or the
	// phone (E.164, so a run of its digits); %, _ and \ match themselves.
	Q              string
	CreatedAfter   *time.Time
	CreatedBefore  *time.Time
	UpdatedAfter   *time.Time
	LastCallAfter  *time.Time
	LastCallBefore *time.Time
	// HasReplied keeps the contacts whose phone has (true) or has not (false) written to any
	// session of the organization: the reply records the lookup reads.
	HasReplied *bool
	Sort       ContactSort // empty: SortCreatedAt
	Descending bool
}

// Normalized is q with its defaults filled in and its times as the database keeps them, so
// that two spellings of one query compare (and hash) equal.
func (q ContactQuery) Normalized() ContactQuery {
	if q.Sort == "" {
		q.Sort = SortCreatedAt
	}
	for _, l := range []*[]string{&q.Tags, &q.Categories, &q.Sources, &q.LastCallStatuses, &q.Statuses, &q.CampaignIDs} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(q.ListIDs) == 0 {
		q.ListIDs = nil
	}
	for _, t := range []**time.Time{&q.CreatedAfter, &q.CreatedBefore, &q.UpdatedAfter, &q.LastCallAfter, &q.LastCallBefore} {
		*t = dbTimePtr(*t)
	}
	return q
}

// ContactPosition is a place in a query's order: after the contact with this sort value and
// id. At is nil for a contact without a last call under SortLastCallAt: those come last in
// either direction, by id.
type ContactPosition struct {
	At *time.Time
	ID int64
}

// PositionOf is the position of c in an order by sort.
func PositionOf(c Contact, sort ContactSort) ContactPosition {
	switch sort {
	case SortUpdatedAt:
		return ContactPosition{At: &c.UpdatedAt, ID: c.ID}
	case SortLastCallAt:
		return ContactPosition{At: c.LastCallAt, ID: c.ID}
	}
	return ContactPosition{At: &c.CreatedAt, ID: c.ID}
}

// String spells the position as "<unix microseconds>:<id>", or "-:<id>" among the NULLs.
func (p ContactPosition) String() string {
	at := "-"
	if p.At != nil {
		at = strconv.FormatInt(p.At.UnixMicro(), 10)
	}
	return at + ":" + strconv.FormatInt(p.ID, 10)
}

// ParseContactPosition reads what ContactPosition.String wrote.
func ParseContactPosition(s string) (ContactPosition, error) {
	at, id, ok := strings.Cut(s, ":")
	var p ContactPosition
	var err error
	if p.ID, err = strconv.ParseInt(id, 10, 64); !ok || err != nil {
		return p, invalid("cursor", "%q is not a position", s)
	}
	if at != "-" {
		micros, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return p, invalid("cursor", "%q is not a position", s)
		}
		t := time.UnixMicro(micros).UTC()
		p.At = &t
	}
	return p, nil
}

// ContactPage is one page of QueryContacts.
type ContactPage struct {
	Contacts []Contact
	More     bool   // another page follows
	Total    *int64 // the contacts matching the filters, when asked for
}

// QueryContacts lists the organization's contacts that match q, in q's order, after the
// position after (nil for the first page), at most limit; withTotal counts every match too.
// Keyset paging: a page starts strictly after the last contact of the previous one, so that
// contacts added, changed or deleted in between neither repeat nor hide the ones that stayed
// where they were. EINVALID for a limit under 1, an unknown sort, a position without a value
// under a sort whose column is never NULL, or text that is not UTF-8 or holds NUL.
func (s *Store) QueryContacts(ctx context.Context, orgID string, q ContactQuery, after *ContactPosition, limit int, withTotal bool) (ContactPage, error) {
	q = q.Normalized()
	query, args, err := s.ContactQuerySQL(orgID, q, after, limit)
	if err != nil {
		return ContactPage{}, err
	}
	if query == "" {
		// Q holds the separator between two searched fields: no one field holds it.
		page := ContactPage{Contacts: []Contact{}}
		if withTotal {
			page.Total = new(int64)
		}
		return page, nil
	}

	var page ContactPage
	if withTotal {
		b := contactQueryBuilder{dialect: s.dialect, args: []any{orgID}}
		b.filters(q) // true: ContactQuerySQL wrote a statement
		var n int64
		if err := s.sql.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM contacts c WHERE c.org_id = $1"+b.where.String()), s.planned(b.args)...).Scan(&n); err != nil {
			return ContactPage{}, err
		}
		page.Total = &n
	}

	rows, err := s.sql.QueryContext(ctx, query, s.planned(args)...)
	if err != nil {
		return ContactPage{}, err
	}
	page.Contacts = []Contact{}
	err = eachRow(rows, func() error {
		row, _, err := scanContact(rows)
		if err == nil {
			page.Contacts = append(page.Contacts, row.contact())
		}
		return err
	})
	if err != nil {
		return ContactPage{}, err
	}
	page.Contacts, page.More = trimPage(page.Contacts, limit)
	return page, nil
}

// ContactQuerySQL is the statement QueryContacts runs for the page of q after the position
// after, in the store's dialect, and its arguments: it selects up to limit+1 contacts (the
// one past the page says whether more follow) in the columns scanContact reads. QueryContacts
// builds its statement here, so a benchmark can time the very same SQL without the store; on
// PostgreSQL the store runs it as an unnamed statement (pgx.QueryExecModeExec, see planned),
// a flag the arguments leave out. The statement is empty, with no error, when no contact can
// match (q.Q holds the separator between the searched fields); errors are QueryContacts'.
func (s *Store) ContactQuerySQL(orgID string, q ContactQuery, after *ContactPosition, limit int) (string, []any, error) {
	q = q.Normalized()
	col, ok := q.Sort.column()
	switch {
	case !ok:
		return "", nil, invalid("sort", "sort must be createdAt, updatedAt or lastCallAt, not %q", q.Sort)
	case limit < 1:
		return "", nil, invalid("limit", "limit must be at least 1")
	case after != nil && after.At == nil && q.Sort != SortLastCallAt:
		return "", nil, invalid("cursor", "a position under %s needs a time", q.Sort)
	}
	if err := checkQueryText(q); err != nil {
		return "", nil, err
	}
	b := contactQueryBuilder{dialect: s.dialect, args: []any{orgID}}
	if !b.filters(q) {
		return "", nil, nil
	}
	return s.rebind(b.page(col, b.where.String(), q.Descending, after, limit)), b.args, nil
}

// planned prepends, on PostgreSQL, the flag that plans the statement with this call's values
// every time (an unnamed statement): a generic plan cannot know how rare a tag or a q is, and
// would walk the organization in sort order where an index on the filter answers at once.
func (s *Store) planned(args []any) []any {
	if s.dialect == Postgres {
		return append([]any{pgx.QueryExecModeExec}, args...)
	}
	return args
}

// checkQueryText refuses text PostgreSQL cannot hold (a 500 otherwise): no stored value
// holds invalid UTF-8 or NUL, so such a filter could match nothing anyway.
func checkQueryText(q ContactQuery) error {
	bad := func(v string) bool { return !utf8.ValidString(v) || strings.ContainsRune(v, 0) }
	if bad(q.Q) {
		return invalid("q", "q must be UTF-8 text without NUL characters")
	}
	for name, list := range map[string][]string{
		"tags": q.Tags, "categories": q.Categories, "sourceNames": q.Sources,
		"lastCallStatuses": q.LastCallStatuses, "statuses": q.Statuses, "campaignIds": q.CampaignIDs,
	} {
		for _, v := range list {
			if bad(v) {
				return invalid(name, "%s must be UTF-8 text without NUL characters", name)
			}
		}
	}
	return nil
}

// contactQueryBuilder writes a query's conditions on contacts c, after c.org_id = $1, with
// their arguments numbered in PostgreSQL's style (rebind turns them into SQLite's).
type contactQueryBuilder struct {
	dialect Dialect
	where   strings.Builder
	args    []any
}

func (b *contactQueryBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *contactQueryBuilder) in(column string, values []string) {
	if len(values) == 0 {
		return
	}
	marks := make([]string, len(values))
	for i, v := range values {
		marks[i] = b.arg(v)
	}
	b.where.WriteString(" AND " + column + " IN (" + strings.Join(marks, ", ") + ")")
}

func (b *contactQueryBuilder) bound(column, op string, t *time.Time) {
	if t != nil {
		b.where.WriteString(" AND " + column + " " + op + " " + b.arg(*t))
	}
}

// filters writes q's filters; false when no contact can match.
func (b *contactQueryBuilder) filters(q ContactQuery) bool {
	if len(q.ListIDs) > 0 {
		marks := make([]string, len(q.ListIDs))
		for i, id := range q.ListIDs {
			marks[i] = b.arg(id)
		}
		b.where.WriteString(" AND c.contact_list_id IN (" + strings.Join(marks, ", ") + ")")
	}
	if len(q.Tags) > 0 {
		if b.dialect == Postgres {
			// ?| is served by the GIN index on tags (migration 00006).
			b.where.WriteString(" AND c.tags ?| " + b.arg(q.Tags))
		} else {
			b.where.WriteString(" AND EXISTS (SELECT 1 FROM json_each(c.tags) t WHERE t.value IN (")
			for i, tag := range q.Tags {
				if i > 0 {
					b.where.WriteString(", ")
				}
				b.where.WriteString(b.arg(tag))
			}
			b.where.WriteString("))")
		}
	}
	b.in("c.category", q.Categories)
	b.in("c.source", q.Sources)
	b.in("c.last_call_status", q.LastCallStatuses)
	b.in("c.status", q.Statuses)
	b.in("c.campaign_id", q.CampaignIDs)
	if q.Q != "" {
		if strings.Contains(q.Q, contactSearchSeparator) {
			return false
		}
		fold, search := "lower", contactSearchPostgres
		if b.dialect == SQLite {
			fold, search = "wagate_fold", contactSearchSQLite
		}
		b.where.WriteString(" AND " + search + " LIKE " + fold + "(" + b.arg("%"+escapeLike(q.Q)+"%") + `) ESCAPE '\'`)
	}
	b.bound("c.created_at", ">=", q.CreatedAfter)
	b.bound("c.created_at", "<", q.CreatedBefore)
	b.bound("c.updated_at", ">=", q.UpdatedAfter)
	b.bound("c.last_call_at", ">=", q.LastCallAfter)
	b.bound("c.last_call_at", "<", q.LastCallBefore)
	if q.HasReplied != nil {
		not := ""
		if !*q.HasReplied {
			not = "NOT "
		}
		b.where.WriteString(" AND " + not + "EXISTS (SELECT 1 FROM inbound_activity x WHERE x.org_id = c.org_id AND x.match_key = c.match_key)")
	}
	return true
}

// page is the statement of one page: the contacts that match where and follow after (nil:
// from the start) in the order by col, then id, in the same direction; limit+1 of them.
//
// Each part is written so that the index on (org_id, col, id) reads it in order, forwards or
// backwards, and starts at the position, however deep: the keyset condition is a row
// comparison (col, id) > (…). last_call_at has NULLs, which come last in both directions
// (ascending that is the index's own order; descending a backward scan would put them first):
// its contacts with a last call and those without are read apart, each in index order, and
// the two short lists are merged.
func (b *contactQueryBuilder) page(col, where string, desc bool, after *ContactPosition, limit int) string {
	op, dir := " > ", " ASC"
	if desc {
		op, dir = " < ", " DESC"
	}
	part := func(cond, order string) string {
		return `SELECT ` + contactColumns + ` FROM contacts c ` + contactJoin + `
WHERE c.org_id = $1` + where + cond + `
ORDER BY ` + order + `
LIMIT $` + strconv.Itoa(len(b.args))
	}
	keyset := func(p ContactPosition) string {
		return " AND (" + col + ", c.id)" + op + "(" + b.arg(*p.At) + ", " + b.arg(p.ID) + ")"
	}
	byCol := col + dir + ", c.id" + dir
	if col != "c.last_call_at" { // never NULL
		cond := ""
		if after != nil {
			cond = keyset(*after)
		}
		b.args = append(b.args, limit+1)
		return part(cond, byCol)
	}
	var valued, null string
	switch {
	case after == nil:
		valued, null = " AND "+col+" IS NOT NULL", " AND "+col+" IS NULL"
	case after.At != nil:
		valued, null = keyset(*after), " AND "+col+" IS NULL"
	default: // among the NULLs already: only they follow
		null = " AND " + col + " IS NULL AND c.id" + op + b.arg(after.ID)
	}
	b.args = append(b.args, limit+1)
	if valued == "" {
		return part(null, "c.id"+dir)
	}
	return `SELECT ` + contactOf + ` FROM (
SELECT * FROM (` + part(valued, byCol) + `) v
UNION ALL
SELECT * FROM (` + part(null, "c.id"+dir) + `) n) c
ORDER BY c.last_call_at IS NULL, c.last_call_at` + dir + `, c.id` + dir + `
LIMIT $` + strconv.Itoa(len(b.args))
}

// contactSearchSeparator stands between the searched fields in the search expression.
const contactSearchSeparator = "\n"

// The text q searches, lower-cased: the names, the email and the phone, one per line.
// Written without the table's alias so that PostgreSQL's planner matches it to the trigram
// index of migration 00006, which spells it the same; contact_lists has none of these columns.
const (
	contactSearchPostgres = `lower(coalesce(full_name, '') || E'\n' || coalesce(first_name, '') || E'\n' || coalesce(last_name, '') || E'\n' || coalesce(email, '') || E'\n' || phone)`
	contactSearchSQLite   = `wagate_fold(coalesce(full_name, '') || char(10) || coalesce(first_name, '') || char(10) || coalesce(last_name, '') || char(10) || coalesce(email, '') || char(10) || phone)`
)
