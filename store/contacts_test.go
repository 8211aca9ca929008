package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestContactCreateAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		listA, listA2 := newList(t, s, a.ID, "one"), newList(t, s, a.ID, "two")
		newList(t, s, b.ID, "x")
		newList(t, s, b.ID, "y")
		listB := newList(t, s, b.ID, "one") // list 3: an id a does not have
		lastCall := time.Date(2025, 3, 28, 14, 0, 0, 123456000, time.UTC)
		in := store.NewContact{ListID: listA.ID, Phone: mustPhone(t, "+54 223 15-596-1983"), ContactFields: store.ContactFields{
			FullName: ptr("Juan Perez"), Email: ptr("juan@ejemplo.com"), Tags: []string{"lead", "webinar", "lead"},
			LastCallAt: &lastCall, LastCallDuration: ptr(int32(95)),
			Metadata: json.RawMessage(`{"crmId": "A-1029", "big": 12345678901234567890, "nested": {"x": [true]}}`),
		}}
		c := must[store.Contact](t)(s.CreateContact(ctx, a.ID, in))
		if c.Phone != "+5492235961983" || c.CountryCode != "AR" || c.ListName != "one" || !reflect.DeepEqual(c.Tags, []string{"lead", "webinar"}) {
			t.Fatalf("created = %+v", c)
		}
		got := must[store.Contact](t)(s.Contact(ctx, a.ID, c.ID))
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("read back differs:\n got %+v\nwant %+v", got, c)
		}
		if string(got.Metadata) != `{"crmId":"A-1029","big":12345678901234567890,"nested":{"x":[true]}}` {
			t.Fatalf("metadata = %s, want it as sent (compacted), every digit kept", got.Metadata)
		}

		// Another spelling of the same number in the same list is a conflict naming the contact.
		_, err := s.CreateContact(ctx, a.ID, store.NewContact{ListID: listA.ID, Phone: mustPhone(t, "54223155961983")})
		wantCode(t, err, store.ECONFLICT)
		if e := err.(*store.Error); e.Details["contactId"] != c.ID {
			t.Fatalf("conflict details = %v, want contactId %d", e.Details, c.ID)
		}
		// The same person may be in several lists.
		newContact(t, s, a.ID, listA2.ID, "5492235961983")
		// A list of another organization is not found, and nothing is written.
		_, err = s.CreateContact(ctx, a.ID, store.NewContact{ListID: listB.ID, Phone: mustPhone(t, "+5491155554444")})
		wantCode(t, err, store.ENOTFOUND)
		_, err = s.Contact(ctx, b.ID, c.ID)
		wantCode(t, err, store.ENOTFOUND)
		wantCode(t, s.DeleteContact(ctx, b.ID, c.ID), store.ENOTFOUND)
		if l := must[store.Lookup](t)(s.LookupContact(ctx, b.ID, mustPhone(t, "+5491155554444").MatchKey, "")); l.Found() {
			t.Fatalf("refused contact was written: %+v", l)
		}
	})
}

func TestContactUpdateChangesOnlyWhatIsSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		one, two := newList(t, s, a.ID, "one"), newList(t, s, a.ID, "two")
		newList(t, s, b.ID, "x")
		newList(t, s, b.ID, "y")
		other := newList(t, s, b.ID, "z") // list 3: an id a does not have
		c := must[store.Contact](t)(s.CreateContact(ctx, a.ID, store.NewContact{ListID: one.ID, Phone: mustPhone(t, "+5492235961983"),
			ContactFields: store.ContactFields{FullName: ptr("Juan"), Email: ptr("j@x.io"), Tags: []string{"a"}, Notes: ptr("n")}}))
		s.SetClock(func() time.Time { return time.Now().Add(time.Minute) })

		if same := must[store.Contact](t)(s.UpdateContact(ctx, a.ID, c.ID, store.ContactChange{})); !same.UpdatedAt.Equal(c.UpdatedAt) {
			t.Fatalf("an empty change moved updatedAt from %v to %v", c.UpdatedAt, same.UpdatedAt)
		}
		got := must[store.Contact](t)(s.UpdateContact(ctx, a.ID, c.ID, store.ContactChange{Email: store.Some[*string](nil), Status: store.Some(ptr("hot"))}))
		if got.Email != nil || got.Status == nil || *got.Status != "hot" || *got.FullName != "Juan" || *got.Notes != "n" ||
			!reflect.DeepEqual(got.Tags, []string{"a"}) || !got.UpdatedAt.After(c.UpdatedAt) || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("after patch = %+v", got)
		}

		moved := must[store.Contact](t)(s.UpdateContact(ctx, a.ID, c.ID, store.ContactChange{ListID: store.Some(two.ID), Phone: store.Some(mustPhone(t, "+5491155554444"))}))
		if moved.ListID != two.ID || moved.ListName != "two" || moved.Phone != "+5491155554444" || *moved.FullName != "Juan" {
			t.Fatalf("after move = %+v", moved)
		}

		// Moving into another organization's list, or patching another organization's
		// contact, is not found.
		_, err := s.UpdateContact(ctx, a.ID, c.ID, store.ContactChange{ListID: store.Some(other.ID)})
		wantCode(t, err, store.ENOTFOUND)
		_, err = s.UpdateContact(ctx, b.ID, c.ID, store.ContactChange{Notes: store.Some(ptr("x"))})
		wantCode(t, err, store.ENOTFOUND)

		// A phone already in the target list is a conflict, and the contact is unchanged.
		blocker := newContact(t, s, a.ID, one.ID, "+5491155554444")
		_, err = s.UpdateContact(ctx, a.ID, c.ID, store.ContactChange{ListID: store.Some(one.ID), Notes: store.Some(ptr("lost"))})
		wantCode(t, err, store.ECONFLICT)
		if e := err.(*store.Error); e.Details["contactId"] != blocker.ID {
			t.Fatalf("conflict details = %v, want contactId %d", e.Details, blocker.ID)
		}
		if now := must[store.Contact](t)(s.Contact(ctx, a.ID, c.ID)); now.ListID != two.ID || *now.Notes != "n" {
			t.Fatalf("refused patch was written: %+v", now)
		}
	})
}

// TestOppositeMovesDoNotDeadlock: two contacts moving between two lists in opposite directions
// at the same moment. Locking the joined list rows as well deadlocked PostgreSQL.
func TestOppositeMovesDoNotDeadlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		for i := range 20 {
			l, m := newList(t, s, org.ID, fmt.Sprintf("L%d", i)), newList(t, s, org.ID, fmt.Sprintf("M%d", i))
			a, b := newContact(t, s, org.ID, l.ID, "+5492235961983"), newContact(t, s, org.ID, m.ID, "+5492235961984")
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[0] = s.UpdateContact(ctx, org.ID, a.ID, store.ContactChange{ListID: store.Some(m.ID)})
			}()
			go func() {
				defer wg.Done()
				_, errs[1] = s.UpdateContact(ctx, org.ID, b.ID, store.ContactChange{ListID: store.Some(l.ID)})
			}()
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", i, err)
				}
			}
		}
	})
}
