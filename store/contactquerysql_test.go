package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestContactQuerySQLIsTheStatementQueryContactsRuns runs the statement ContactQuerySQL hands
// out straight on the store's database and checks it lists what QueryContacts lists, one past
// the page included: the benchmark times this statement as the database's share of a query.
func TestContactQuerySQLIsTheStatementQueryContactsRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newQueryFixture(t, s)
		at := f.t0.Add(time.Minute)
		for name, tc := range map[string]struct {
			q     store.ContactQuery
			after *store.ContactPosition
			limit int
		}{
			"filters":                  {store.ContactQuery{Tags: []string{"lead", "vip"}, Categories: []string{"retail", "wholesale"}}, nil, 50},
			"q":                        {store.ContactQuery{Q: "555"}, nil, 50},
			"a page with more":         {store.ContactQuery{}, nil, 2},
			"after a position":         {store.ContactQuery{Descending: true}, &store.ContactPosition{At: &at, ID: 1 << 40}, 1},
			"last calls, both parts":   {store.ContactQuery{Sort: store.SortLastCallAt}, nil, 3},
			"last calls, among NULLs":  {store.ContactQuery{Sort: store.SortLastCallAt}, &store.ContactPosition{ID: 0}, 1},
			"nothing matches the tags": {store.ContactQuery{Tags: []string{"nope"}}, nil, 50},
		} {
			t.Run(name, func(t *testing.T) {
				page := must[store.ContactPage](t)(s.QueryContacts(ctx, f.a.ID, tc.q, tc.after, tc.limit, false))
				query, args, err := s.ContactQuerySQL(f.a.ID, tc.q, tc.after, tc.limit)
				if err != nil || query == "" {
					t.Fatalf("ContactQuerySQL: %q, %v", query, err)
				}
				ids := statementIDs(t, s, query, args)
				want := []int64{}
				for _, c := range page.Contacts {
					want = append(want, c.ID)
				}
				if more := len(ids) > tc.limit; more != page.More || !reflect.DeepEqual(ids[:min(len(ids), tc.limit)], want) {
					t.Fatalf("the statement lists %v (limit %d), QueryContacts %v (more %v)", ids, tc.limit, want, page.More)
				}
			})
		}

		// No statement when nothing can match; QueryContacts' errors for bad input.
		if query, args, err := s.ContactQuerySQL(f.a.ID, store.ContactQuery{Q: "carla\no"}, nil, 50); query != "" || args != nil || err != nil {
			t.Fatalf("q across two fields: %q, %v, %v; want no statement", query, args, err)
		}
		_, _, err := s.ContactQuerySQL(f.a.ID, store.ContactQuery{}, nil, 0)
		wantCode(t, err, store.EINVALID)
		_, _, err = s.ContactQuerySQL(f.a.ID, store.ContactQuery{Sort: "name"}, nil, 10)
		wantCode(t, err, store.EINVALID)
	})
}

// statementIDs runs query on the store's pool and returns the id column of its rows, in order.
func statementIDs(t *testing.T, s *store.Store, query string, args []any) []int64 {
	t.Helper()
	rows, err := s.DB().QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	idAt := -1
	for i, c := range cols {
		if c == "id" {
			idAt = i
		}
	}
	if idAt < 0 {
		t.Fatalf("the statement selects no id column: %v", cols)
	}
	ids := []int64{}
	for rows.Next() {
		values := make([]any, len(cols))
		for i := range values {
			values[i] = new(any)
		}
		var id int64
		values[idAt] = &id
		if err := rows.Scan(values...); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
