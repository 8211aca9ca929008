package store

import (
	"context"
	"fmt"
)

// IDKind names a sequence of ids kept per organization.
type IDKind string

// The kinds of id AllocateIDs hands out. Each organization numbers its lists 1, 2, 3... and
// its contacts likewise, independently of every other organization, so that an id reveals
// nothing of how much the others create. Ids are never reused within an organization; a
// failed create leaves a gap, which reveals only the organization's own activity.
const (
	ContactListIDs IDKind = "contact_list"
	ContactIDs     IDKind = "contact"
)

// MaxIDBlock is the most ids one AllocateIDs call hands out: a bulk import's batch.
const MaxIDBlock = 1_000_000

// allocateQuery takes n ids in one statement: it creates the organization's counter at n, or
// adds n to it, and returns the last id taken. $1 org, $2 kind, $3 n.
const allocateQuery = `
INSERT INTO id_counters (org_id, kind, last_id) VALUES ($1, $2, $3)
ON CONFLICT (org_id, kind) DO UPDATE SET last_id = id_counters.last_id + excluded.last_id
RETURNING last_id`

// AllocateIDs hands out n consecutive ids of kind for the organization and returns the first:
// the ids are first, first+1, ..., first+n-1, and no other call ever returns any of them.
//
// It runs as a statement of its own, never inside a caller's transaction: on PostgreSQL the
// counter's row stays locked only while the statement runs, so an organization's concurrent
// creates do not queue behind each other's whole transactions (a sequence would not either;
// there is just no per-organization sequence to use). A transaction that then fails leaves a
// gap, which is allowed. On SQLite every write takes the database's lock anyway, and one more
// short statement per create costs a commit, not concurrency.
func (s *Store) AllocateIDs(ctx context.Context, orgID string, kind IDKind, n int) (first int64, err error) {
	if kind != ContactListIDs && kind != ContactIDs {
		return 0, fmt.Errorf("allocate ids: unknown kind %q", kind)
	}
	if n < 1 || n > MaxIDBlock {
		return 0, fmt.Errorf("allocate ids: %d ids asked, want 1 to %d", n, MaxIDBlock)
	}
	var last int64
	if err := s.sql.QueryRowContext(ctx, s.rebind(allocateQuery), orgID, string(kind), n).Scan(&last); err != nil {
		return 0, fmt.Errorf("allocate %d %s ids: %w", n, kind, err)
	}
	return last - int64(n) + 1, nil
}
