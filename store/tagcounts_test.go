package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// tagged adds contacts with tags and categories, each with a phone of its own.
type tagged struct {
	n int
	t *testing.T
	s *store.Store
}

func (g *tagged) add(orgID string, listID int64, category *string, tags ...string) store.Contact {
	g.t.Helper()
	g.n++
	return must[store.Contact](g.t)(g.s.CreateContact(ctx, orgID, store.NewContact{
		ListID: listID, Phone: mustPhone(g.t, fmt.Sprintf("+549114%07d", g.n)),
		ContactFields: store.ContactFields{Tags: tags, Category: category},
	}))
}

func counts(pairs ...any) []store.ValueCount {
	out := []store.ValueCount{}
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, store.ValueCount{Value: pairs[i].(string), Count: int64(pairs[i+1].(int))})
	}
	return out
}

func wantCounts(t *testing.T, what string, got []store.ValueCount, truncated bool, err error, want []store.ValueCount, wantTruncated bool) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(got, want) || truncated != wantTruncated {
		t.Fatalf("%s = %v truncated %v, want %v truncated %v", what, got, truncated, want, wantTruncated)
	}
}

func TestTagAndCategoryCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		main, other := newList(t, s, a.ID, "main"), newList(t, s, a.ID, "other")
		g := &tagged{t: t, s: s}
		retail, vip := ptr("retail"), ptr("VIP")
		g.add(a.ID, main.ID, retail, "lead", "vip")
		g.add(a.ID, main.ID, retail, "lead")
		g.add(a.ID, main.ID, vip, "Lead", "100%", "1000")
		g.add(a.ID, other.ID, vip, "vip", "lead", "a_b")
		g.add(a.ID, other.ID, nil)                    // no tags, no category: counted nowhere
		g.add(a.ID, other.ID, ptr(""), "axb", "a\\b") // an empty category is none
		// Written by something other than the store's create: a repeated tag and an empty one.
		dup := g.add(a.ID, other.ID, retail, "x")
		if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(`UPDATE contacts SET tags = '["vip","vip",""]' WHERE org_id = '%s' AND id = %d`, a.ID, dup.ID)); err != nil {
			t.Fatal(err)
		}
		// Another organization's contacts, in a list with main's id, are never counted.
		bList := newList(t, s, b.ID, "main")
		if bList.ID != main.ID {
			t.Fatalf("b's first list has id %d, want %d (ids are per organization)", bList.ID, main.ID)
		}
		for range 5 {
			g.add(b.ID, bList.ID, ptr("wholesale"), "lead", "secret")
		}

		all := store.ValueCountFilter{}
		got, tr, err := s.TagCounts(ctx, a.ID, all, 100)
		wantCounts(t, "tags", got, tr, err, counts("lead", 3, "vip", 3, "100%", 1, "1000", 1, "Lead", 1, "a\\b", 1, "a_b", 1, "axb", 1), false)
		got, tr, err = s.CategoryCounts(ctx, a.ID, all, 100)
		wantCounts(t, "categories", got, tr, err, counts("retail", 3, "VIP", 2), false)

		// The cap: truncated says more exist; exactly as many as exist is not truncated.
		got, tr, err = s.TagCounts(ctx, a.ID, all, 2)
		wantCounts(t, "tags limit 2", got, tr, err, counts("lead", 3, "vip", 3), true)
		got, tr, err = s.TagCounts(ctx, a.ID, all, 8)
		wantCounts(t, "tags limit 8", got, tr, err, counts("lead", 3, "vip", 3, "100%", 1, "1000", 1, "Lead", 1, "a\\b", 1, "a_b", 1, "axb", 1), false)
		got, tr, err = s.CategoryCounts(ctx, a.ID, all, 1)
		wantCounts(t, "categories limit 1", got, tr, err, counts("retail", 3), true)

		// Prefix: any letter case; %, _ and \ are themselves.
		prefixed := func(p string) store.ValueCountFilter { return store.ValueCountFilter{Prefix: p} }
		got, tr, err = s.TagCounts(ctx, a.ID, prefixed("LE"), 100)
		wantCounts(t, "prefix LE", got, tr, err, counts("lead", 3, "Lead", 1), false)
		got, tr, err = s.TagCounts(ctx, a.ID, prefixed("100%"), 100)
		wantCounts(t, "prefix 100%", got, tr, err, counts("100%", 1), false)
		got, tr, err = s.TagCounts(ctx, a.ID, prefixed("a_"), 100)
		wantCounts(t, "prefix a_", got, tr, err, counts("a_b", 1), false)
		got, tr, err = s.TagCounts(ctx, a.ID, prefixed("a\\"), 100)
		wantCounts(t, "prefix a\\", got, tr, err, counts("a\\b", 1), false)
		got, tr, err = s.TagCounts(ctx, a.ID, prefixed("%"), 100)
		wantCounts(t, "prefix %", got, tr, err, counts(), false)
		got, tr, err = s.CategoryCounts(ctx, a.ID, prefixed("v"), 100)
		wantCounts(t, "category prefix v", got, tr, err, counts("VIP", 2), false)

		// The list filter, alone and with a prefix.
		got, tr, err = s.TagCounts(ctx, a.ID, store.ValueCountFilter{ListID: main.ID}, 100)
		wantCounts(t, "tags of main", got, tr, err, counts("lead", 2, "100%", 1, "1000", 1, "Lead", 1, "vip", 1), false)
		got, tr, err = s.TagCounts(ctx, a.ID, store.ValueCountFilter{ListID: other.ID, Prefix: "V"}, 100)
		wantCounts(t, "tags of other by V", got, tr, err, counts("vip", 2), false)
		got, tr, err = s.CategoryCounts(ctx, a.ID, store.ValueCountFilter{ListID: other.ID}, 100)
		wantCounts(t, "categories of other", got, tr, err, counts("VIP", 1, "retail", 1), false)

		// An empty list of the organization counts nothing; b's view of the same list id is b's.
		empty := newList(t, s, a.ID, "empty")
		got, tr, err = s.TagCounts(ctx, a.ID, store.ValueCountFilter{ListID: empty.ID}, 100)
		wantCounts(t, "tags of empty list", got, tr, err, counts(), false)
		got, tr, err = s.TagCounts(ctx, b.ID, all, 100)
		wantCounts(t, "b's tags", got, tr, err, counts("lead", 5, "secret", 5), false)
		got, tr, err = s.CategoryCounts(ctx, b.ID, store.ValueCountFilter{ListID: main.ID}, 100)
		wantCounts(t, "b's categories", got, tr, err, counts("wholesale", 5), false)

		// A list the organization does not have is not found, whoever has a list with that id.
		for _, count := range []func(string, store.ValueCountFilter, int) ([]store.ValueCount, bool, error){
			func(org string, f store.ValueCountFilter, n int) ([]store.ValueCount, bool, error) {
				return s.TagCounts(ctx, org, f, n)
			},
			func(org string, f store.ValueCountFilter, n int) ([]store.ValueCount, bool, error) {
				return s.CategoryCounts(ctx, org, f, n)
			},
		} {
			_, _, err = count(b.ID, store.ValueCountFilter{ListID: other.ID}, 100)
			wantCode(t, err, store.ENOTFOUND)
			_, _, err = count(a.ID, store.ValueCountFilter{ListID: 999}, 100)
			wantCode(t, err, store.ENOTFOUND)
			// A prefix that matches nothing in a list of the organization is empty, not missing.
			got, tr, err = count(a.ID, store.ValueCountFilter{ListID: main.ID, Prefix: "zzz"}, 100)
			wantCounts(t, "no match", got, tr, err, counts(), false)

			for _, bad := range []struct {
				f     store.ValueCountFilter
				limit int
				field string
			}{
				{store.ValueCountFilter{}, 0, "limit"},
				{store.ValueCountFilter{}, store.MaxValueCounts + 1, "limit"},
				{store.ValueCountFilter{ListID: -1}, 10, "contactListId"},
				{store.ValueCountFilter{Prefix: strings.Repeat("é", store.MaxValuePrefixRunes+1)}, 10, "prefix"},
				{store.ValueCountFilter{Prefix: "a\x00"}, 10, "prefix"},
				{store.ValueCountFilter{Prefix: "\xff"}, 10, "prefix"},
			} {
				_, _, err := count(a.ID, bad.f, bad.limit)
				wantCode(t, err, store.EINVALID)
				if e := err.(*store.Error); e.Field != bad.field {
					t.Fatalf("%+v limit %d: field %q, want %q", bad.f, bad.limit, e.Field, bad.field)
				}
			}
			// A prefix of exactly the maximum is fine.
			if _, _, err := count(a.ID, store.ValueCountFilter{Prefix: strings.Repeat("é", store.MaxValuePrefixRunes)}, store.MaxValueCounts); err != nil {
				t.Fatal(err)
			}
		}
	})
}
