package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestIDsArePerOrganization: each organization numbers its lists and contacts from 1, whatever
// the others do, and an id names a different row in each organization.
func TestIDsArePerOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		listA, listB := newList(t, s, a.ID, "a one"), newList(t, s, b.ID, "b one")
		if listA.ID != 1 || listB.ID != 1 {
			t.Fatalf("first lists got ids %d and %d, want 1 and 1", listA.ID, listB.ID)
		}
		// The same phone in each organization's list 1: the phone is unique per list of an
		// organization, not across organizations.
		const juan, ana = "+5492235961983", "+5491155554444"
		// b's juan goes in before a's, so that a query missing org_id finds b's row first.
		cB := newContact(t, s, b.ID, listB.ID, ana)
		cB2 := newContact(t, s, b.ID, listB.ID, juan)
		cA := newContact(t, s, a.ID, listA.ID, juan)
		if cA.ID != 1 || cB.ID != 1 || cB2.ID != 2 {
			t.Fatalf("contacts got ids a %d, b %d and %d; want 1, 1 and 2", cA.ID, cB.ID, cB2.ID)
		}

		// b creating 5 lists while a creates 1 does not move a's numbering.
		for i := range 5 {
			if l := newList(t, s, b.ID, fmt.Sprintf("b %d", i)); l.ID != int64(i+2) {
				t.Fatalf("b's list %d got id %d, want %d", i, l.ID, i+2)
			}
		}
		if l := newList(t, s, a.ID, "a two"); l.ID != 2 {
			t.Fatalf("a's second list got id %d, want 2", l.ID)
		}

		// The conflict names a's own contact, not b's contact in b's list with the same id.
		_, err := s.CreateContact(ctx, a.ID, store.NewContact{ListID: listA.ID, Phone: mustPhone(t, juan)})
		wantCode(t, err, store.ECONFLICT)
		if e := err.(*store.Error); e.Details["contactId"] != cA.ID {
			t.Fatalf("conflict details = %v, want a's contact %d", e.Details, cA.ID)
		}

		// Reads join each contact to its own organization's list.
		if got := must[store.Contact](t)(s.Contact(ctx, a.ID, 1)); got.Phone != juan || got.ListName != "a one" {
			t.Fatalf("a's contact 1 = %+v", got)
		}
		if got := must[store.Contact](t)(s.Contact(ctx, b.ID, 1)); got.Phone != ana || got.ListName != "b one" {
			t.Fatalf("b's contact 1 = %+v", got)
		}
		l := must[store.Lookup](t)(s.LookupContact(ctx, a.ID, mustPhone(t, juan).MatchKey, ""))
		if l.Contact == nil || l.Contact.ID != cA.ID || l.Contact.ListName != "a one" {
			t.Fatalf("a's lookup = %+v", l.Contact)
		}
		ls := must[map[string]store.Lookup](t)(s.LookupContacts(ctx, b.ID, []string{mustPhone(t, juan).MatchKey}, ""))
		if c := ls[mustPhone(t, juan).MatchKey].Contact; c == nil || c.ID != cB2.ID || c.ListName != "b one" {
			t.Fatalf("b's batch lookup = %+v", c)
		}

		// Ids only b has: a can neither read, change nor delete them.
		_, err = s.ContactList(ctx, a.ID, 6)
		wantCode(t, err, store.ENOTFOUND)
		_, err = s.UpdateContactList(ctx, a.ID, 6, store.ContactListChange{Name: store.Some("stolen")})
		wantCode(t, err, store.ENOTFOUND)
		wantCode(t, s.DeleteContactList(ctx, a.ID, 6), store.ENOTFOUND)
		_, err = s.Contact(ctx, a.ID, cB2.ID)
		wantCode(t, err, store.ENOTFOUND)
		_, err = s.UpdateContact(ctx, a.ID, cB2.ID, store.ContactChange{Notes: store.Some(ptr("x"))})
		wantCode(t, err, store.ENOTFOUND)
		wantCode(t, s.DeleteContact(ctx, a.ID, cB2.ID), store.ENOTFOUND)
		_, err = s.UpdateContact(ctx, a.ID, cA.ID, store.ContactChange{ListID: store.Some[int64](6)})
		wantCode(t, err, store.ENOTFOUND)
		if got := must[store.ContactList](t)(s.ContactList(ctx, b.ID, 6)); got.Name != "b 4" {
			t.Fatalf("b's list 6 = %+v", got)
		}

		// Changing and deleting by a shared id touch the caller's row only; deleting a's list 1
		// takes a's contacts with it and leaves b's list 1 and its contacts.
		must[store.Contact](t)(s.UpdateContact(ctx, a.ID, 1, store.ContactChange{Notes: store.Some(ptr("a's"))}))
		must[store.ContactList](t)(s.UpdateContactList(ctx, a.ID, 1, store.ContactListChange{Description: store.Some(ptr("a's"))}))
		if err := s.DeleteContactList(ctx, a.ID, 1); err != nil {
			t.Fatal(err)
		}
		_, err = s.Contact(ctx, a.ID, 1)
		wantCode(t, err, store.ENOTFOUND)
		if got := must[store.Contact](t)(s.Contact(ctx, b.ID, 1)); got.Notes != nil || got.ListID != 1 {
			t.Fatalf("b's contact 1 after a's changes = %+v", got)
		}
		if got := must[store.ContactList](t)(s.ContactList(ctx, b.ID, 1)); got.Description != nil {
			t.Fatalf("b's list 1 after a's changes = %+v", got)
		}
		if err := s.DeleteContact(ctx, b.ID, 2); err != nil {
			t.Fatal(err)
		}
		must[store.Contact](t)(s.Contact(ctx, b.ID, 1))

		// Ids are not reused: a's next list and contact continue after the deleted ones, and
		// after id 2, which a's refused create above took (a gap in a's own numbering).
		if l := newList(t, s, a.ID, "a three"); l.ID != 3 {
			t.Fatalf("a's list after deleting list 1 got id %d, want 3", l.ID)
		}
		if c := newContact(t, s, a.ID, 2, juan); c.ID != 3 {
			t.Fatalf("a's contact after deleting contact 1 got id %d, want 3", c.ID)
		}
	})
}

func TestAllocateAMillionIDsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		first := must[int64](t)(s.AllocateIDs(ctx, org.ID, store.ContactIDs, store.MaxIDBlock))
		if first != 1 {
			t.Fatalf("first of a million ids = %d, want 1", first)
		}
		if next := must[int64](t)(s.AllocateIDs(ctx, org.ID, store.ContactIDs, 1)); next != store.MaxIDBlock+1 {
			t.Fatalf("id after a million = %d, want %d", next, store.MaxIDBlock+1)
		}
		list := newList(t, s, org.ID, "l") // lists count apart from contacts
		if list.ID != 1 {
			t.Fatalf("first list id = %d, want 1", list.ID)
		}
		if c := newContact(t, s, org.ID, list.ID, "+5492235961983"); c.ID != store.MaxIDBlock+2 {
			t.Fatalf("contact created after the block got id %d, want %d", c.ID, store.MaxIDBlock+2)
		}
		for _, n := range []int{0, -1, store.MaxIDBlock + 1} {
			if _, err := s.AllocateIDs(ctx, org.ID, store.ContactIDs, n); err == nil {
				t.Errorf("allocating %d ids did not fail", n)
			}
		}
		if _, err := s.AllocateIDs(ctx, org.ID, "apples", 1); err == nil {
			t.Error("allocating ids of an unknown kind did not fail")
		}
	})
}

// TestConcurrentAllocationsNeverOverlap: blocks allocated at the same time by many callers, for
// two organizations, are disjoint and, nothing having failed, leave no gap.
func TestConcurrentAllocationsNeverOverlap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		orgs := []string{newOrg(t, s, "a").ID, newOrg(t, s, "b").ID}
		type block struct{ first, n int64 }
		var mu sync.Mutex
		got := map[string][]block{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				org := orgs[w%2]
				for i := range 30 {
					n := 1 + (w*31+i*17)%200
					first, err := s.AllocateIDs(ctx, org, store.ContactIDs, n)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					got[org] = append(got[org], block{first, int64(n)})
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, org := range orgs {
			blocks := got[org]
			slices.SortFunc(blocks, func(x, y block) int { return int(x.first - y.first) })
			next := int64(1)
			for _, b := range blocks {
				if b.first != next {
					t.Fatalf("org %s: block %+v, want it to start at %d (blocks %v)", org, b, next, blocks)
				}
				next += b.n
			}
			if len(blocks) != 4*30 {
				t.Fatalf("org %s: %d blocks, want %d", org, len(blocks), 4*30)
			}
		}
	})
}

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
			if n, err := s.Migrate(ctx); err != nil || n < 1 {
				t.Fatalf("migrate up: applied %d, err %v", n, err)
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
		if n, err := s.Migrate(ctx); err != nil || n != 1 {
			t.Fatalf("migrate up again: applied %d, err %v", n, err)
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
