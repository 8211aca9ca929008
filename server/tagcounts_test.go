package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
)

// TestTagAndCategoryCounts drives both pickers through the generated client: counts, order,
// filters, the cap, and that another organization's contacts and lists stay out of sight.
func TestTagAndCategoryCounts(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		main, other := newList(t, c, "main"), newList(t, c, "other")
		n := 0
		add := func(c *client.ClientWithResponses, listID int64, category string, tags ...string) {
			t.Helper()
			n++
			in := client.NewContact{ContactListId: listID, Phone: fmt.Sprintf("+549114%07d", n)}
			if tags != nil {
				in.Tags = &tags
			}
			if category != "" {
				in.Category = client.Value(category)
			}
			r := must(c.CreateContactWithResponse(ctx, in))
			if r.JSON201 == nil {
				t.Fatalf("create contact: %d %s", r.StatusCode(), r.Body)
			}
		}
		add(c, main.Id, "retail", "lead", "vip", "lead") // a repeat is dropped, counted once
		add(c, main.Id, "retail", "lead", "50%_off")
		add(c, other.Id, "wholesale", "Lead", "500ff")
		add(c, other.Id, "") // no category, no tags

		// Another organization, with a list of the same id and more contacts than acme.
		outsider := must(h.store.CreateOrganization(ctx, "outsider", "AR"))
		oc := h.client(h.newKey(outsider.ID, store.AllCapabilities...))
		if ol := newList(t, oc, "theirs"); ol.Id != main.Id {
			t.Fatalf("outsider's first list has id %d, want %d", ol.Id, main.Id)
		}
		for range 3 {
			add(oc, main.Id, "secret", "secret", "lead")
		}

		tags := func(c *client.ClientWithResponses, p client.ListTagsParams) client.ValueCounts {
			t.Helper()
			r := must(c.ListTagsWithResponse(ctx, &p))
			if r.JSON200 == nil {
				t.Fatalf("tags %+v: %d %s", p, r.StatusCode(), r.Body)
			}
			return *r.JSON200
		}
		categories := func(c *client.ClientWithResponses, p client.ListCategoriesParams) client.ValueCounts {
			t.Helper()
			r := must(c.ListCategoriesWithResponse(ctx, &p))
			if r.JSON200 == nil {
				t.Fatalf("categories %+v: %d %s", p, r.StatusCode(), r.Body)
			}
			return *r.JSON200
		}
		want := func(what string, got client.ValueCounts, truncated bool, pairs ...any) {
			t.Helper()
			items := []client.ValueCount{}
			for i := 0; i < len(pairs); i += 2 {
				items = append(items, client.ValueCount{Value: pairs[i].(string), Count: int64(pairs[i+1].(int))})
			}
			if !reflect.DeepEqual(got, client.ValueCounts{Items: items, Truncated: truncated}) {
				t.Fatalf("%s = %+v, want %+v truncated %v", what, got, items, truncated)
			}
		}

		want("tags", tags(c, client.ListTagsParams{}), false, "lead", 2, "50%_off", 1, "500ff", 1, "Lead", 1, "vip", 1)
		want("categories", categories(c, client.ListCategoriesParams{}), false, "retail", 2, "wholesale", 1)
		want("tags limit 1", tags(c, client.ListTagsParams{Limit: ptr[int32](1)}), true, "lead", 2)
		want("tags limit 5", tags(c, client.ListTagsParams{Limit: ptr[int32](5)}), false, "lead", 2, "50%_off", 1, "500ff", 1, "Lead", 1, "vip", 1)
		want("tags prefix LE", tags(c, client.ListTagsParams{Prefix: ptr("LE")}), false, "lead", 2, "Lead", 1)
		want("tags prefix 50%_", tags(c, client.ListTagsParams{Prefix: ptr("50%_")}), false, "50%_off", 1)
		want("tags prefix 5_", tags(c, client.ListTagsParams{Prefix: ptr("5_")}), false)
		want("tags of other", tags(c, client.ListTagsParams{ContactListId: &other.Id}), false, "500ff", 1, "Lead", 1)
		want("categories of main by R", categories(c, client.ListCategoriesParams{ContactListId: &main.Id, Prefix: ptr("R")}), false, "retail", 2)
		empty := newList(t, c, "empty")
		want("tags of an empty list", tags(c, client.ListTagsParams{ContactListId: &empty.Id}), false)
		want("outsider's categories", categories(oc, client.ListCategoriesParams{}), false, "secret", 3)

		// A list id of no list of the caller's organization is a 404, even when another
		// organization has a list with that id: the same answer, so ids reveal nothing.
		theirs := main.Id + 100
		for _, p := range []struct {
			c  *client.ClientWithResponses
			id int64
		}{{c, theirs}, {oc, other.Id}} {
			r := must(p.c.ListTagsWithResponse(ctx, &client.ListTagsParams{ContactListId: &p.id}))
			wantError(t, r.StatusCode(), r.Body, http.StatusNotFound, client.ErrorCodeNotFound)
			rc := must(p.c.ListCategoriesWithResponse(ctx, &client.ListCategoriesParams{ContactListId: &p.id}))
			wantError(t, rc.StatusCode(), rc.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		}

		// Bad input: each a 400 naming the parameter; 100 characters of prefix and 500 values
		// are fine.
		for _, path := range []string{"/api/v1/tags", "/api/v1/categories"} {
			for query, field := range map[string]string{
				"limit=0": "limit", "limit=501": "limit", "limit=x": "limit", "limit=-1": "limit",
				"prefix=" + strings.Repeat("é", 101): "prefix", "prefix=": "prefix",
				"prefix=a%00": "prefix", "prefix=%FF": "prefix",
				"contactListId=0": "contactListId", "contactListId=abc": "contactListId",
				"contactListId=-3": "contactListId", "contactListId=99999999999999999999": "contactListId",
				"tag=lead": "tag",
			} {
				status, body, _ := h.do("GET", path+"?"+query, "", "X-API-Key", h.admin)
				e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
				if !strings.Contains(fmt.Sprint(e.Details["fields"]), "field:"+field) {
					t.Fatalf("%s?%s: details %v do not name %s", path, query, e.Details, field)
				}
			}
			status, body, _ := h.do("GET", path+"?limit=500&prefix="+url.QueryEscape(strings.Repeat("é", 100)), "", "X-API-Key", h.admin)
			if status != http.StatusOK {
				t.Fatalf("%s at the bounds: %d %s", path, status, body)
			}
		}
	})
}
