package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// nullTime scans a timestamp that may be NULL from either database. It exists for computed
// columns such as MAX(): SQLite only decodes declared TIMESTAMP columns into time.Time and
// hands expressions over as the stored text.
type nullTime struct{ t *time.Time }

func (n *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.t = nil
		return nil
	case time.Time:
		u := v.UTC()
		n.t = &u
		return nil
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("cannot read a timestamp from %T", src)
	}
}

func (n *nullTime) parse(s string) error {
	t, err := time.Parse(sqliteTimeLayout, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("cannot read timestamp %q: %w", s, err)
		}
	}
	u := t.UTC()
	n.t = &u
	return nil
}

// Value exists because GORM only treats a struct field as a column when its type is both a
// Scanner and a Valuer; nullTime is never written.
func (n nullTime) Value() (driver.Value, error) {
	if n.t == nil {
		return nil, nil
	}
	return *n.t, nil
}

// dbTime is t as both databases keep it: UTC, microseconds.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
