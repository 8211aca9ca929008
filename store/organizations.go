package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wagate/wagate/whatsapp/phone"
)

// Organization is a tenant. Its DefaultRegion is the region national phone spellings are read under.
type Organization struct {
	ID            string
	Name          string
	DefaultRegion string
	CreatedAt     time.Time
}

type organizationRow struct {
	ID            string `gorm:"primaryKey"`
	Name          string
	DefaultRegion string
	CreatedAt     time.Time
}

func (organizationRow) TableName() string { return "organizations" }

func (r organizationRow) organization() Organization {
	return Organization{ID: r.ID, Name: r.Name, DefaultRegion: r.DefaultRegion, CreatedAt: r.CreatedAt.UTC()}
}

// CreateOrganization creates an organization. Returns EINVALID for an empty name or a region
// that is not an ISO region phone numbers are known for, ECONFLICT when the name is taken.
func (s *Store) CreateOrganization(ctx context.Context, name, region string) (Organization, error) {
	row, err := newOrganizationRow(name, region, s.Now())
	if err != nil {
		return Organization{}, err
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return Organization{}, errorf(ECONFLICT, "organization %q already exists", row.Name)
		}
		return Organization{}, err
	}
	return row.organization(), nil
}

func newOrganizationRow(name, region string, now time.Time) (organizationRow, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return organizationRow{}, invalid("name", "organization name must be 1 to 200 characters, not only spaces")
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if !phone.ValidRegion(region) {
		return organizationRow{}, invalid("region", "region %q is not an ISO 3166-1 region with phone numbers", region)
	}
	return organizationRow{ID: newID("org", now), Name: name, DefaultRegion: region, CreatedAt: now}, nil
}

// Organization returns the organization with id. Returns ENOTFOUND if there is none.
func (s *Store) Organization(ctx context.Context, id string) (Organization, error) {
	return s.findOrganization(ctx, "id = ?", id)
}

// OrganizationByName returns the organization named name. Returns ENOTFOUND if there is none.
func (s *Store) OrganizationByName(ctx context.Context, name string) (Organization, error) {
	return s.findOrganization(ctx, "name = ?", strings.TrimSpace(name))
}

func (s *Store) findOrganization(ctx context.Context, where string, arg string) (Organization, error) {
	var row organizationRow
	err := s.db.WithContext(ctx).Where(where, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Organization{}, errorf(ENOTFOUND, "organization %q not found", arg)
	}
	if err != nil {
		return Organization{}, err
	}
	return row.organization(), nil
}

// Bootstrap is what a first start on an empty database created.
type Bootstrap struct {
	Organization Organization
	Key          APIKey
	Secret       string // the admin key's secret, to be shown once
}

// BootstrapOrganization is the name of the organization a first start creates.
const BootstrapOrganization = "default"

// Bootstrap creates organization "default" and an admin key for it when the database holds no
// organization at all, so that a newcomer can call the API at once. It returns ok=false, and
// changes nothing, when any organization exists, including when another replica starting at
// the same moment won the race.
func (s *Store) Bootstrap(ctx context.Context, region string) (b Bootstrap, ok bool, err error) {
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&organizationRow{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := s.Now()
		org, err := newOrganizationRow(BootstrapOrganization, region, now)
		if err != nil {
			return err
		}
		if err := tx.Create(&org).Error; err != nil {
			return err
		}
		key, secret, err := newAPIKeyRow(org.ID, NewAPIKey{Name: "bootstrap admin", Capabilities: AllCapabilities}, now)
		if err != nil {
			return err
		}
		if err := tx.Create(&key).Error; err != nil {
			return err
		}
		b, ok = Bootstrap{Organization: org.organization(), Key: key.apiKey(), Secret: secret}, true
		return nil
	})
	if isUnique(err) {
		return Bootstrap{}, false, nil
	}
	return b, ok, err
}
