package store

import (
	"database/sql"
	"strings"
)

// contactColumns selects the fields of ContactFieldList from contacts c joined with
// contact_lists l.
var contactColumns = selectList(func(f ContactField) string {
	if f.Joined != "" {
		return f.Joined + " AS " + f.Column
	}
	return "c." + f.Column
})

// contactOf selects the fields of ContactFieldList from a subquery aliased c that selected
// contactColumns.
var contactOf = selectList(func(f ContactField) string { return "c." + f.Column })

// contactUnchanged are the columns an update leaves alone: those fixed at creation, and those
// read from the list rather than kept on the contact.
var contactUnchanged = func() []string {
	var cols []string
	for _, f := range ContactFieldList {
		if f.Fixed || f.Joined != "" {
			cols = append(cols, f.Column)
		}
	}
	return cols
}()

func selectList(column func(ContactField) string) string {
	cols := make([]string, len(ContactFieldList))
	for i, f := range ContactFieldList {
		cols[i] = column(f)
	}
	return strings.Join(cols, ", ")
}

// A list id is unique only within its organization.
const contactJoin = "JOIN contact_lists l ON l.org_id = c.org_id AND l.id = c.contact_list_id"

// scanContact reads the fields of ContactFieldList in their order, then extra, from the
// current row. found is false when the contact columns are all NULL (the outer side of a LEFT
// JOIN that matched nothing). It names each destination by hand, as the lookup's hot path
// wants; TestScanContactReadsEveryDeclaredColumn holds it to the declaration.
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
