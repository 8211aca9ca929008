package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/wagate/wagate/whatsapp/phone"
)

// Contact is a person in one of an organization's lists. The same person may sit in several
// lists; within one list a phone appears once.
type Contact struct {
	ID          int64
	OrgID       string
	ListID      int64
	ListName    string
	Phone       string // E.164
	CountryCode string // the ISO region of the phone
	MatchKey    string // see phone.Number.MatchKey
	ContactFields
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContactFields are the fields a caller writes freely. Nil pointers are absent values.
type ContactFields struct {
	FullName         *string
	FirstName        *string
	LastName         *string
	Email            *string
	Source           *string
	Tags             []string
	Category         *string
	Status           *string
	CampaignID       *string
	LastCallStatus   *string
	LastCallAt       *time.Time
	LastCallDuration *int32 // seconds
	LastCallFeedback *string
	Notes            *string
	Metadata         json.RawMessage // a JSON object, as sent
}

// NewContact is a contact to add to a list.
type NewContact struct {
	ListID int64
	Phone  phone.Number
	ContactFields
}

// ContactChange lists the fields a caller changes; unset fields stay as they are.
type ContactChange struct {
	ListID           Optional[int64]
	Phone            Optional[phone.Number]
	FullName         Optional[*string]
	FirstName        Optional[*string]
	LastName         Optional[*string]
	Email            Optional[*string]
	Source           Optional[*string]
	Tags             Optional[[]string]
	Category         Optional[*string]
	Status           Optional[*string]
	CampaignID       Optional[*string]
	LastCallStatus   Optional[*string]
	LastCallAt       Optional[*time.Time]
	LastCallDuration Optional[*int32]
	LastCallFeedback Optional[*string]
	Notes            Optional[*string]
	Metadata         Optional[json.RawMessage]
}

type contactRow struct {
	ID               int64  `gorm:"primaryKey;autoIncrement:false"` // (org_id, id); see AllocateIDs
	OrgID            string `gorm:"primaryKey"`
	ContactListID    int64
	ContactListName  string `gorm:"->"` // read through the join with contact_lists
	Phone            string
	CountryCode      string
	MatchKey         string
	FullName         *string
	FirstName        *string
	LastName         *string
	Email            *string
	Source           *string
	Tags             jsonTags
	Category         *string
	Status           *string
	CampaignID       *string
	LastCallStatus   *string
	LastCallAt       *time.Time
	LastCallDuration *int32
	LastCallFeedback *string
	Notes            *string
	Metadata         jsonObject
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (contactRow) TableName() string { return "contacts" }

func (r *contactRow) setFields(f ContactFields) error {
	metadata, err := compactObject("metadata", f.Metadata)
	if err != nil {
		return err
	}
	r.FullName, r.FirstName, r.LastName, r.Email, r.Source = f.FullName, f.FirstName, f.LastName, f.Email, f.Source
	r.Tags = jsonTags(uniqueTags(f.Tags))
	r.Category, r.Status, r.CampaignID, r.LastCallStatus = f.Category, f.Status, f.CampaignID, f.LastCallStatus
	r.LastCallAt, r.LastCallDuration = dbTimePtr(f.LastCallAt), f.LastCallDuration
	r.LastCallFeedback, r.Notes, r.Metadata = f.LastCallFeedback, f.Notes, jsonObject(metadata)
	return nil
}

func (r *contactRow) setPhone(n phone.Number) {
	r.Phone, r.CountryCode, r.MatchKey = n.E164, n.Region, n.MatchKey
}

func (r contactRow) contact() Contact {
	c := Contact{
		ID: r.ID, OrgID: r.OrgID, ListID: r.ContactListID, ListName: r.ContactListName,
		Phone: r.Phone, CountryCode: r.CountryCode, MatchKey: r.MatchKey,
		ContactFields: ContactFields{
			FullName: r.FullName, FirstName: r.FirstName, LastName: r.LastName, Email: r.Email,
			Source: r.Source, Tags: []string(r.Tags), Category: r.Category, Status: r.Status,
			CampaignID: r.CampaignID, LastCallStatus: r.LastCallStatus, LastCallAt: utcPtr(r.LastCallAt),
			LastCallDuration: r.LastCallDuration, LastCallFeedback: r.LastCallFeedback, Notes: r.Notes,
			Metadata: json.RawMessage(r.Metadata),
		},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if len(c.Metadata) == 0 {
		c.Metadata = json.RawMessage("{}")
	}
	return c
}

// uniqueTags drops repeated tags, keeping the first of each in order.
func uniqueTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// CreateContact adds a contact to a list of the organization. Returns ENOTFOUND when the list
// is not the organization's, ECONFLICT (with details.contactId) when the list already holds
// the phone in any spelling.
func (s *Store) CreateContact(ctx context.Context, orgID string, in NewContact) (Contact, error) {
	// Before the transaction, not in it: see AllocateIDs.
	id, err := s.AllocateIDs(ctx, orgID, ContactIDs, 1)
	if err != nil {
		return Contact{}, err
	}
	var row contactRow
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		list, err := findContactList(tx, orgID, in.ListID)
		if err != nil {
			return err
		}
		now := s.Now()
		row = contactRow{ID: id, OrgID: orgID, ContactListID: list.ID, ContactListName: list.Name, CreatedAt: now, UpdatedAt: now}
		row.setPhone(in.Phone)
		if err := row.setFields(in.ContactFields); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if isUnique(err) {
		return Contact{}, s.phoneTaken(ctx, orgID, in.ListID, in.Phone)
	}
	if err != nil {
		return Contact{}, err
	}
	return row.contact(), nil
}

// phoneTaken is the conflict of a phone already in a list. It reads the contact in the way
// after the failed transaction has ended: PostgreSQL refuses statements in a failed one.
func (s *Store) phoneTaken(ctx context.Context, orgID string, listID int64, n phone.Number) error {
	var id int64
	err := s.db.WithContext(ctx).Model(&contactRow{}).Select("id").
		Where("org_id = ? AND contact_list_id = ? AND match_key = ?", orgID, listID, n.MatchKey).Take(&id).Error
	if err != nil { // deleted again in the meantime: still a conflict, but nobody to name
		return errorf(ECONFLICT, "contact list %d already holds %s", listID, n.E164)
	}
	e := errorf(ECONFLICT, "contact list %d already holds %s as contact %d", listID, n.E164, id)
	e.Details = map[string]any{"contactId": id}
	return e
}

// Contact returns a contact of the organization. Returns ENOTFOUND if it has no such contact.
func (s *Store) Contact(ctx context.Context, orgID string, id int64) (Contact, error) {
	row, err := findContact(s.db.WithContext(ctx), orgID, id)
	return row.contact(), err
}

func findContact(db *gorm.DB, orgID string, id int64) (contactRow, error) {
	var row contactRow
	err := db.Table("contacts c").Select(contactColumns).Joins(contactJoin).
		Where("c.id = ? AND c.org_id = ?", id, orgID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, errorf(ENOTFOUND, "contact %d not found", id)
	}
	return row, err
}

// UpdateContact changes the fields set in change. Returns ENOTFOUND when the contact, or the
// list it moves to, is not the organization's; ECONFLICT (with details.contactId) when the
// target list already holds the phone.
func (s *Store) UpdateContact(ctx context.Context, orgID string, id int64, change ContactChange) (Contact, error) {
	var row contactRow
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = findContact(s.lockForUpdate(tx, "c"), orgID, id); err != nil {
			return err
		}
		if change.empty() {
			// Nothing to write, and updatedAt must not move: the lookup answers with the most
			// recently changed contact of a phone.
			return nil
		}
		if change.ListID.Set && change.ListID.Value != row.ContactListID {
			list, err := findContactList(tx, orgID, change.ListID.Value)
			if err != nil {
				return err
			}
			row.ContactListID, row.ContactListName = list.ID, list.Name
		}
		if change.Phone.Set {
			row.setPhone(change.Phone.Value)
		}
		f := row.contact().ContactFields
		change.applyFields(&f)
		if err := row.setFields(f); err != nil {
			return err
		}
		row.UpdatedAt = s.Now()
		return tx.Model(&contactRow{}).Where("id = ? AND org_id = ?", id, orgID).
			Select("*").Omit(contactUnchanged...).Updates(&row).Error
	})
	if isUnique(err) {
		return Contact{}, s.phoneTaken(ctx, orgID, row.ContactListID, phone.Number{E164: row.Phone, MatchKey: row.MatchKey})
	}
	if err != nil {
		return Contact{}, err
	}
	return row.contact(), nil
}

// DeleteContact deletes a contact of the organization. Returns ENOTFOUND if it has no such contact.
func (s *Store) DeleteContact(ctx context.Context, orgID string, id int64) error {
	return s.deleteOwned(ctx, &contactRow{}, orgID, id, "contact")
}
