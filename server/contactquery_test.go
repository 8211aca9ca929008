package server_test

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// queryContacts is one page of the query; it fails the test on any answer but 200.
func queryContacts(t *testing.T, c *client.ClientWithResponses, q client.ContactQuery) client.ContactPage {
	t.Helper()
	r := must(c.QueryContactsWithResponse(ctx, q))
	if r.JSON200 == nil {
		t.Fatalf("query %+v: %d %s", q, r.StatusCode(), r.Body)
	}
	return *r.JSON200
}

// queryAll pages through the query, limit at a time, and returns the full names in order.
func queryAll(t *testing.T, c *client.ClientWithResponses, q client.ContactQuery, limit int32) []string {
	t.Helper()
	q.Limit, q.Cursor = &limit, nil
	names := []string{}
	for {
		page := queryContacts(t, c, q)
		if int32(len(page.Items)) > limit {
			t.Fatalf("%d items on a page of %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			names = append(names, it.FullName.MustGet())
		}
		if page.NextCursor == "" {
			return names
		}
		q.Cursor = &page.NextCursor
	}
}

// listAll does the same through GET /api/v1/contacts.
func listAll(t *testing.T, c *client.ClientWithResponses, p client.ListContactsParams, limit int32) []string {
	t.Helper()
	p.Limit, p.Cursor = &limit, nil
	names := []string{}
	for {
		r := must(c.ListContactsWithResponse(ctx, &p))
		if r.JSON200 == nil {
			t.Fatalf("list %+v: %d %s", p, r.StatusCode(), r.Body)
		}
		if r.JSON200.Total != nil {
			t.Fatalf("the listing answered a total it was not asked for")
		}
		for _, it := range r.JSON200.Items {
			names = append(names, it.FullName.MustGet())
		}
		if r.JSON200.NextCursor == "" {
			return names
		}
		p.Cursor = &r.JSON200.NextCursor
	}
}

// seedQueryContacts creates seed 002's kind of contacts in two lists of h's organization, and
// Ana's twin in another organization (which must never be listed); Ana's phone has replied.
func seedQueryContacts(t *testing.T, h *harness) (c *client.ClientWithResponses, list1, list2 int64, outsider *client.ClientWithResponses) {
	t.Helper()
	c = h.client(h.admin)
	newList := func(c *client.ClientWithResponses, name string) int64 {
		r := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: name}))
		if r.JSON201 == nil {
			t.Fatalf("list: %d %s", r.StatusCode(), r.Body)
		}
		return r.JSON201.Id
	}
	create := func(c *client.ClientWithResponses, in client.NewContact) {
		if r := must(c.CreateContactWithResponse(ctx, in)); r.JSON201 == nil {
			t.Fatalf("contact: %d %s", r.StatusCode(), r.Body)
		}
	}
	list1, list2 = newList(c, "one"), newList(c, "two")
	called := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ana := client.NewContact{
		ContactListId: list1, Phone: "+5492235961983", FullName: client.Value("Ana Pérez"),
		Tags: &[]string{"lead", "vip"}, Category: client.Value("retail"), Source: client.Value("webinar"),
		LastCallStatus: client.Value("no_answer"), Status: client.Value("active"), CampaignId: client.Value("c1"),
		LastCallAt: client.Value(called.Add(time.Hour)),
	}
	create(c, ana)
	create(c, client.NewContact{ContactListId: list1, Phone: "+5491155554444", FullName: client.Value("Bruno_100%"),
		Tags: &[]string{"vip"}, Category: client.Value("wholesale"), Source: client.Value("ads"), LastCallStatus: client.Value("answered")})
	create(c, client.NewContact{ContactListId: list2, Phone: "+5493415556666", FullName: client.Value("Carla"),
		Category: client.Value("retail"), Source: client.Value("webinar"), LastCallStatus: client.Value("answered"), LastCallAt: client.Value(called)})
	create(c, client.NewContact{ContactListId: list2, Phone: "+5492614445555", FullName: client.Value("Darío"), Tags: &[]string{"lead"}})
	n := must(phone.Parse("+5492235961983", "AR"))
	if err := h.store.RecordInbound(ctx, h.org.ID, store.InboundMessage{SessionID: "s1", From: n, At: called, Direct: true}); err != nil {
		t.Fatal(err)
	}

	other := must(h.store.CreateOrganization(ctx, "outsider", "AR"))
	outsider = h.client(h.newKey(other.ID, store.AllCapabilities...))
	ana.ContactListId, ana.FullName = newList(outsider, "theirs"), client.Value("Ana Otra")
	create(outsider, ana)
	return c, list1, list2, outsider
}

func TestQueryContactsFiltersAndOrders(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c, list1, list2, outsider := seedQueryContacts(t, h)
		all := []string{"Ana Pérez", "Bruno_100%", "Carla", "Darío"}
		vals := func(v ...string) *[]string { return &v }
		none := &[]string{}
		at := func(s string) *time.Time { v := must(time.Parse(time.RFC3339, s)); return &v }
		sort := func(s client.ContactSort) *client.ContactSort { return &s }
		desc := ptr(client.SortDirectionDesc)
		for _, tc := range []struct {
			name string
			q    client.ContactQuery
			want []string
		}{
			{"none", client.ContactQuery{}, all},
			{"empty lists", client.ContactQuery{Tags: none, Categories: none, ContactListIds: &[]int64{}}, all},
			{"tags", client.ContactQuery{Tags: vals("lead")}, []string{"Ana Pérez", "Darío"}},
			{"categories", client.ContactQuery{Categories: vals("retail")}, []string{"Ana Pérez", "Carla"}},
			{"source names", client.ContactQuery{SourceNames: vals("ads", "webinar")}, all[:3]},
			{"last call statuses", client.ContactQuery{LastCallStatuses: vals("answered")}, []string{"Bruno_100%", "Carla"}},
			{"statuses", client.ContactQuery{Statuses: vals("active")}, []string{"Ana Pérez"}},
			{"campaigns", client.ContactQuery{CampaignIds: vals("c1")}, []string{"Ana Pérez"}},
			{"lists", client.ContactQuery{ContactListIds: &[]int64{list2}}, []string{"Carla", "Darío"}},
			{"q", client.ContactQuery{Q: ptr("ANA")}, []string{"Ana Pérez"}},
			{"q percent", client.ContactQuery{Q: ptr("0%")}, []string{"Bruno_100%"}},
			{"q phone digits", client.ContactQuery{Q: ptr("2614445")}, []string{"Darío"}},
			{"created after", client.ContactQuery{CreatedAfter: at("2000-01-01T00:00:00Z")}, all},
			{"created before", client.ContactQuery{CreatedBefore: at("2000-01-01T00:00:00Z")}, []string{}},
			{"updated after", client.ContactQuery{UpdatedAfter: at("2999-01-01T00:00:00Z")}, []string{}},
			{"last call after", client.ContactQuery{LastCallAfter: at("2026-03-01T12:30:00+00:00")}, []string{"Ana Pérez"}},
			{"last call before", client.ContactQuery{LastCallBefore: at("2026-03-01T09:30:00-03:00")}, []string{"Carla"}},
			{"replied", client.ContactQuery{HasReplied: ptr(true)}, []string{"Ana Pérez"}},
			{"not replied", client.ContactQuery{HasReplied: ptr(false)}, all[1:]},
			{"seed 002's four", client.ContactQuery{Tags: vals("lead", "vip"), Categories: vals("retail"), SourceNames: vals("webinar"), LastCallStatuses: vals("no_answer")}, []string{"Ana Pérez"}},
			{"and across", client.ContactQuery{Tags: vals("lead", "vip"), ContactListIds: &[]int64{list2}}, []string{"Darío"}},
			{"created desc", client.ContactQuery{Direction: desc}, []string{"Darío", "Carla", "Bruno_100%", "Ana Pérez"}},
			{"updated", client.ContactQuery{Sort: sort(client.ContactSortUpdatedAt)}, all},
			{"last call", client.ContactQuery{Sort: sort(client.ContactSortLastCallAt)}, []string{"Carla", "Ana Pérez", "Bruno_100%", "Darío"}},
			{"last call desc", client.ContactQuery{Sort: sort(client.ContactSortLastCallAt), Direction: desc}, []string{"Ana Pérez", "Carla", "Darío", "Bruno_100%"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, limit := range []int32{1, 3, 200} {
					if got := queryAll(t, c, tc.q, limit); !reflect.DeepEqual(got, tc.want) {
						t.Fatalf("limit %d: got %q, want %q", limit, got, tc.want)
					}
				}
				q := tc.q
				q.Limit, q.IncludeTotal = ptr(int32(1)), ptr(true)
				if page := queryContacts(t, c, q); page.Total == nil || *page.Total != int64(len(tc.want)) {
					t.Fatalf("total = %v, want %d", page.Total, len(tc.want))
				}
				if page := queryContacts(t, c, client.ContactQuery{}); page.Total != nil {
					t.Fatalf("a total without includeTotal")
				}
			})
		}

		// The listing: the same query, its filters as parameters.
		for _, tc := range []struct {
			p    client.ListContactsParams
			want []string
		}{
			{client.ListContactsParams{}, all},
			{client.ListContactsParams{ContactListId: &list1}, all[:2]},
			{client.ListContactsParams{Tag: ptr("lead")}, []string{"Ana Pérez", "Darío"}},
			{client.ListContactsParams{Category: ptr("retail"), SourceName: ptr("webinar")}, []string{"Ana Pérez", "Carla"}},
			{client.ListContactsParams{LastCallStatus: ptr("answered"), Q: ptr("carl")}, []string{"Carla"}},
			{client.ListContactsParams{Sort: sort(client.ContactSortLastCallAt), Direction: desc}, []string{"Ana Pérez", "Carla", "Darío", "Bruno_100%"}},
		} {
			for _, limit := range []int32{1, 50} {
				if got := listAll(t, c, tc.p, limit); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("listing %+v, limit %d: got %q, want %q", tc.p, limit, got, tc.want)
				}
			}
		}

		// Tenancy: the other organization sees only its own Ana, whatever it asks.
		if got := queryAll(t, outsider, client.ContactQuery{}, 50); !reflect.DeepEqual(got, []string{"Ana Otra"}) {
			t.Fatalf("outsider's query: %q", got)
		}
		// Ids are per organization: its list 1 is its own, and it has no list 2 to reach ours.
		if got := queryAll(t, outsider, client.ContactQuery{ContactListIds: &[]int64{list1}}, 50); !reflect.DeepEqual(got, []string{"Ana Otra"}) {
			t.Fatalf("outsider's list 1: %q", got)
		}
		if got := queryAll(t, outsider, client.ContactQuery{ContactListIds: &[]int64{list2}}, 50); len(got) != 0 {
			t.Fatalf("outsider reached our list by id: %q", got)
		}
	})
}

// TestQueryContactsPagesToTheEndUnderChanges pages through the API while, between pages,
// contacts are added, changed (not in the sort key) and deleted.
func TestQueryContactsPagesToTheEndUnderChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: "big"})).JSON201.Id
		next := 0
		create := func() {
			next++
			in := client.NewContact{ContactListId: list, Phone: fmt.Sprintf("+549115%07d", next), FullName: client.Value(fmt.Sprint("c", next))}
			if next%3 == 0 {
				in.LastCallAt = client.Value(time.Date(2026, 1, 1, next%4, 0, 0, 0, time.UTC))
			}
			if r := must(c.CreateContactWithResponse(ctx, in)); r.JSON201 == nil {
				t.Fatalf("contact: %d %s", r.StatusCode(), r.Body)
			}
		}
		for range 40 {
			create()
		}
		for _, sort := range []client.ContactSort{client.ContactSortCreatedAt, client.ContactSortLastCallAt} {
			for _, dir := range []client.SortDirection{client.SortDirectionAsc, client.SortDirectionDesc} {
				q := client.ContactQuery{Sort: &sort, Direction: &dir, Limit: ptr(int32(200))}
				start := queryContacts(t, c, q).Items
				q.Limit = ptr(int32(6))
				seen, deleted := map[int64]bool{}, map[int64]bool{}
				for pageNo := 0; ; pageNo++ {
					page := queryContacts(t, c, q)
					for _, it := range page.Items {
						if seen[it.Id] {
							t.Fatalf("%s %s: contact %d listed twice", sort, dir, it.Id)
						}
						seen[it.Id] = true
					}
					if page.NextCursor == "" {
						break
					}
					q.Cursor = &page.NextCursor
					create()
					for i, it := range start {
						if !deleted[it.Id] && i%4 == pageNo%4 {
							must(c.UpdateContactWithResponse(ctx, it.Id, client.ContactPatch{Notes: client.Value(fmt.Sprint("page ", pageNo))}))
						}
					}
					if it := start[(pageNo*7+2)%len(start)]; !deleted[it.Id] {
						must(c.DeleteContactWithResponse(ctx, it.Id))
						deleted[it.Id] = true
					}
				}
				for _, it := range start {
					if !deleted[it.Id] && !seen[it.Id] {
						t.Fatalf("%s %s: contact %d, there throughout, was skipped", sort, dir, it.Id)
					}
				}
			}
		}
	})
}

func TestQueryContactsRefusesBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c, _, _, outsider := seedQueryContacts(t, h)
		key := []string{"X-API-Key", h.admin}
		post := func(body string) (int, []byte) {
			status, b, _ := h.do("POST", "/api/v1/contacts/query", body, key...)
			return status, b
		}
		// Cursors of other queries, of another organization's same query, and altered.
		cursorOf := func(c *client.ClientWithResponses, q client.ContactQuery) string {
			q.Limit = ptr(int32(1))
			cur := queryContacts(t, c, q).NextCursor
			if cur == "" {
				t.Fatal("no next page to take a cursor from")
			}
			return cur
		}
		mine := cursorOf(c, client.ContactQuery{})
		// The same position under the same query, in other spellings, is accepted.
		for _, body := range []string{
			`{"cursor": "` + mine + `"}`,
			`{"cursor": "` + mine + `", "sort": "createdAt", "direction": "asc", "tags": []}`,
		} {
			if status, b := post(body); status != 200 {
				t.Fatalf("%s: %d %s", body, status, b)
			}
		}
		if status, b, _ := h.do("GET", "/api/v1/contacts?cursor="+url.QueryEscape(mine), "", key...); status != 200 {
			t.Fatalf("the listing refused the query's cursor of the same filters: %d %s", status, b)
		}
		bySort := cursorOf(c, client.ContactQuery{Sort: ptr(client.ContactSortUpdatedAt)})
		byDirection := cursorOf(c, client.ContactQuery{Direction: ptr(client.SortDirectionDesc)})
		byFilter := cursorOf(c, client.ContactQuery{Tags: &[]string{"vip", "lead"}})
		seedOutsiderPages(t, outsider)
		theirs := cursorOf(outsider, client.ContactQuery{})
		tampered := []byte(mine)
		tampered[3] ^= 1

		long := strings.Repeat("a", 201)
		for name, tc := range map[string]struct {
			body  string
			field string
		}{
			"an unknown filter":                {`{"tag": ["lead"]}`, ""},
			"a snake_case filter":              {`{"source_names": ["webinar"]}`, ""},
			"tags not a list":                  {`{"tags": "lead"}`, "/tags"},
			"a tag not a string":               {`{"tags": [1]}`, "/tags/0"},
			"an empty tag":                     {`{"tags": [""]}`, "/tags/0"},
			"list ids not numbers":             {`{"contactListIds": ["1"]}`, "/contactListIds/0"},
			"a time not a time":                {`{"createdAfter": "yesterday"}`, "/createdAfter"},
			"hasReplied not a boolean":         {`{"hasReplied": "yes"}`, "/hasReplied"},
			"an unknown sort":                  {`{"sort": "name"}`, "/sort"},
			"an unknown direction":             {`{"direction": "up"}`, "/direction"},
			"limit 0":                          {`{"limit": 0}`, "/limit"},
			"limit 201":                        {`{"limit": 201}`, "/limit"},
			"limit a string":                   {`{"limit": "5"}`, "/limit"},
			"q over 200 characters":            {`{"q": "` + long + `"}`, "/q"},
			"NUL in q":                         {`{"q": "a\u0000b"}`, "/q"},
			"NUL in a tag":                     {`{"tags": ["a\u0000"]}`, "/tags/0"},
			"a tampered cursor":                {`{"cursor": "` + string(tampered) + `"}`, "/cursor"},
			"a cursor of no kind":              {`{"cursor": "abc"}`, "/cursor"},
			"a cursor of another sort":         {`{"cursor": "` + bySort + `"}`, "/cursor"},
			"a cursor of another direction":    {`{"cursor": "` + byDirection + `"}`, "/cursor"},
			"a cursor of other filters":        {`{"cursor": "` + byFilter + `", "tags": ["lead", "vip"]}`, "/cursor"},
			"a cursor of another organization": {`{"cursor": "` + theirs + `"}`, "/cursor"},
		} {
			t.Run(name, func(t *testing.T) {
				status, b := post(tc.body)
				e := envelope(t, status, b, 400, client.ErrorCodeValidationError)
				if fields := fieldsAtFault(t, e); !slices.Contains(fields, tc.field) {
					t.Fatalf("fields at fault %q, want %q: %s", fields, tc.field, b)
				}
				// An unknown property is the body's fault; the message names it.
				if unknown, _, _ := strings.Cut(strings.TrimPrefix(tc.body, `{"`), `"`); tc.field == "" && !strings.Contains(e.Message, `"`+unknown+`" is unsupported`) {
					t.Fatalf("message %q does not name %q", e.Message, unknown)
				}
			})
		}
		// Invalid UTF-8 in the body is refused before anything reads it.
		status, b := post("{\"q\": \"a\xffb\"}")
		envelope(t, status, b, 400, client.ErrorCodeValidationError)

		for name, tc := range map[string]struct{ query, field string }{
			"limit 0":                    {"limit=0", "limit"},
			"limit 201":                  {"limit=201", "limit"},
			"an unknown parameter":       {"tags=lead", "tags"},
			"an unknown sort":            {"sort=name", "sort"},
			"a list id not a number":     {"contactListId=x", "contactListId"},
			"q over 200 characters":      {"q=" + long, "q"},
			"NUL in q":                   {"q=a%00b", "q"},
			"invalid UTF-8 in q":         {"q=a%FFb", "q"},
			"NUL in a tag":               {"tag=%00", "tag"},
			"a tampered cursor":          {"cursor=" + url.QueryEscape(string(tampered)), "cursor"},
			"a cursor of another sort":   {"cursor=" + url.QueryEscape(bySort), "cursor"},
			"a cursor of another filter": {"tag=vip&cursor=" + url.QueryEscape(mine), "cursor"},
			"another organization's":     {"cursor=" + url.QueryEscape(theirs), "cursor"},
		} {
			t.Run("listing/"+name, func(t *testing.T) {
				status, b, _ := h.do("GET", "/api/v1/contacts?"+tc.query, "", key...)
				e := envelope(t, status, b, 400, client.ErrorCodeValidationError)
				if fields := fieldsAtFault(t, e); !slices.Contains(fields, tc.field) {
					t.Fatalf("fields at fault %q, want %q", fields, tc.field)
				}
			})
		}
	})
}

// seedOutsiderPages gives the other organization a second contact, so that its query has a
// next page and a cursor.
func seedOutsiderPages(t *testing.T, outsider *client.ClientWithResponses) {
	t.Helper()
	lists := must(outsider.ListContactListsWithResponse(ctx, nil)).JSON200.Items
	if r := must(outsider.CreateContactWithResponse(ctx, client.NewContact{ContactListId: lists[0].Id, Phone: "+5491155554444", FullName: client.Value("Otro")})); r.JSON201 == nil {
		t.Fatalf("outsider's contact: %d %s", r.StatusCode(), r.Body)
	}
}

// TestQueryContactsBodyLimit: a query body over the server's limit is a 413, as everywhere.
func TestQueryContactsBodyLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		body := `{"tags": ["` + strings.Repeat("a", 60) + strings.Repeat(`", "`+strings.Repeat("a", 60), 50) + `"]}`
		status, b, _ := h.do("POST", "/api/v1/contacts/query", body, "X-API-Key", h.admin)
		envelope(t, status, b, 413, client.ErrorCodePayloadTooLarge)
	}, withMaxBody(1024))
}
