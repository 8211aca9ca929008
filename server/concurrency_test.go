package server_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/wagate/wagate/gen"
)

// TestConcurrentRequests writes and reads from many clients at once. SQLite has one writer:
// writers must wait for each other (busy timeout, immediate transactions), never fail. And
// concurrent PATCHes of different fields of one contact must all land.
func TestConcurrentRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := newList(t, c, "l")
		shared := must(c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: list.Id, Phone: "+5492235961983"})).JSON201
		const workers = 16
		var wg sync.WaitGroup
		failures := make(chan string, workers*4)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				phone := fmt.Sprintf("+549115%07d", i)
				if r, err := c.CreateContactWithResponse(ctx, gen.NewContact{ContactListId: list.Id, Phone: phone}); err != nil || r.StatusCode() != http.StatusCreated {
					failures <- fmt.Sprintf("create %s: %v %d %s", phone, err, r.StatusCode(), r.Body)
				}
				var patch gen.ContactPatch
				switch i % 3 {
				case 0:
					patch.Notes = nullable.NewNullableWithValue(fmt.Sprint(i))
				case 1:
					patch.Status = nullable.NewNullableWithValue(fmt.Sprint(i))
				case 2:
					patch.Category = nullable.NewNullableWithValue(fmt.Sprint(i))
				}
				if r, err := c.UpdateContactWithResponse(ctx, shared.Id, patch); err != nil || r.StatusCode() != http.StatusOK {
					failures <- fmt.Sprintf("patch %d: %v %d %s", i, err, r.StatusCode(), r.Body)
				}
				if r, err := c.LookupContactWithResponse(ctx, &gen.LookupContactParams{Phone: phone}); err != nil || r.JSON200 == nil || !r.JSON200.Found {
					failures <- fmt.Sprintf("lookup %s: %v", phone, err)
				}
			}()
		}
		wg.Wait()
		close(failures)
		for f := range failures {
			t.Error(f)
		}
		got := must(c.GetContactWithResponse(ctx, shared.Id)).JSON200
		if got.Notes.IsNull() || got.Status.IsNull() || got.Category.IsNull() {
			t.Fatalf("a concurrent patch was lost: notes %v status %v category %v", got.Notes, got.Status, got.Category)
		}
	})
}
