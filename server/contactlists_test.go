package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
)

func TestContactLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		first := newList(t, c, "Lista Principal")
		dup := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: "Lista Principal"}))
		wantError(t, dup.StatusCode(), dup.Body, http.StatusConflict, client.ErrorCodeConflict)

		desc := "webinar"
		upd := must(c.UpdateContactListWithResponse(ctx, first.Id, client.ContactListPatch{Description: client.Value(desc)}))
		if upd.JSON200 == nil || upd.JSON200.Name != "Lista Principal" || upd.JSON200.Description.MustGet() != desc {
			t.Fatalf("patch description: %d %s", upd.StatusCode(), upd.Body)
		}
		cleared := must(c.UpdateContactListWithBodyWithResponse(ctx, first.Id, "application/json", strings.NewReader(`{"description":null}`)))
		if cleared.JSON200 == nil || !cleared.JSON200.Description.IsNull() {
			t.Fatalf("clear description: %d %s", cleared.StatusCode(), cleared.Body)
		}
		second := newList(t, c, "Second")
		taken := must(c.UpdateContactListWithResponse(ctx, second.Id, client.ContactListPatch{Name: ptr("Lista Principal")}))
		wantError(t, taken.StatusCode(), taken.Body, http.StatusConflict, client.ErrorCodeConflict)
		for _, body := range []string{`{"name":""}`, `{"name":null}`, `{"name":"` + strings.Repeat("x", 201) + `"}`, `{"color":"red"}`} {
			r := must(c.UpdateContactListWithBodyWithResponse(ctx, second.Id, "application/json", strings.NewReader(body)))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		for _, body := range []string{`{}`, `{"name":""}`, `{"name":"x","extra":1}`} {
			r := must(c.CreateContactListWithBodyWithResponse(ctx, "application/json", strings.NewReader(body)))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		got := must(c.GetContactListWithResponse(ctx, second.Id))
		if got.JSON200 == nil || got.JSON200.Name != "Second" {
			t.Fatalf("get: %d %s", got.StatusCode(), got.Body)
		}

		// Deleting a list deletes its contacts.
		contact := must(c.CreateContactWithResponse(ctx, client.NewContact{ContactListId: second.Id, Phone: "5492235961983"}))
		if r := must(c.DeleteContactListWithResponse(ctx, second.Id)); r.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode(), r.Body)
		}
		for _, r := range []interface {
			StatusCode() int
		}{must(c.GetContactListWithResponse(ctx, second.Id)), must(c.GetContactWithResponse(ctx, contact.JSON201.Id)),
			must(c.DeleteContactListWithResponse(ctx, second.Id)), must(c.UpdateContactListWithResponse(ctx, second.Id, client.ContactListPatch{}))} {
			if r.StatusCode() != http.StatusNotFound {
				t.Fatalf("after delete: %d", r.StatusCode())
			}
		}
		refusesBadIDs(t, h, "/api/v1/contact-lists/")
	})
}
