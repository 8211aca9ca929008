package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

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
