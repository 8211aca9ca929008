package server_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
)

func TestPagingIsStableAndTamperChecked(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		var want []int64
		for i := range 7 {
			want = append(want, newList(t, c, "list "+string(rune('a'+i))).Id)
		}
		var got []int64
		var cursor *string
		limit := int32(3)
		for pages := 0; ; pages++ {
			r := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Limit: &limit, Cursor: cursor}))
			if r.JSON200 == nil {
				t.Fatalf("page: %d %s", r.StatusCode(), r.Body)
			}
			for _, l := range r.JSON200.Items {
				got = append(got, l.Id)
			}
			if pages == 0 {
				// Rows inserted while paging land after the ones already listed.
				want = append(want, newList(t, c, "late").Id)
			}
			if r.JSON200.NextCursor == "" {
				break
			}
			cursor = &r.JSON200.NextCursor
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}

		first := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Limit: &limit}))
		next := first.JSON200.NextCursor
		otherOrg := must(h.store.CreateOrganization(ctx, "other", "AR"))
		otherClient := h.client(h.newKey(otherOrg.ID, "read", "admin"))
		h.newKey(h.org.ID, "read") // a second key, so that the keys listing has a next page
		keysPage := must(c.ListApiKeysWithResponse(ctx, &client.ListApiKeysParams{Limit: ptr(int32(1))}))
		for name, bad := range map[string]string{
			"garbage":         "nope",
			"flipped payload": flip(next, 0),
			"flipped mac":     flip(next, len(next)-5),
			"padding bits":    flip(next, len(next)-1),
			"no mac":          strings.Split(next, ".")[0],
			"other listing":   keysPage.JSON200.NextCursor,
			"too long":        strings.Repeat("a", 600),
		} {
			r := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Cursor: &bad}))
			if r.StatusCode() != http.StatusBadRequest {
				t.Fatalf("%s cursor %q: %d %s", name, bad, r.StatusCode(), r.Body)
			}
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		// A cursor of one organization is refused by another.
		r := must(otherClient.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Cursor: &next}))
		wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
		for _, q := range []string{"limit=0", "limit=201", "limit=x", "limit=-1"} {
			status, body, _ := h.do("GET", "/api/v1/contact-lists?"+q, "", "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
			status, body, _ = h.do("GET", "/api/v1/api-keys?"+q, "", "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
	})
}
