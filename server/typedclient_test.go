package server_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
)

// TestTypedClient: the typed client against the real server on each database: 2xx bodies
// come back as values, and every refusal as an *APIError with the envelope, also across
// organizations.
func TestTypedClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.api(h.admin)
		list := must(c.CreateContactList(ctx, client.NewContactList{Name: "Leads"}))
		contact := must(c.CreateContact(ctx, client.NewContact{ContactListId: list.Id, Phone: "0223 15-596-1983", Email: client.Value[client.Email]("juan@example.com")}))
		if contact.Phone != "+5492235961983" || contact.Email.MustGet() != "juan@example.com" {
			t.Fatalf("created %+v", contact)
		}
		batch := must(c.LookupContactsBatch(ctx, client.BatchLookupRequest{Phones: []string{"5492235961983", "x"}}))
		if len(batch.Results) != 2 || !batch.Results[0].Found || batch.Results[1].Found {
			t.Fatalf("batch %+v", batch)
		}

		refused := func(err error, status int, code client.ErrorCode) {
			t.Helper()
			var e *client.APIError
			if !errors.As(err, &e) || e.Status != status || e.Code != code {
				t.Fatalf("err = %v, want %d %s as an *APIError", err, status, code)
			}
		}
		_, err := c.CreateContact(ctx, client.NewContact{ContactListId: list.Id, Phone: "+54 9 223 596-1983"})
		refused(err, http.StatusConflict, client.ErrorCodeConflict)

		other := h.api(h.newKey(must(h.store.CreateOrganization(ctx, "other", "AR")).ID, store.AllCapabilities...))
		_, err = other.GetContact(ctx, contact.Id)
		refused(err, http.StatusNotFound, client.ErrorCodeNotFound)
		if found := must(other.LookupContact(ctx, &client.LookupContactParams{Phone: "5492235961983"})); found.Found {
			t.Fatal("another organization finds the contact")
		}

		reader := h.api(h.newKey(h.org.ID, store.Read))
		refused(reader.DeleteContact(ctx, contact.Id), http.StatusForbidden, client.ErrorCodeForbidden)
	})
}
