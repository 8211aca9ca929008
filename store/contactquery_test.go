package store_test

import (
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// queryFixture is four contacts of seed 002's kind in two lists of organization a, and one of
// organization b that matches every filter a's queries use and must never be listed.
type queryFixture struct {
	a, b         store.Organization
	list1, list2 store.ContactList
	t0           time.Time
	names        map[int64]string
}

func newQueryFixture(t *testing.T, s *store.Store) queryFixture {
	t.Helper()
	f := queryFixture{a: newOrg(t, s, "a"), b: newOrg(t, s, "b"), t0: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), names: map[int64]string{}}
	f.list1, f.list2 = newList(t, s, f.a.ID, "one"), newList(t, s, f.a.ID, "two")
	at := func(d time.Duration) *time.Time { v := f.t0.Add(d); return &v }
	create := func(orgID string, listID int64, raw string, created time.Duration, fields store.ContactFields) store.Contact {
		t.Helper()
		s.SetClock(func() time.Time { return f.t0.Add(created) })
		c := must[store.Contact](t)(s.CreateContact(ctx, orgID, store.NewContact{ListID: listID, Phone: mustPhone(t, raw), ContactFields: fields}))
		if fields.FullName != nil && orgID == f.a.ID { // ids are per organization
			f.names[c.ID] = *fields.FullName
		}
		return c
	}
	ana := create(f.a.ID, f.list1.ID, "+5492235961983", 0, store.ContactFields{
		FullName: ptr("Ana Pérez"), Email: ptr("ana@ejemplo.com"), Tags: []string{"lead", "vip"}, Category: ptr("retail"),
		Source: ptr("webinar"), LastCallStatus: ptr("no_answer"), Status: ptr("active"), CampaignID: ptr("c1"), LastCallAt: at(time.Hour),
	})
	// Created in the same microsecond as Ana: the order falls back on the id.
	create(f.a.ID, f.list1.ID, "+5491155554444", 0, store.ContactFields{
		FullName: ptr("Bruno_100%"), Tags: []string{"vip"}, Category: ptr("wholesale"), Source: ptr("ads"), LastCallStatus: ptr("answered"),
	})
	create(f.a.ID, f.list2.ID, "+5493415556666", time.Minute, store.ContactFields{
		FullName: ptr("Carla"), LastName: ptr(`O\Neil`), Category: ptr("retail"), Source: ptr("webinar"),
		LastCallStatus: ptr("answered"), LastCallAt: at(30 * time.Minute),
	})
	create(f.a.ID, f.list2.ID, "+5492614445555", 2*time.Minute, store.ContactFields{FullName: ptr("Darío"), Tags: []string{"lead"}})
	// Ana changes last; her phone wrote to a session.
	s.SetClock(func() time.Time { return f.t0.Add(10 * time.Minute) })
	must[store.Contact](t)(s.UpdateContact(ctx, f.a.ID, ana.ID, store.ContactChange{Notes: store.Some(ptr("called back"))}))
	if err := s.RecordInbound(ctx, f.a.ID, store.InboundMessage{SessionID: "s1", From: mustPhone(t, "+5492235961983"), At: f.t0, Direct: true}); err != nil {
		t.Fatal(err)
	}
	// Organization b: Ana's twin in every field.
	listB := newList(t, s, f.b.ID, "one")
	create(f.b.ID, listB.ID, "+5492235961983", 0, store.ContactFields{
		FullName: ptr("Ana Otra"), Email: ptr("ana@otra.com"), Tags: []string{"lead", "vip"}, Category: ptr("retail"),
		Source: ptr("webinar"), LastCallStatus: ptr("no_answer"), Status: ptr("active"), CampaignID: ptr("c1"), LastCallAt: at(time.Hour),
	})
	return f
}

// all pages through the query, limit at a time, and returns the full names in order.
func (f queryFixture) all(t *testing.T, s *store.Store, q store.ContactQuery, limit int) []string {
	t.Helper()
	names := []string{}
	var after *store.ContactPosition
	for {
		page := must[store.ContactPage](t)(s.QueryContacts(ctx, f.a.ID, q, after, limit, false))
		if len(page.Contacts) > limit {
			t.Fatalf("%d contacts on a page of %d", len(page.Contacts), limit)
		}
		for _, c := range page.Contacts {
			if c.OrgID != f.a.ID {
				t.Fatalf("listed another organization's contact %+v", c)
			}
			names = append(names, f.names[c.ID])
		}
		if !page.More {
			return names
		}
		// Through the cursor's spelling, as the server hands it over.
		p := must[store.ContactPosition](t)(store.ParseContactPosition(store.PositionOf(page.Contacts[len(page.Contacts)-1], q.Sort).String()))
		after = &p
	}
}

func TestQueryContactsFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newQueryFixture(t, s)
		at := func(d time.Duration) *time.Time { v := f.t0.Add(d); return &v }
		all := []string{"Ana Pérez", "Bruno_100%", "Carla", "Darío"}
		for _, tc := range []struct {
			name string
			q    store.ContactQuery
			want []string
		}{
			{"none", store.ContactQuery{}, all},
			{"empty lists", store.ContactQuery{Tags: []string{}, Categories: []string{}, ListIDs: []int64{}}, all},
			{"tag", store.ContactQuery{Tags: []string{"lead"}}, []string{"Ana Pérez", "Darío"}},
			{"tags or", store.ContactQuery{Tags: []string{"lead", "vip"}}, []string{"Ana Pérez", "Bruno_100%", "Darío"}},
			{"unknown tag", store.ContactQuery{Tags: []string{"nope"}}, []string{}},
			{"categories", store.ContactQuery{Categories: []string{"retail"}}, []string{"Ana Pérez", "Carla"}},
			{"categories or", store.ContactQuery{Categories: []string{"retail", "wholesale"}}, all[:3]},
			{"sources", store.ContactQuery{Sources: []string{"webinar"}}, []string{"Ana Pérez", "Carla"}},
			{"last call statuses", store.ContactQuery{LastCallStatuses: []string{"answered"}}, []string{"Bruno_100%", "Carla"}},
			{"statuses", store.ContactQuery{Statuses: []string{"active"}}, []string{"Ana Pérez"}},
			{"campaigns", store.ContactQuery{CampaignIDs: []string{"c1", "c2"}}, []string{"Ana Pérez"}},
			{"lists", store.ContactQuery{ListIDs: []int64{f.list2.ID}}, []string{"Carla", "Darío"}},
			{"lists or", store.ContactQuery{ListIDs: []int64{f.list1.ID, f.list2.ID}}, all},
			{"q name any case", store.ContactQuery{Q: "aNA"}, []string{"Ana Pérez"}},
			{"q email", store.ContactQuery{Q: "@EJEMPLO."}, []string{"Ana Pérez"}},
			{"q phone digits", store.ContactQuery{Q: "1555666"}, []string{"Carla"}},
			{"q percent is plain", store.ContactQuery{Q: "%"}, []string{"Bruno_100%"}},
			{"q underscore is plain", store.ContactQuery{Q: "o_1"}, []string{"Bruno_100%"}},
			{"q underscore is not a wildcard", store.ContactQuery{Q: "4_9"}, []string{}},
			{"q backslash is plain", store.ContactQuery{Q: `o\n`}, []string{"Carla"}},
			{"q across two fields", store.ContactQuery{Q: "carla\no"}, []string{}},
			{"created after (inclusive)", store.ContactQuery{CreatedAfter: at(time.Minute)}, []string{"Carla", "Darío"}},
			{"created before (exclusive)", store.ContactQuery{CreatedBefore: at(time.Minute)}, []string{"Ana Pérez", "Bruno_100%"}},
			{"updated after", store.ContactQuery{UpdatedAfter: at(5 * time.Minute)}, []string{"Ana Pérez"}},
			{"last call after", store.ContactQuery{LastCallAfter: at(45 * time.Minute)}, []string{"Ana Pérez"}},
			{"last call before", store.ContactQuery{LastCallBefore: at(45 * time.Minute)}, []string{"Carla"}},
			{"replied", store.ContactQuery{HasReplied: ptr(true)}, []string{"Ana Pérez"}},
			{"not replied", store.ContactQuery{HasReplied: ptr(false)}, all[1:]},
			{"seed 002's four", store.ContactQuery{Tags: []string{"lead", "vip"}, Categories: []string{"retail"}, Sources: []string{"webinar"}, LastCallStatuses: []string{"no_answer"}}, []string{"Ana Pérez"}},
			{"and across", store.ContactQuery{Tags: []string{"lead", "vip"}, LastCallStatuses: []string{"answered"}}, []string{"Bruno_100%"}},
			{"and to nothing", store.ContactQuery{Tags: []string{"lead"}, Q: "carla"}, []string{}},
			{"everything", store.ContactQuery{
				ListIDs: []int64{f.list1.ID}, Tags: []string{"vip"}, Categories: []string{"retail"}, Sources: []string{"webinar"},
				LastCallStatuses: []string{"no_answer"}, Statuses: []string{"active"}, CampaignIDs: []string{"c1"}, Q: "pérez",
				CreatedAfter: at(0), CreatedBefore: at(time.Minute), UpdatedAfter: at(time.Minute),
				LastCallAfter: at(time.Hour), LastCallBefore: at(2 * time.Hour), HasReplied: ptr(true),
			}, []string{"Ana Pérez"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := f.all(t, s, tc.q, 50); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
				if got := f.all(t, s, tc.q, 1); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("paged one at a time: got %q, want %q", got, tc.want)
				}
				page := must[store.ContactPage](t)(s.QueryContacts(ctx, f.a.ID, tc.q, nil, 1, true))
				if page.Total == nil || *page.Total != int64(len(tc.want)) {
					t.Fatalf("total = %v, want %d", page.Total, len(tc.want))
				}
			})
		}
	})
}

func TestQueryContactsSorts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newQueryFixture(t, s)
		for _, tc := range []struct {
			sort store.ContactSort
			desc bool
			want []string
		}{
			{store.SortCreatedAt, false, []string{"Ana Pérez", "Bruno_100%", "Carla", "Darío"}},
			{store.SortCreatedAt, true, []string{"Darío", "Carla", "Bruno_100%", "Ana Pérez"}},
			{store.SortUpdatedAt, false, []string{"Bruno_100%", "Carla", "Darío", "Ana Pérez"}},
			{store.SortUpdatedAt, true, []string{"Ana Pérez", "Darío", "Carla", "Bruno_100%"}},
			// No last call comes last either way, by id in the same direction.
			{store.SortLastCallAt, false, []string{"Carla", "Ana Pérez", "Bruno_100%", "Darío"}},
			{store.SortLastCallAt, true, []string{"Ana Pérez", "Carla", "Darío", "Bruno_100%"}},
		} {
			t.Run(fmt.Sprintf("%s desc=%v", tc.sort, tc.desc), func(t *testing.T) {
				q := store.ContactQuery{Sort: tc.sort, Descending: tc.desc}
				for _, limit := range []int{1, 2, 3, 4, 5} {
					if got := f.all(t, s, q, limit); !reflect.DeepEqual(got, tc.want) {
						t.Fatalf("limit %d: got %q, want %q", limit, got, tc.want)
					}
				}
			})
		}
	})
}

func TestQueryContactsRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		for name, tc := range map[string]struct {
			q     store.ContactQuery
			after *store.ContactPosition
			limit int
		}{
			"limit 0":                 {store.ContactQuery{}, nil, 0},
			"unknown sort":            {store.ContactQuery{Sort: "name"}, nil, 10},
			"NUL in q":                {store.ContactQuery{Q: "a\x00b"}, nil, 10},
			"invalid UTF-8 in q":      {store.ContactQuery{Q: "a\xffb"}, nil, 10},
			"NUL in a tag":            {store.ContactQuery{Tags: []string{"\x00"}}, nil, 10},
			"no time under createdAt": {store.ContactQuery{}, &store.ContactPosition{ID: 1}, 10},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.QueryContacts(ctx, org.ID, tc.q, tc.after, tc.limit, false)
				wantCode(t, err, store.EINVALID)
			})
		}
		for _, bad := range []string{"", "1", "x:1", "1:x", "-:", ":"} {
			if _, err := store.ParseContactPosition(bad); store.ErrorCode(err) != store.EINVALID {
				t.Fatalf("position %q: %v, want EINVALID", bad, err)
			}
		}
	})
}

// TestQueryContactsPagingUnderChanges pages through every order while, between pages, contacts
// are added, changed (not in the sort's key) and deleted: no contact is listed twice, and
// every contact that existed throughout is listed.
func TestQueryContactsPagingUnderChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "one")
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		tick := 0
		// Every contact is created at its own moment, but some share one (tick/2), and half
		// have a last call, some at the same time.
		create := func() store.Contact {
			tick++
			s.SetClock(func() time.Time { return t0.Add(time.Duration(tick/2) * time.Second) })
			var fields store.ContactFields
			if tick%2 == 0 {
				at := t0.Add(time.Duration(tick%5) * time.Hour)
				fields.LastCallAt = &at
			}
			return must[store.Contact](t)(s.CreateContact(ctx, org.ID, store.NewContact{
				ListID: list.ID, Phone: mustPhone(t, fmt.Sprintf("+549115%07d", tick)), ContactFields: fields,
			}))
		}
		for range 60 {
			create()
		}
		for _, sort := range []store.ContactSort{store.SortCreatedAt, store.SortLastCallAt} {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s desc=%v", sort, desc), func(t *testing.T) {
					q := store.ContactQuery{Sort: sort, Descending: desc}
					start := must[store.ContactPage](t)(s.QueryContacts(ctx, org.ID, q, nil, 1000, false)).Contacts
					deleted, seen := map[int64]bool{}, map[int64]bool{}
					var after *store.ContactPosition
					for pageNo := 0; ; pageNo++ {
						page := must[store.ContactPage](t)(s.QueryContacts(ctx, org.ID, q, after, 7, false))
						for _, c := range page.Contacts {
							if seen[c.ID] {
								t.Fatalf("contact %d listed twice", c.ID)
							}
							seen[c.ID] = true
						}
						if !page.More {
							break
						}
						p := store.PositionOf(page.Contacts[len(page.Contacts)-1], sort)
						after = &p
						// Between pages: two newcomers, a change to a contact not yet listed
						// and one already listed, and a deletion of each kind.
						create()
						create()
						for i, c := range start {
							if !deleted[c.ID] && i%5 == pageNo%5 {
								must[store.Contact](t)(s.UpdateContact(ctx, org.ID, c.ID, store.ContactChange{Notes: store.Some(ptr(fmt.Sprint("page ", pageNo)))}))
							}
						}
						if c := start[(pageNo*7+3)%len(start)]; !deleted[c.ID] {
							if err := s.DeleteContact(ctx, org.ID, c.ID); err != nil {
								t.Fatal(err)
							}
							deleted[c.ID] = true
						}
					}
					for _, c := range start {
						if !deleted[c.ID] && !seen[c.ID] {
							t.Fatalf("contact %d, there throughout, was skipped", c.ID)
						}
					}
					if len(deleted) == 0 || !slices.ContainsFunc(start, func(c store.Contact) bool { return !deleted[c.ID] }) {
						t.Fatalf("the test deleted %d of %d contacts: it checks nothing", len(deleted), len(start))
					}
				})
			}
		}
	})
}

// TestQueryContactsPagingWhileWritten pages through every order while another goroutine adds,
// changes (not in the sort's key) and deletes contacts the whole time, not only between pages.
func TestQueryContactsPagingWhileWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "one")
		var n atomic.Int64
		create := func() (store.Contact, error) {
			i := n.Add(1)
			var fields store.ContactFields
			if i%2 == 0 {
				at := time.Date(2026, 1, 1, int(i%5), 0, 0, 0, time.UTC)
				fields.LastCallAt = &at
			}
			return s.CreateContact(ctx, org.ID, store.NewContact{ListID: list.ID, Phone: mustPhone(t, fmt.Sprintf("+549116%07d", i)), ContactFields: fields})
		}
		var start []store.Contact
		for range 80 {
			start = append(start, must[store.Contact](t)(create()))
		}
		// The writer deletes only the contacts of odd index in start, and says which it did.
		stop, done, started := make(chan struct{}), make(chan map[int64]bool), make(chan struct{})
		go func() {
			deleted := map[int64]bool{}
			defer func() { done <- deleted }()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := create(); err != nil {
					t.Error(err)
					return
				}
				c := start[(i*7)%len(start)]
				if _, err := s.UpdateContact(ctx, org.ID, c.ID, store.ContactChange{Notes: store.Some(ptr(fmt.Sprint(i)))}); err != nil && store.ErrorCode(err) != store.ENOTFOUND {
					t.Error(err)
					return
				}
				if j := (i*11)%len(start) | 1; j < len(start) && !deleted[start[j].ID] {
					if err := s.DeleteContact(ctx, org.ID, start[j].ID); err != nil {
						t.Error(err)
						return
					}
					deleted[start[j].ID] = true
				}
				if i == 0 {
					close(started) // the first deletion is in: the test cannot pass without one
				}
			}
		}()
		select {
		case <-started:
		case deleted := <-done:
			t.Fatalf("the writer stopped before its first round (deleted %v)", deleted)
		}
		seen := map[store.ContactSort]map[bool]map[int64]bool{}
		for _, sort := range []store.ContactSort{store.SortCreatedAt, store.SortLastCallAt} {
			seen[sort] = map[bool]map[int64]bool{}
			for _, desc := range []bool{false, true} {
				ids := map[int64]bool{}
				seen[sort][desc] = ids
				q := store.ContactQuery{Sort: sort, Descending: desc}
				var after *store.ContactPosition
				for {
					page, err := s.QueryContacts(ctx, org.ID, q, after, 5, false)
					if err != nil {
						close(stop)
						<-done
						t.Fatal(err)
					}
					for _, c := range page.Contacts {
						if ids[c.ID] {
							close(stop)
							<-done
							t.Fatalf("%s desc=%v: contact %d listed twice", sort, desc, c.ID)
						}
						ids[c.ID] = true
					}
					if !page.More {
						break
					}
					p := store.PositionOf(page.Contacts[len(page.Contacts)-1], sort)
					after = &p
				}
			}
		}
		close(stop)
		deleted := <-done // the writer has returned: no goroutine outlives the test
		for sort, byDir := range seen {
			for desc, ids := range byDir {
				for i, c := range start {
					// Even indexes were never deleted: each existed throughout.
					if i%2 == 0 && !ids[c.ID] {
						t.Fatalf("%s desc=%v: contact %d, there throughout, was skipped", sort, desc, c.ID)
					}
				}
			}
		}
		if len(deleted) == 0 {
			t.Fatal("the writer deleted nothing while the pages were read: the test checks nothing")
		}
	})
}
