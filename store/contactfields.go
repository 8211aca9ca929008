package store

import "strings"

// ContactFieldList declares every field of a contact once. The select lists of contactscan.go
// derive from it. The places that spell fields out by hand, for speed or for type safety, are
// each held to it by a test that fails when one of them gains, loses or renames a field the
// others do not: the GORM row, scanContact, Contact/ContactFields/NewContact/ContactChange and
// the contacts table of both migrations (store/contactfields_test.go); contactJSON, the spec's
// Contact/NewContact/ContactPatch and the create and patch handlers (server/contactfields_test.go,
// server/contactroundtrip_test.go). Adding a field starts here; the failing tests list the rest.
//
// The order is scanContact's: the contacts table's columns, with the list's name after its id.
var ContactFieldList = []ContactField{
	{Name: "ID", Column: "id", JSON: "id", CSV: "id", Type: FieldInt64, Writer: StoreWrites, Fixed: true},
	// The organization comes from the caller's credentials, never from a body or a file: a
	// CRM export's company_id is deliberately not an alias.
	{Name: "OrgID", Column: "org_id", Type: FieldText, Writer: StoreWrites, Fixed: true},
	{Name: "ListID", Column: "contact_list_id", JSON: "contactListId", CSV: "contactListId", Aliases: []string{"contact_list_id"}, Type: FieldInt64, Writer: CallerWrites},
	{Name: "ListName", Column: "contact_list_name", JSON: "contactListName", CSV: "contactListName", Aliases: []string{"contact_list_name"}, Type: FieldText, Writer: StoreWrites, Joined: "l.name"},
	{Name: "Phone", Column: "phone", JSON: "phone", CSV: "phone", Aliases: []string{"phone_number"}, Type: FieldPhone, Writer: CallerWrites},
	{Name: "CountryCode", Column: "country_code", JSON: "countryCode", CSV: "countryCode", Aliases: []string{"number_country_code", "country_code"}, Type: FieldRegion, Writer: CallerHints},
	{Name: "MatchKey", Column: "match_key", Type: FieldText, Writer: StoreWrites},
	{Name: "FullName", Column: "full_name", JSON: "fullName", CSV: "fullName", Aliases: []string{"full_name"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "FirstName", Column: "first_name", JSON: "firstName", CSV: "firstName", Aliases: []string{"firstname", "first_name"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "LastName", Column: "last_name", JSON: "lastName", CSV: "lastName", Aliases: []string{"lastname", "last_name"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "Email", Column: "email", JSON: "email", CSV: "email", Type: FieldEmail, Nullable: true, Writer: CallerWrites},
	{Name: "Source", Column: "source", JSON: "source", CSV: "source", Aliases: []string{"source_name"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "Tags", Column: "tags", JSON: "tags", CSV: "tags", Aliases: []string{"tag_name"}, Type: FieldTags, Writer: CallerWrites},
	{Name: "Category", Column: "category", JSON: "category", CSV: "category", Aliases: []string{"category_name"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "Status", Column: "status", JSON: "status", CSV: "status", Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "CampaignID", Column: "campaign_id", JSON: "campaignId", CSV: "campaignId", Aliases: []string{"campaign_id"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "LastCallStatus", Column: "last_call_status", JSON: "lastCallStatus", CSV: "lastCallStatus", Aliases: []string{"last_call_status"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "LastCallAt", Column: "last_call_at", JSON: "lastCallAt", CSV: "lastCallAt", Aliases: []string{"last_call_at"}, Type: FieldTime, Nullable: true, Writer: CallerWrites},
	{Name: "LastCallDuration", Column: "last_call_duration", JSON: "lastCallDuration", CSV: "lastCallDuration", Aliases: []string{"last_call_duration"}, Type: FieldInt32, Nullable: true, Writer: CallerWrites},
	{Name: "LastCallFeedback", Column: "last_call_feedback", JSON: "lastCallFeedback", CSV: "lastCallFeedback", Aliases: []string{"last_call_feedback"}, Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "Notes", Column: "notes", JSON: "notes", CSV: "notes", Type: FieldText, Nullable: true, Writer: CallerWrites},
	{Name: "Metadata", Column: "metadata", JSON: "metadata", CSV: "metadata", Type: FieldObject, Writer: CallerWrites},
	{Name: "CreatedAt", Column: "created_at", JSON: "createdAt", CSV: "createdAt", Aliases: []string{"created_at"}, Type: FieldTime, Writer: StoreWrites, Fixed: true},
	{Name: "UpdatedAt", Column: "updated_at", JSON: "updatedAt", CSV: "updatedAt", Aliases: []string{"updated_at"}, Type: FieldTime, Writer: StoreWrites},
}

// ContactField is one field of a contact and its name in each place that names it.
type ContactField struct {
	Name   string // in Contact, and in ContactFields, NewContact and ContactChange when the caller writes it
	Column string // in the contacts table (or, when Joined, in the select list)
	JSON   string // in the API's bodies; empty when the API does not show the field
	CSV    string // the header in CSV import and export (DESIGN.md's camelCase); empty when files leave it out
	// Aliases are other headers an import accepts for the field: the snake_case spellings CRM
	// exports use (firstname, phone_number, source_name…) and the column's own.
	Aliases  []string
	Type     FieldType
	Nullable bool // may be absent (nil, NULL, JSON null)
	Writer   Writer
	Joined   string // not a column of contacts: the expression over contactJoin it is read from
	Fixed    bool   // set when the contact is created and never changed after
}

// FieldType is what a field holds, as the API sees it; each place spells it its own way.
type FieldType uint8

const (
	FieldInt64  FieldType = iota + 1
	FieldInt32            // lastCallDuration: seconds
	FieldText             // free text
	FieldEmail            // text that is an address
	FieldPhone            // E.164 as stored; any spelling as sent
	FieldRegion           // an ISO 3166-1 alpha-2 region
	FieldTime             // a UTC instant
	FieldTags             // a list of short texts, a JSON array in the database
	FieldObject           // a free JSON object, kept as sent
)

// Writer says who sets a field.
type Writer uint8

const (
	// StoreWrites: the store sets it (ids, timestamps, what follows from other fields).
	StoreWrites Writer = iota
	// CallerWrites: the caller sets it on create, patch and import.
	CallerWrites
	// CallerHints: the caller may send it to say how to read another field, and the store
	// derives the stored value. countryCode is the region a national spelling of phone is read
	// under; the stored countryCode is the region of the number itself.
	CallerHints
)

// Sent reports whether a caller may send the field on create, patch and import.
func (f ContactField) Sent() bool { return f.Writer != StoreWrites }

// ContactFieldByHeader finds the field a CSV header or NDJSON key names: its CSV name or one
// of its aliases, in any letter case.
func ContactFieldByHeader(header string) (ContactField, bool) {
	for _, f := range ContactFieldList {
		if f.CSV != "" && strings.EqualFold(header, f.CSV) {
			return f, true
		}
		for _, a := range f.Aliases {
			if strings.EqualFold(header, a) {
				return f, true
			}
		}
	}
	return ContactField{}, false
}
