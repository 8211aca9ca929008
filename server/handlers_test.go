package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
)

// TestTenancy: one organization can neither see nor touch another's data, and learns nothing
// of its existence: every answer is the 404 of a resource that does not exist.
func TestTenancy(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		a := h.client(h.admin)
		juan := createJuan(t, h)
		lists := must(a.ListContactListsWithResponse(ctx, nil)).JSON200.Items
		aKeys := must(a.ListApiKeysWithResponse(ctx, nil)).JSON200.Items

		other := must(h.store.CreateOrganization(ctx, "rival", "AR"))
		b := h.client(h.newKey(other.ID, store.AllCapabilities...))
		list := lists[0]
		notFound := func(name string, status int, body []byte) {
			t.Helper()
			e := wantError(t, status, body, http.StatusNotFound, client.ErrorCodeNotFound)
			if strings.Contains(e.Message, "acme") {
				t.Fatalf("%s: message names the other organization: %q", name, e.Message)
			}
		}
		r1 := must(b.GetContactWithResponse(ctx, juan.Id))
		notFound("get contact", r1.StatusCode(), r1.Body)
		r2 := must(b.UpdateContactWithResponse(ctx, juan.Id, client.ContactPatch{Notes: nullableString("mine")}))
		notFound("patch contact", r2.StatusCode(), r2.Body)
		r3 := must(b.DeleteContactWithResponse(ctx, juan.Id))
		notFound("delete contact", r3.StatusCode(), r3.Body)
		r4 := must(b.GetContactListWithResponse(ctx, list.Id))
		notFound("get list", r4.StatusCode(), r4.Body)
		r5 := must(b.UpdateContactListWithResponse(ctx, list.Id, client.ContactListPatch{Name: ptr("mine")}))
		notFound("patch list", r5.StatusCode(), r5.Body)
		r6 := must(b.DeleteContactListWithResponse(ctx, list.Id))
		notFound("delete list", r6.StatusCode(), r6.Body)
		r8 := must(b.RevokeApiKeyWithResponse(ctx, aKeys[0].Id))
		notFound("revoke their key", r8.StatusCode(), r8.Body)
		// A list of one's own, moved into: the contact is not found either. b's first list has
		// a's list's id (ids are numbered per organization); its second is an id a lacks.
		mine, spare := newList(t, b, "mine"), newList(t, b, "spare")
		if mine.Id != list.Id {
			t.Fatalf("b's first list has id %d, want %d like a's first: ids are per organization", mine.Id, list.Id)
		}
		r9 := must(a.UpdateContactWithResponse(ctx, juan.Id, client.ContactPatch{ContactListId: &spare.Id}))
		notFound("move into their list", r9.StatusCode(), r9.Body)

		// With ids of its own that a's rows also have, b reads, changes and deletes its rows only.
		ana := must(b.CreateContactWithResponse(ctx, client.NewContact{ContactListId: mine.Id, Phone: "5491155554444"}))
		if ana.JSON201 == nil || ana.JSON201.Id != juan.Id {
			t.Fatalf("b's first contact: %d %s, want id %d like a's first", ana.StatusCode(), ana.Body, juan.Id)
		}
		if r := must(b.GetContactWithResponse(ctx, juan.Id)); r.JSON200 == nil || r.JSON200.Phone != "+5491155554444" || r.JSON200.ContactListName != "mine" {
			t.Fatalf("b reads its contact %d: %s", juan.Id, r.Body)
		}
		if r := must(b.GetContactListWithResponse(ctx, list.Id)); r.JSON200 == nil || r.JSON200.Name != "mine" {
			t.Fatalf("b reads its list %d: %s", list.Id, r.Body)
		}
		if r := must(b.UpdateContactWithResponse(ctx, juan.Id, client.ContactPatch{Notes: nullableString("mine")})); r.JSON200 == nil {
			t.Fatalf("b patches its contact: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(b.UpdateContactListWithResponse(ctx, list.Id, client.ContactListPatch{Name: ptr("still mine")})); r.JSON200 == nil {
			t.Fatalf("b patches its list: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(b.DeleteContactWithResponse(ctx, juan.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("b deletes its contact: %d %s", r.StatusCode(), r.Body)
		}
		if r := must(b.DeleteContactListWithResponse(ctx, list.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("b deletes its list: %d %s", r.StatusCode(), r.Body)
		}
		// a's list's id, b's no longer: b cannot add to a's list.
		r7 := must(b.CreateContactWithResponse(ctx, client.NewContact{ContactListId: list.Id, Phone: "5491155554444"}))
		notFound("create contact in their list", r7.StatusCode(), r7.Body)

		if l := must(b.ListContactListsWithResponse(ctx, nil)).JSON200; len(l.Items) != 1 || l.Items[0].Id != spare.Id {
			t.Fatalf("b lists %+v", l.Items)
		}
		if k := must(b.ListApiKeysWithResponse(ctx, nil)).JSON200; len(k.Items) != 1 {
			t.Fatalf("b sees %d keys", len(k.Items))
		}
		lookup := must(b.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: "5492235961983"}))
		if lookup.JSON200 == nil || lookup.JSON200.Found {
			t.Fatalf("b looks up a's contact: %s", lookup.Body)
		}
		batch := must(b.LookupContactsBatchWithResponse(ctx, client.BatchLookupRequest{Phones: []string{"5492235961983"}}))
		if batch.JSON200 == nil || batch.JSON200.Results[0].Found {
			t.Fatalf("b batch-looks up a's contact: %s", batch.Body)
		}
		// And a is untouched.
		if r := must(a.GetContactWithResponse(ctx, juan.Id)); r.JSON200 == nil || !r.JSON200.Notes.IsNull() || r.JSON200.Phone != juan.Phone ||
			r.JSON200.ContactListName != list.Name {
			t.Fatalf("a's contact changed: %s", r.Body)
		}
		if r := must(a.GetContactListWithResponse(ctx, list.Id)); r.JSON200 == nil || r.JSON200.Name != list.Name {
			t.Fatalf("a's list changed: %s", r.Body)
		}
	})
}
