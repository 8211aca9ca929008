package store_test

import (
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestContactLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		list := newList(t, s, a.ID, "Lista Principal")
		_, err := s.CreateContactList(ctx, a.ID, store.NewContactList{Name: "Lista Principal"})
		wantCode(t, err, store.ECONFLICT)

		// b has no list with a's list's id (ids are per organization: b's first list will
		// have the same id, see TestIDsArePerOrganization).
		_, err = s.ContactList(ctx, b.ID, list.ID)
		wantCode(t, err, store.ENOTFOUND)
		_, err = s.UpdateContactList(ctx, b.ID, list.ID, store.ContactListChange{Name: store.Some("stolen")})
		wantCode(t, err, store.ENOTFOUND)
		wantCode(t, s.DeleteContactList(ctx, b.ID, list.ID), store.ENOTFOUND)
		newList(t, s, b.ID, "Lista Principal") // names are unique per organization only

		got := must[store.ContactList](t)(s.UpdateContactList(ctx, a.ID, list.ID, store.ContactListChange{Description: store.Some(ptr("webinar"))}))
		if got.Name != "Lista Principal" || got.Description == nil || *got.Description != "webinar" {
			t.Fatalf("after description change: %+v", got)
		}
		got = must[store.ContactList](t)(s.UpdateContactList(ctx, a.ID, list.ID, store.ContactListChange{Name: store.Some("Renamed")}))
		if got.Name != "Renamed" || got.Description == nil {
			t.Fatalf("renaming touched the description: %+v", got)
		}
		newList(t, s, a.ID, "Second")
		_, err = s.UpdateContactList(ctx, a.ID, list.ID, store.ContactListChange{Name: store.Some("Second")})
		wantCode(t, err, store.ECONFLICT)
		got = must[store.ContactList](t)(s.UpdateContactList(ctx, a.ID, list.ID, store.ContactListChange{Description: store.Some[*string](nil)}))
		if got.Description != nil {
			t.Fatalf("description not cleared: %+v", got)
		}

		lists, more, err := s.ListContactLists(ctx, a.ID, 0, 1)
		if err != nil || len(lists) != 1 || !more || lists[0].ID != list.ID {
			t.Fatalf("first page = %+v, more %v, err %v", lists, more, err)
		}
		lists, more, err = s.ListContactLists(ctx, a.ID, lists[0].ID, 1)
		if err != nil || len(lists) != 1 || more || lists[0].Name != "Second" {
			t.Fatalf("second page = %+v, more %v, err %v", lists, more, err)
		}
	})
}

func TestDeletingAListDeletesItsContactsButNotReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "l")
		c := newContact(t, s, org.ID, list.ID, "+5492235961983")
		n := mustPhone(t, "+5492235961983")
		if err := s.RecordInbound(ctx, org.ID, store.InboundMessage{SessionID: "s", From: n, At: s.Now(), Direct: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteContactList(ctx, org.ID, list.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Contact(ctx, org.ID, c.ID)
		wantCode(t, err, store.ENOTFOUND)
		l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if l.Found() || l.LastReplyAt == nil {
			t.Fatalf("lookup after delete = %+v", l)
		}
	})
}
