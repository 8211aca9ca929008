package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ContactList is a named list of contacts. Names are unique within an organization.
type ContactList struct {
	ID          int64
	OrgID       string
	Name        string
	Description *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NewContactList is what a caller chooses about a new list.
type NewContactList struct {
	Name        string
	Description *string
}

// ContactListChange lists the fields a caller changes; unset fields stay as they are.
type ContactListChange struct {
	Name        Optional[string]
	Description Optional[*string]
}

type contactListRow struct {
	// The key is (org_id, id); AllocateIDs gives the id, the database does not.
	ID          int64  `gorm:"primaryKey;autoIncrement:false"`
	OrgID       string `gorm:"primaryKey"`
	Name        string
	Description *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (contactListRow) TableName() string { return "contact_lists" }

func (r contactListRow) contactList() ContactList {
	return ContactList{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Description: r.Description,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func checkListName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", invalid("name", "list name must be 1 to 200 characters, not only spaces")
	}
	return name, nil
}

func listNameTaken(name string) error {
	return errorf(ECONFLICT, "a contact list named %q already exists", name)
}

// CreateContactList creates a list. Returns EINVALID for an empty name, ECONFLICT when the
// organization already has a list with that name.
func (s *Store) CreateContactList(ctx context.Context, orgID string, in NewContactList) (ContactList, error) {
	name, err := checkListName(in.Name)
	if err != nil {
		return ContactList{}, err
	}
	id, err := s.AllocateIDs(ctx, orgID, ContactListIDs, 1)
	if err != nil {
		return ContactList{}, err
	}
	now := s.Now()
	row := contactListRow{ID: id, OrgID: orgID, Name: name, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return ContactList{}, listNameTaken(name)
		}
		return ContactList{}, err
	}
	return row.contactList(), nil
}

// ContactList returns a list of the organization. Returns ENOTFOUND if it has no such list.
func (s *Store) ContactList(ctx context.Context, orgID string, id int64) (ContactList, error) {
	row, err := findContactList(s.db.WithContext(ctx), orgID, id)
	return row.contactList(), err
}

func findContactList(db *gorm.DB, orgID string, id int64) (contactListRow, error) {
	var row contactListRow
	err := db.Where("id = ? AND org_id = ?", id, orgID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, errorf(ENOTFOUND, "contact list %d not found", id)
	}
	return row, err
}

// ListContactLists returns up to limit of the organization's lists in creation order, starting
// after the list with id after (0 for the first page). more says whether another page follows.
func (s *Store) ListContactLists(ctx context.Context, orgID string, after int64, limit int) (lists []ContactList, more bool, err error) {
	var rows []contactListRow
	err = s.db.WithContext(ctx).Where("org_id = ? AND id > ?", orgID, after).
		Order("id").Limit(limit + 1).Find(&rows).Error
	if err != nil {
		return nil, false, err
	}
	rows, more = trimPage(rows, limit)
	lists = make([]ContactList, len(rows))
	for i, r := range rows {
		lists[i] = r.contactList()
	}
	return lists, more, nil
}

// UpdateContactList changes the fields set in change. Returns ENOTFOUND if the organization
// has no such list, EINVALID for an empty name, ECONFLICT when the new name is taken.
func (s *Store) UpdateContactList(ctx context.Context, orgID string, id int64, change ContactListChange) (ContactList, error) {
	var row contactListRow
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = findContactList(s.lockForUpdate(tx, "contact_lists"), orgID, id); err != nil {
			return err
		}
		changed := change.Description.apply(&row.Description)
		if change.Name.Set {
			if row.Name, err = checkListName(change.Name.Value); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return nil
		}
		row.UpdatedAt = s.Now()
		return tx.Model(&contactListRow{}).Where("id = ? AND org_id = ?", id, orgID).Updates(map[string]any{
			"name": row.Name, "description": row.Description, "updated_at": row.UpdatedAt,
		}).Error
	})
	if isUnique(err) {
		return ContactList{}, listNameTaken(row.Name)
	}
	if err != nil {
		return ContactList{}, err
	}
	return row.contactList(), nil
}

// DeleteContactList deletes a list and, by cascade, its contacts. Returns ENOTFOUND if the
// organization has no such list.
func (s *Store) DeleteContactList(ctx context.Context, orgID string, id int64) error {
	return s.deleteOwned(ctx, &contactListRow{}, orgID, id, "contact list")
}
