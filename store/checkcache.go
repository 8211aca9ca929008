package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// CachedCheck is what WhatsApp answered about one number for an organization, as its check
// cache keeps it until ExpiresAt.
type CachedCheck struct {
	MatchKey   string // the number's phone.Number.MatchKey: every spelling finds the entry
	Phone      string // the number as asked, E.164
	OnWhatsApp bool
	JID        string // user@s.whatsapp.net when on WhatsApp, else ""
	LID        string // the account's @lid when a lookup told it, else ""
	CheckedAt  time.Time
	ExpiresAt  time.Time
}

// The states the table keeps; the adapter's answers of the same names.
const (
	checkOn  = "on_whatsapp"
	checkOff = "not_on_whatsapp"
)

type checkRow struct {
	OrgID     string
	MatchKey  string
	Phone     string
	State     string
	JID       *string `gorm:"column:jid"`
	LID       *string `gorm:"column:lid"`
	CheckedAt time.Time
	ExpiresAt time.Time
}

func (checkRow) TableName() string { return "wa_check_cache" }

func (r checkRow) check() CachedCheck {
	c := CachedCheck{
		MatchKey: r.MatchKey, Phone: r.Phone, OnWhatsApp: r.State == checkOn,
		CheckedAt: r.CheckedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
	if r.JID != nil {
		c.JID = *r.JID
	}
	if r.LID != nil {
		c.LID = *r.LID
	}
	return c
}

// CachedChecks returns the organization's cached answers for the match keys that have one
// still valid at now, by match key. An expired entry is left out: it is a miss, which the
// next CacheChecks of that number overwrites.
func (s *Store) CachedChecks(ctx context.Context, orgID string, matchKeys []string, now time.Time) (map[string]CachedCheck, error) {
	out := make(map[string]CachedCheck, len(matchKeys))
	if len(matchKeys) == 0 {
		return out, nil
	}
	var rows []checkRow
	err := s.db.WithContext(ctx).
		Where("org_id = ? AND match_key IN ? AND expires_at > ?", orgID, matchKeys, dbTime(now)).
		Find(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.MatchKey] = r.check()
	}
	return out, nil
}

// cacheCheck writes one answer. A row already there is replaced, unless it holds a later
// answer (two processes checked the same number: the newer answer stands). A new answer
// without a LID keeps the one already known for the same JID: a LID belongs to the
// account, and a re-check does not ask for it.
const cacheCheck = `
INSERT INTO wa_check_cache AS c (org_id, match_key, phone, state, jid, lid, checked_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (org_id, match_key) DO UPDATE SET
	phone = excluded.phone,
	state = excluded.state,
	jid = excluded.jid,
	lid = CASE WHEN excluded.lid IS NULL AND excluded.jid = c.jid THEN c.lid ELSE excluded.lid END,
	checked_at = excluded.checked_at,
	expires_at = excluded.expires_at
WHERE excluded.checked_at >= c.checked_at`

// CacheChecks stores the organization's answers, in one transaction. Returns EINVALID for an
// entry without a match key or phone, an answer on WhatsApp without a JID (or not on
// WhatsApp with one), or one that expires no later than it was checked.
func (s *Store) CacheChecks(ctx context.Context, orgID string, checks []CachedCheck) error {
	for _, c := range checks {
		if err := validCheck(c); err != nil {
			return err
		}
	}
	if len(checks) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		for _, c := range checks {
			state := checkOff
			if c.OnWhatsApp {
				state = checkOn
			}
			err := tx.Exec(cacheCheck, orgID, c.MatchKey, c.Phone, state, nonEmpty(c.JID), nonEmpty(c.LID),
				dbTime(c.CheckedAt), dbTime(c.ExpiresAt)).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func validCheck(c CachedCheck) error {
	switch {
	case strings.TrimSpace(c.MatchKey) == "" || strings.TrimSpace(c.Phone) == "":
		return invalid("phone", "a cached check needs the number's match key and phone")
	case c.OnWhatsApp != (c.JID != ""):
		return invalid("jid", "a cached check has a JID exactly when the number is on WhatsApp")
	case !c.OnWhatsApp && c.LID != "":
		return invalid("lid", "a number not on WhatsApp has no LID")
	case !c.ExpiresAt.After(c.CheckedAt):
		return invalid("expiresAt", "a cached check must expire after it was checked")
	}
	return nil
}

// SetCheckLID records the LID a lookup told for the account jid in the organization's
// cached answer for matchKey. Returns ENOTFOUND when there is no entry for matchKey with
// that JID (none, not on WhatsApp, or since re-checked to another account): the LID is
// then not known to belong to what the cache holds.
func (s *Store) SetCheckLID(ctx context.Context, orgID, matchKey, jid, lid string) error {
	if strings.TrimSpace(lid) == "" || strings.TrimSpace(jid) == "" {
		return invalid("lid", "recording a LID needs the JID and the LID")
	}
	res := s.db.WithContext(ctx).Model(&checkRow{}).
		Where("org_id = ? AND match_key = ? AND jid = ?", orgID, matchKey, jid).
		Update("lid", lid)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errorf(ENOTFOUND, "no cached check of %s for that account", matchKey)
	}
	return nil
}

// DeleteExpiredChecks removes, in every organization, the cached answers that expired at or
// before before, and says how many. Expired entries are already misses; this only keeps the
// table from growing with numbers nobody checks again.
func (s *Store) DeleteExpiredChecks(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", dbTime(before)).Delete(&checkRow{})
	return res.RowsAffected, res.Error
}
