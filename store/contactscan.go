package store

import (
	"database/sql"
	"strings"
)

// contactFields are the columns of a contact read with its list's name, in scanContact's order.
var contactFields = []string{
	"id", "org_id", "contact_list_id", "contact_list_name", "phone", "country_code", "match_key",
	"full_name", "first_name", "last_name", "email", "source", "tags", "category", "status",
	"campaign_id", "last_call_status", "last_call_at", "last_call_duration", "last_call_feedback",
	"notes", "metadata", "created_at", "updated_at",
}

// contactColumns selects contactFields from contacts c joined with contact_lists l.
var contactColumns = selectList(func(f string) string {
	if f == "contact_list_name" {
		return "l.name AS contact_list_name"
	}
	return "c." + f
})

// contactOf selects contactFields from a subquery aliased c that selected contactColumns.
var contactOf = selectList(func(f string) string { return "c." + f })

func selectList(column func(field string) string) string {
	cols := make([]string, len(contactFields))
	for i, f := range contactFields {
		cols[i] = column(f)
	}
	return strings.Join(cols, ", ")
}

// A list id is unique only within its organization.
const contactJoin = "JOIN contact_lists l ON l.org_id = c.org_id AND l.id = c.contact_list_id"

// scanContact reads contactFields, then extra, from the current row. found is false when the
// contact columns are all NULL (the outer side of a LEFT JOIN that matched nothing).
// Timestamps go through nullTime: SQLite decodes only declared TIMESTAMP columns, and a
// subquery's columns may reach it as text.
func scanContact(rows *sql.Rows, extra ...any) (r contactRow, found bool, err error) {
	var (
		id, listID                           *int64
		orgID, listName, phone, country, key *string
		lastCallAt, createdAt, updatedAt     nullTime
	)
	dest := append([]any{
		&id, &orgID, &listID, &listName, &phone, &country, &key,
		&r.FullName, &r.FirstName, &r.LastName, &r.Email, &r.Source, &r.Tags, &r.Category, &r.Status,
		&r.CampaignID, &r.LastCallStatus, &lastCallAt, &r.LastCallDuration, &r.LastCallFeedback,
		&r.Notes, &r.Metadata, &createdAt, &updatedAt,
	}, extra...)
	if err := rows.Scan(dest...); err != nil || id == nil {
		return contactRow{}, false, err
	}
	r.ID, r.OrgID, r.ContactListID, r.ContactListName = *id, *orgID, *listID, *listName
	r.Phone, r.CountryCode, r.MatchKey = *phone, *country, *key
	r.LastCallAt = lastCallAt.t
	r.CreatedAt, r.UpdatedAt = *createdAt.t, *updatedAt.t
	return r, true, nil
}
