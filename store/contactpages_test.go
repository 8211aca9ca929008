package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestContactPagesWalksEveryMatchAPageAtATime: the walk hands out every match once, in the
// query's order, in pages no larger than the size asked for (what bounds an export's memory),
// and another organization's contacts never.
func TestContactPagesWalksEveryMatchAPageAtATime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org, other := newOrg(t, s, "a"), newOrg(t, s, "b")
		list, otherList := newList(t, s, org.ID, "one"), newList(t, s, other.ID, "one")
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var want []int64 // org's contacts tagged lead, by lastCallAt descending (NULLs last), then id
		var called, uncalled []int64
		for i := range 23 {
			s.SetClock(func() time.Time { return t0.Add(time.Duration(i) * time.Second) })
			fields := store.ContactFields{Tags: []string{"other"}}
			if i%3 != 0 {
				fields.Tags = []string{"lead"}
			}
			if i%2 == 0 {
				at := t0.Add(time.Duration(i%5) * time.Hour)
				fields.LastCallAt = &at
			}
			c := must[store.Contact](t)(s.CreateContact(ctx, org.ID, store.NewContact{ListID: list.ID, Phone: mustPhone(t, fmt.Sprintf("+549116%07d", i)), ContactFields: fields}))
			must[store.Contact](t)(s.CreateContact(ctx, other.ID, store.NewContact{ListID: otherList.ID, Phone: mustPhone(t, fmt.Sprintf("+549116%07d", i)), ContactFields: fields}))
			if i%3 == 0 {
				continue
			}
			if fields.LastCallAt != nil {
				called = append(called, c.ID)
			} else {
				uncalled = append(uncalled, c.ID)
			}
		}
		// The expected order, from one big page of the query itself.
		q := store.ContactQuery{Tags: []string{"lead"}, Sort: store.SortLastCallAt, Descending: true}
		whole := must[store.ContactPage](t)(s.QueryContacts(ctx, org.ID, q, nil, 200, false))
		for _, c := range whole.Contacts {
			want = append(want, c.ID)
		}
		if len(want) != len(called)+len(uncalled) {
			t.Fatalf("the query lists %d contacts, %d match", len(want), len(called)+len(uncalled))
		}

		for _, size := range []int{1, 4, 5, 15, 100} {
			pages := s.ContactPages(org.ID, q, size)
			var got []int64
			for n := 0; ; n++ {
				page, err := pages.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if page == nil {
					break
				}
				if len(page) == 0 || len(page) > size {
					t.Fatalf("size %d: page %d holds %d contacts", size, n, len(page))
				}
				for _, c := range page {
					if c.OrgID != org.ID {
						t.Fatalf("size %d: contact %d of organization %s", size, c.ID, c.OrgID)
					}
					got = append(got, c.ID)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("size %d: walked %v, want %v", size, got, want)
			}
			if page, err := pages.Next(ctx); page != nil || err != nil {
				t.Fatalf("size %d: after the end: %v %v", size, page, err)
			}
		}
	})
}

// TestContactPagesRefusesBadQueries before reading a contact: the export answers them 400.
func TestContactPagesRefusesBadQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		for name, c := range map[string]struct {
			q    store.ContactQuery
			size int
		}{
			"sort":  {store.ContactQuery{Sort: "phone"}, 10},
			"size":  {store.ContactQuery{}, 0},
			"q NUL": {store.ContactQuery{Q: "a\x00b"}, 10},
		} {
			if _, err := s.ContactPages(org.ID, c.q, c.size).Next(ctx); store.ErrorCode(err) != store.EINVALID {
				t.Errorf("%s: %v, want EINVALID", name, err)
			}
		}
	})
}
