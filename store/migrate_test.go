package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestMigrationKeepsIDs: rows written under global ids (migration 1) keep their ids, and each
// organization's new ids continue after its own highest.
func TestMigrationKeepsIDs(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			dbURL, dir := storetest.URL(t, b)
			s, err := store.Open(ctx, store.Config{URL: dbURL, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.MigrateUpTo(ctx, 1); err != nil {
				t.Fatal(err)
			}
			a, bb, c := newOrg(t, s, "a"), newOrg(t, s, "b"), newOrg(t, s, "c")
			at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			for _, l := range []struct {
				id  int64
				org string
			}{{1, a.ID}, {2, bb.ID}, {3, a.ID}, {4, bb.ID}, {5, bb.ID}} {
				if err := s.Exec(ctx, `INSERT INTO contact_lists (id, org_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
					l.id, l.org, fmt.Sprintf("list %d", l.id), at); err != nil {
					t.Fatal(err)
				}
			}
			for _, x := range []struct {
				id, list int64
				org      string
				phone    string
			}{{1, 1, a.ID, "+5492235961983"}, {2, 2, bb.ID, "+5492235961983"}, {3, 3, a.ID, "+5491155554444"}, {7, 4, bb.ID, "+5491155554444"}} {
				n := mustPhone(t, x.phone)
				if err := s.Exec(ctx, `INSERT INTO contacts (id, org_id, contact_list_id, phone, country_code, match_key, created_at, updated_at)
					VALUES ($1, $2, $3, $4, 'AR', $5, $6, $6)`, x.id, x.org, x.list, n.E164, n.MatchKey, at); err != nil {
					t.Fatal(err)
				}
			}
			if applied, err := s.Migrate(ctx); err != nil || len(applied) < 1 {
				t.Fatalf("migrate up: applied %v, err %v", applied, err)
			}

			for _, l := range []struct {
				org string
				id  int64
			}{{a.ID, 1}, {a.ID, 3}, {bb.ID, 2}, {bb.ID, 4}, {bb.ID, 5}} {
				if got := must[store.ContactList](t)(s.ContactList(ctx, l.org, l.id)); got.Name != fmt.Sprintf("list %d", l.id) || !got.CreatedAt.Equal(at) {
					t.Fatalf("list %d after migrating = %+v", l.id, got)
				}
			}
			if got := must[store.Contact](t)(s.Contact(ctx, a.ID, 3)); got.ListID != 3 || got.ListName != "list 3" || got.Phone != "+5491155554444" {
				t.Fatalf("a's contact 3 after migrating = %+v", got)
			}
			if got := must[store.Contact](t)(s.Contact(ctx, bb.ID, 7)); got.ListID != 4 || got.ListName != "list 4" {
				t.Fatalf("b's contact 7 after migrating = %+v", got)
			}
			_, err = s.Contact(ctx, a.ID, 2)
			wantCode(t, err, store.ENOTFOUND)

			// New ids continue after each organization's own highest; c had none.
			for _, w := range []struct {
				org        string
				list, cont int64
			}{{a.ID, 4, 4}, {bb.ID, 6, 8}, {c.ID, 1, 1}} {
				l := newList(t, s, w.org, "new")
				ct := newContact(t, s, w.org, l.ID, "+5492235961983")
				if l.ID != w.list || ct.ID != w.cont {
					t.Fatalf("org %s: new list %d and contact %d, want %d and %d", w.org, l.ID, ct.ID, w.list, w.cont)
				}
			}

			// The rebuilt keys hold: a phone is still unique in a list, and deleting a list
			// still takes its contacts.
			_, err = s.CreateContact(ctx, a.ID, store.NewContact{ListID: 1, Phone: mustPhone(t, "+54 223 15-596-1983")})
			wantCode(t, err, store.ECONFLICT)
			if err := s.DeleteContactList(ctx, a.ID, 1); err != nil {
				t.Fatal(err)
			}
			_, err = s.Contact(ctx, a.ID, 1)
			wantCode(t, err, store.ENOTFOUND)
			must[store.Contact](t)(s.Contact(ctx, bb.ID, 2))
		})
	}
}

// TestMigrationDown: rolling 00002 back restores global ids while they are still globally
// unique, and refuses, changing nothing, once two organizations share one.
func TestMigrationDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newOrg(t, s, "a")
		list := newList(t, s, a.ID, "l")
		c := newContact(t, s, a.ID, list.ID, "+5492235961983")
		if err := s.MigrateDownTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if got := must[store.Contact](t)(s.Contact(ctx, a.ID, c.ID)); got.ListName != "l" {
			t.Fatalf("contact after migrating down = %+v", got)
		}
		// Version 1 numbers rows itself again, after the highest id.
		if err := s.Exec(ctx, `INSERT INTO contact_lists (org_id, name, created_at, updated_at) VALUES ($1, 'v1', $2, $2)`, a.ID, s.Now()); err != nil {
			t.Fatal(err)
		}
		// Migrate names what it applied by version and name (wagate migrate prints them).
		if applied, err := s.Migrate(ctx); err != nil || len(applied) < 1 || applied[0] != (store.Migration{Version: 2, Name: "org_scoped_ids"}) {
			t.Fatalf("migrate up again: applied %v, err %v; want 00002 org_scoped_ids first", applied, err)
		}
		if l := newList(t, s, a.ID, "after"); l.ID != 3 {
			t.Fatalf("list after down and up got id %d, want 3", l.ID)
		}

		b := newOrg(t, s, "b")
		newList(t, s, b.ID, "b's list 1")
		if err := s.MigrateDownTo(ctx, 1); err == nil {
			t.Fatal("migrating down with list 1 in two organizations did not fail")
		}
		if l := newList(t, s, b.ID, "b's list 2"); l.ID != 2 {
			t.Fatalf("after the refused migration down, b's next list got id %d, want 2", l.ID)
		}
		must[store.Contact](t)(s.Contact(ctx, a.ID, c.ID))
	})
}

// sqliteOnly are the facts only SQLite's migrations leave, on purpose: the one-column filter
// indexes, which PostgreSQL replaces with one GIN index SQLite cannot have (00008, 00009).
var sqliteOnly = []string{
	"contacts: index contacts_campaign (org_id, campaign_id)",
	"contacts: index contacts_category (org_id, category)",
	"contacts: index contacts_last_call_status (org_id, last_call_status)",
	"contacts: index contacts_source (org_id, source)",
	"contacts: index contacts_status (org_id, status)",
	"contacts: index contacts_tags (tags)",
}

// TestMigrationsAgree migrates a database of each engine and compares what the migrations
// left: the same tables, columns (type family and nullability), primary keys, indexes and
// foreign keys. The folders are twins by convention only; this holds them to it whatever
// versions they hold, by comparing the final state rather than the files.
func TestMigrationsAgree(t *testing.T) {
	sqlite := readSchema(t, storetest.Open(t, storetest.SQLite))
	postgres := readSchema(t, storetest.Open(t, storetest.Postgres)) // skips, saying why, without TEST_DATABASE_URL
	if len(sqlite) == 0 {
		t.Fatal("the SQLite migrations left no tables")
	}
	lite, pg := sqlite.lines(), postgres.lines()
	lite = slices.DeleteFunc(lite, func(l string) bool { return slices.Contains(sqliteOnly, l) })
	onlyPG, onlyLite := storetest.Difference(lite, pg)
	if len(onlyLite)+len(onlyPG) > 0 {
		t.Errorf("the migrations of the two engines differ:\n only on SQLite:\n  %s\n only on PostgreSQL:\n  %s",
			strings.Join(onlyLite, "\n  "), strings.Join(onlyPG, "\n  "))
	}
	t.Logf("%d facts alike", len(lite)-len(onlyLite))
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, err %v; want none, nil", applied, err)
		}
	})
}
