package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// seenAt is the base time of the seen-contacts tests.
var seenAt = time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)

func newSession(t *testing.T, s *store.Store, orgID, name string) store.Session {
	t.Helper()
	return must[store.Session](t)(s.CreateSession(ctx, orgID, name))
}

func recordSeen(t *testing.T, s *store.Store, orgID, sessionID string, people ...store.SeenPerson) {
	t.Helper()
	if err := s.RecordSeen(ctx, orgID, sessionID, people); err != nil {
		t.Fatalf("RecordSeen %+v: %v", people, err)
	}
}

// allSeen lists every person of the session with filter f, page by page.
func allSeen(t *testing.T, s *store.Store, orgID, sessionID string, f store.SeenFilter) []store.SeenContact {
	t.Helper()
	var out []store.SeenContact
	after := int64(0)
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("paging does not end")
		}
		page, more, err := s.SeenContacts(ctx, orgID, sessionID, f, after, 3)
		if err != nil {
			t.Fatalf("SeenContacts %+v after %d: %v", f, after, err)
		}
		out = append(out, page...)
		if !more {
			return out
		}
		after = page[len(page)-1].ID
	}
}

// onlySeen returns the one person the session has, failing unless there is exactly one.
func onlySeen(t *testing.T, s *store.Store, orgID, sessionID string) store.SeenContact {
	t.Helper()
	all := allSeen(t, s, orgID, sessionID, store.SeenFilter{})
	if len(all) != 1 {
		t.Fatalf("the session has %d people, want 1: %+v", len(all), all)
	}
	return all[0]
}

func jids(list []store.SeenContact) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.PhoneJID + "|" + c.LID
	}
	return out
}

const (
	anaJID   = "5492235961983@s.whatsapp.net"
	anaLID   = "111111111111111@lid"
	bobJID   = "5491155554444@s.whatsapp.net"
	bobLID   = "222222222222222@lid"
	groupOne = "120363000000000001@g.us"
	groupTwo = "120363000000000002@g.us"
)

// TestRecordSeenByPhoneByLIDAndBoth: a person seen by phone JID gets the E.164 and a display
// name; one seen only by LID is kept by LID; one seen with both keeps both; a JID whose user
// is not a valid number is kept without a phone. New people list last.
func TestRecordSeenByPhoneByLIDAndBoth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		recordSeen(t, s, org.ID, sess.ID,
			store.SeenPerson{PhoneJID: anaJID, PushName: "Ana", DirectChat: true, At: seenAt},
			store.SeenPerson{LID: bobLID, PushName: "Bob", Group: groupOne, At: seenAt.Add(time.Second)},
		)
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: "5493415550000@s.whatsapp.net", LID: "333333333333333@lid",
			BusinessName: "Kiosco", At: seenAt.Add(2 * time.Second)})
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: "12@s.whatsapp.net", FirstName: "Odd", At: seenAt})

		all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})
		if len(all) != 4 {
			t.Fatalf("listed %v", jids(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID <= all[i-1].ID {
				t.Fatalf("ids not ascending: %+v", all)
			}
		}
		ana, bob, kiosco, odd := all[0], all[1], all[2], all[3]
		if ana.PhoneJID != anaJID || ana.LID != "" || ana.Phone != "+5492235961983" || ana.PushName != "Ana" || ana.DisplayName != "Ana" ||
			!ana.DirectChat || len(ana.Groups) != 0 || !ana.FirstSeenAt.Equal(seenAt) || !ana.LastSeenAt.Equal(seenAt) || len(ana.Contacts) != 0 {
			t.Fatalf("ana = %+v", ana)
		}
		if bob.PhoneJID != "" || bob.LID != bobLID || bob.Phone != "" || bob.DisplayName != "Bob" || bob.DirectChat ||
			!slices.Equal(bob.Groups, []string{groupOne}) {
			t.Fatalf("bob = %+v", bob)
		}
		if kiosco.LID != "333333333333333@lid" || kiosco.Phone != "+5493415550000" || kiosco.DisplayName != "Kiosco" || kiosco.BusinessName != "Kiosco" {
			t.Fatalf("kiosco = %+v", kiosco)
		}
		if odd.PhoneJID != "12@s.whatsapp.net" || odd.Phone != "" || odd.DisplayName != "Odd" {
			t.Fatalf("a JID that is no valid number = %+v", odd)
		}
	})
}

// TestSeenNamesAndTimes: names are kept per source and never erased by an empty one; a new
// non-empty name replaces the old (a rename); the display name is the first of full, first,
// push and business name; first seen only moves back, last seen only forward; the same
// sightings again change nothing.
func TestSeenNamesAndTimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, PushName: "ana", BusinessName: "Ana SRL", At: seenAt})
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, FullName: "Ana García", FirstName: "Ana", At: seenAt.Add(time.Hour)})
		// An empty push name (and every other name empty) erases nothing.
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, At: seenAt.Add(-time.Hour)})
		got := onlySeen(t, s, org.ID, sess.ID)
		if got.FullName != "Ana García" || got.FirstName != "Ana" || got.PushName != "ana" || got.BusinessName != "Ana SRL" ||
			got.DisplayName != "Ana García" || !got.FirstSeenAt.Equal(seenAt.Add(-time.Hour)) || !got.LastSeenAt.Equal(seenAt.Add(time.Hour)) {
			t.Fatalf("after three sightings = %+v", got)
		}

		// A rename replaces; a late, older sighting moves no time.
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, PushName: "Ana G.", At: seenAt})
		again := onlySeen(t, s, org.ID, sess.ID)
		if again.PushName != "Ana G." || !again.FirstSeenAt.Equal(got.FirstSeenAt) || !again.LastSeenAt.Equal(got.LastSeenAt) || again.ID != got.ID {
			t.Fatalf("after a rename = %+v", again)
		}

		// Within one batch too: later names win, times widen, a direct chat and groups add up.
		recordSeen(t, s, org.ID, sess.ID,
			store.SeenPerson{PhoneJID: bobJID, PushName: "b", Group: groupOne, At: seenAt},
			store.SeenPerson{PhoneJID: bobJID, PushName: "Bob", DirectChat: true, At: seenAt.Add(-time.Minute)},
			store.SeenPerson{PhoneJID: bobJID, Group: groupTwo, At: seenAt.Add(time.Minute)},
			store.SeenPerson{PhoneJID: bobJID, Group: groupOne, At: seenAt},
		)
		bob := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})[1]
		if bob.PushName != "Bob" || !bob.DirectChat || !slices.Equal(bob.Groups, []string{groupOne, groupTwo}) ||
			!bob.FirstSeenAt.Equal(seenAt.Add(-time.Minute)) || !bob.LastSeenAt.Equal(seenAt.Add(time.Minute)) {
			t.Fatalf("bob from one batch = %+v", bob)
		}
		// The same again: nothing changes, and direct chat false leaves it set.
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: bobJID, PushName: "Bob", Group: groupTwo, At: seenAt})
		if b := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})[1]; fmt.Sprint(b) != fmt.Sprint(bob) {
			t.Fatalf("the same sighting again changed %+v into %+v", bob, b)
		}
	})
}

// TestLinkLIDMergesInAnyOrder: a LID and a phone become one person whichever of the mapping
// and the two sightings comes first, keeping every name (the phone's where both have one),
// every group, the widest times and the direct chat; linking again changes nothing.
func TestLinkLIDMergesInAnyOrder(t *testing.T) {
	byLID := store.SeenPerson{LID: anaLID, PushName: "ana (lid)", FirstName: "Ani", DirectChat: true, Group: groupOne, At: seenAt}
	byPhone := store.SeenPerson{PhoneJID: anaJID, PushName: "Ana", FullName: "Ana García", Group: groupTwo, At: seenAt.Add(time.Hour)}
	link := func(t *testing.T, s *store.Store, orgID, sessionID string) {
		t.Helper()
		if err := s.LinkLID(ctx, orgID, sessionID, anaLID, anaJID); err != nil {
			t.Fatal(err)
		}
	}
	// Each order, and the push name it ends with: where the two records merge, the phone's;
	// where a sighting reaches the linked person later, that sighting's (a rename).
	orders := []struct {
		steps []string
		push  string
	}{
		{[]string{"lid", "phone", "link"}, "Ana"},
		{[]string{"phone", "lid", "link"}, "Ana"},
		{[]string{"link", "lid", "phone"}, "Ana"},
		{[]string{"link", "phone", "lid"}, "ana (lid)"},
		{[]string{"lid", "link", "phone"}, "Ana"},
		{[]string{"phone", "link", "lid"}, "ana (lid)"},
		{[]string{"lid", "phone", "both"}, "Ana"},
		{[]string{"phone", "lid", "both"}, "Ana"},
		{[]string{"lid", "both"}, "Ana"},
		{[]string{"both", "lid"}, "ana (lid)"},
		{[]string{"both", "lid", "phone"}, "Ana"},
		{[]string{"link", "lid", "link", "phone", "link"}, "Ana"},
	}
	for _, order := range orders {
		steps := order.steps
		t.Run(strings.Join(steps, ", "), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				org := newOrg(t, s, "a")
				sess := newSession(t, s, org.ID, "main")
				recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: bobJID, PushName: "Bob", At: seenAt}) // a bystander
				for _, st := range steps {
					switch st {
					case "lid":
						recordSeen(t, s, org.ID, sess.ID, byLID)
					case "phone":
						recordSeen(t, s, org.ID, sess.ID, byPhone)
					case "both":
						// A message with the LID and its phone (SenderAlt) links them as it records.
						both := byPhone
						both.LID = anaLID
						recordSeen(t, s, org.ID, sess.ID, both)
					case "link":
						link(t, s, org.ID, sess.ID)
					}
				}
				all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})
				if len(all) != 2 || all[0].PhoneJID != bobJID {
					t.Fatalf("listed %v, want bob and one ana", jids(all))
				}
				ana := all[1]
				if ana.PhoneJID != anaJID || ana.LID != anaLID || ana.Phone != "+5492235961983" ||
					ana.FullName != "Ana García" || ana.FirstName != "Ani" || ana.PushName != order.push || ana.DisplayName != "Ana García" ||
					!ana.DirectChat || !slices.Equal(ana.Groups, []string{groupOne, groupTwo}) ||
					!ana.FirstSeenAt.Equal(seenAt) || !ana.LastSeenAt.Equal(seenAt.Add(time.Hour)) {
					t.Fatalf("merged ana = %+v", ana)
				}
				// Idempotent: the mapping again changes nothing.
				link(t, s, org.ID, sess.ID)
				link(t, s, org.ID, sess.ID)
				if again := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{}); fmt.Sprint(again) != fmt.Sprint(all) {
					t.Fatalf("after linking again:\n got %+v\nwant %+v", again, all)
				}
				// A later sighting by LID alone reaches the merged person.
				recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{LID: anaLID, PushName: "Ana 2", At: seenAt.Add(2 * time.Hour)})
				if got := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{}); len(got) != 2 || got[1].PushName != "Ana 2" ||
					!got[1].LastSeenAt.Equal(seenAt.Add(2*time.Hour)) || got[1].ID != ana.ID {
					t.Fatalf("after a LID sighting = %+v", got)
				}
			})
		})
	}
}

// TestSeenConcurrentSightingsOfOnePerson: sightings by phone, by LID, by both, and the
// mapping, racing on several connections, end as one person with both JIDs.
func TestSeenConcurrentSightingsOfOnePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		for round := range 10 {
			phoneJID, lid := fmt.Sprintf("54911555%05d@s.whatsapp.net", round), fmt.Sprintf("7%014d@lid", round)
			errs := make(chan error, 4)
			for i, p := range []store.SeenPerson{
				{PhoneJID: phoneJID, PushName: "by phone", At: seenAt},
				{LID: lid, FirstName: "by lid", At: seenAt.Add(time.Second)},
				{PhoneJID: phoneJID, LID: lid, At: seenAt.Add(2 * time.Second)},
				{},
			} {
				go func() {
					if i == 3 {
						errs <- s.LinkLID(ctx, org.ID, sess.ID, lid, phoneJID)
						return
					}
					errs <- s.RecordSeen(ctx, org.ID, sess.ID, []store.SeenPerson{p})
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})
			if len(all) != round+1 {
				t.Fatalf("round %d: listed %v", round, jids(all))
			}
			got := all[len(all)-1]
			if got.PhoneJID != phoneJID || got.LID != lid || got.PushName != "by phone" || got.FirstName != "by lid" ||
				!got.FirstSeenAt.Equal(seenAt) || !got.LastSeenAt.Equal(seenAt.Add(2*time.Second)) {
				t.Fatalf("round %d: %+v", round, got)
			}
		}
	})
}

// TestLinkLIDKeepsTheFirstSeenID: the merged person keeps the id of the record seen first,
// whichever of the two that was, so that a reader paging by id does not meet them twice.
func TestLinkLIDKeepsTheFirstSeenID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{LID: anaLID, At: seenAt})
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, At: seenAt})
		first := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})[0]
		if err := s.LinkLID(ctx, org.ID, sess.ID, anaLID, anaJID); err != nil {
			t.Fatal(err)
		}
		if got := onlySeen(t, s, org.ID, sess.ID); got.ID != first.ID || got.PhoneJID != anaJID {
			t.Fatalf("merged = %+v, want id %d", got, first.ID)
		}
	})
}

// TestLinkLIDMovesALIDBetweenPhones: a LID already linked to another phone leaves it for the
// phone it is now linked to (WhatsApp's latest word); the other phone's person stays.
func TestLinkLIDMovesALIDBetweenPhones(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: bobJID, LID: anaLID, PushName: "old owner", At: seenAt})
		recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, PushName: "Ana", At: seenAt})
		if err := s.LinkLID(ctx, org.ID, sess.ID, anaLID, anaJID); err != nil {
			t.Fatal(err)
		}
		all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})
		if len(all) != 2 || all[0].PhoneJID != bobJID || all[0].LID != "" || all[1].PhoneJID != anaJID || all[1].LID != anaLID {
			t.Fatalf("listed %v", jids(all))
		}
	})
}

// TestLinkLIDBeforeAnySightingListsNobody: a mapping alone is no sighting.
func TestLinkLIDBeforeAnySightingListsNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		if err := s.LinkLID(ctx, org.ID, sess.ID, anaLID, anaJID); err != nil {
			t.Fatal(err)
		}
		if all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{}); len(all) != 0 {
			t.Fatalf("a mapping alone listed %+v", all)
		}
		if all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{Q: "549223"}); len(all) != 0 {
			t.Fatalf("a mapping alone found by q: %+v", all)
		}
	})
}

// TestLeaveGroup: people who left a group are no longer its members, by phone or by LID,
// and stay seen; other groups and other people keep theirs.
func TestLeaveGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		recordSeen(t, s, org.ID, sess.ID,
			store.SeenPerson{PhoneJID: anaJID, Group: groupOne, At: seenAt},
			store.SeenPerson{PhoneJID: anaJID, Group: groupTwo, At: seenAt},
			store.SeenPerson{LID: bobLID, Group: groupOne, At: seenAt},
			store.SeenPerson{PhoneJID: "5493415550000@s.whatsapp.net", Group: groupOne, At: seenAt},
		)
		if err := s.LeaveGroup(ctx, org.ID, sess.ID, groupOne, []string{anaJID, bobLID, "5490000000000@s.whatsapp.net"}); err != nil {
			t.Fatal(err)
		}
		groups := map[string][]string{}
		for _, c := range allSeen(t, s, org.ID, sess.ID, store.SeenFilter{}) {
			groups[c.PhoneJID+c.LID] = c.Groups
		}
		if len(groups) != 3 || !slices.Equal(groups[anaJID], []string{groupTwo}) || len(groups[bobLID]) != 0 ||
			!slices.Equal(groups["5493415550000@s.whatsapp.net"], []string{groupOne}) {
			t.Fatalf("after leaving = %+v", groups)
		}
		if members := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{Group: groupOne}); len(members) != 1 || members[0].PhoneJID != "5493415550000@s.whatsapp.net" {
			t.Fatalf("group one's members = %v", jids(members))
		}
		// Leaving again, or nobody, is fine.
		if err := s.LeaveGroup(ctx, org.ID, sess.ID, groupOne, []string{anaJID}); err != nil {
			t.Fatal(err)
		}
		if err := s.LeaveGroup(ctx, org.ID, sess.ID, groupOne, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSeenGroupsUpsertAndPage: groups upsert; an older refresh changes nothing but a missing
// name; an empty name keeps the stored one; the listing pages by JID.
func TestSeenGroupsUpsertAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		record := func(groups ...store.SeenGroup) {
			t.Helper()
			if err := s.RecordGroups(ctx, org.ID, sess.ID, groups); err != nil {
				t.Fatal(err)
			}
		}
		record(store.SeenGroup{JID: groupTwo, Name: "Two", Participants: 5, RefreshedAt: seenAt},
			store.SeenGroup{JID: groupOne, Participants: 3, RefreshedAt: seenAt})
		record(store.SeenGroup{JID: groupTwo, Participants: 6, RefreshedAt: seenAt.Add(time.Hour)}, // a join: no name told
			store.SeenGroup{JID: groupOne, Name: "One", Participants: 99, RefreshedAt: seenAt.Add(-time.Hour)}) // late and old
		record(store.SeenGroup{JID: "120363000000000003@g.us", Name: "Three", RefreshedAt: seenAt},
			store.SeenGroup{JID: "120363000000000003@g.us", Name: "Three, renamed", Participants: 2, RefreshedAt: seenAt.Add(time.Minute)})

		var got []store.SeenGroup
		after := ""
		for {
			page, more, err := s.SeenGroups(ctx, org.ID, sess.ID, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
			if !more {
				break
			}
			after = page[len(page)-1].JID
		}
		want := []store.SeenGroup{
			{JID: groupOne, Name: "One", Participants: 3, RefreshedAt: seenAt},
			{JID: groupTwo, Name: "Two", Participants: 6, RefreshedAt: seenAt.Add(time.Hour)},
			{JID: "120363000000000003@g.us", Name: "Three, renamed", Participants: 2, RefreshedAt: seenAt.Add(time.Minute)},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("groups:\n got %+v\nwant %+v", got, want)
		}
		if page, more, err := s.SeenGroups(ctx, org.ID, sess.ID, "120363000000000003@g.us", 2); err != nil || len(page) != 0 || more {
			t.Fatalf("after the last = %v, %v, %v", page, more, err)
		}
	})
}

// TestSeenFilters: source, group and q, alone and combined (AND); q is a case-insensitive
// substring of any name or of the phone, in which %, _ and \ match themselves.
func TestSeenFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		people := []store.SeenPerson{
			{PhoneJID: "5492235960001@s.whatsapp.net", FullName: "ÁNGEL Pérez", DirectChat: true, Group: groupOne},            // 0
			{PhoneJID: "5492235960002@s.whatsapp.net", PushName: "50% off", DirectChat: true},                                 // 1
			{PhoneJID: "5492235960003@s.whatsapp.net", PushName: "a_b", Group: groupTwo},                                      // 2
			{PhoneJID: "5492235960004@s.whatsapp.net", BusinessName: `back\slash`, Group: groupOne},                           // 3
			{LID: "444444444444444@lid", FirstName: "ángela", Group: groupTwo},                                                // 4
			{PhoneJID: "5491155550005@s.whatsapp.net", PushName: "axb", FirstName: "Bob"},                                     // 5
			{PhoneJID: "5491155550006@s.whatsapp.net", FullName: "Ana", PushName: "ángel", DirectChat: true, Group: groupTwo}, // 6
		}
		var listed []string
		for i := range people {
			people[i].At = seenAt.Add(time.Duration(i) * time.Second)
			recordSeen(t, s, org.ID, sess.ID, people[i])
			listed = append(listed, people[i].PhoneJID+"|"+people[i].LID)
		}
		want := func(idx ...int) []string {
			out := []string{}
			for _, i := range idx {
				out = append(out, listed[i])
			}
			return out
		}
		for _, c := range []struct {
			f    store.SeenFilter
			want []string
		}{
			{store.SeenFilter{}, want(0, 1, 2, 3, 4, 5, 6)},
			{store.SeenFilter{Source: "dm"}, want(0, 1, 6)},
			{store.SeenFilter{Source: "group"}, want(0, 2, 3, 4, 6)},
			{store.SeenFilter{Group: groupOne}, want(0, 3)},
			{store.SeenFilter{Group: groupTwo}, want(2, 4, 6)},
			{store.SeenFilter{Group: "120363999999999999@g.us"}, want()},
			{store.SeenFilter{Q: "ángel"}, want(0, 4, 6)},
			{store.SeenFilter{Q: "ÁNGEL"}, want(0, 4, 6)},
			{store.SeenFilter{Q: "PÉREZ"}, want(0)},
			{store.SeenFilter{Q: "%"}, want(1)},
			{store.SeenFilter{Q: "_"}, want(2)},
			{store.SeenFilter{Q: `\`}, want(3)},
			{store.SeenFilter{Q: `k\s`}, want(3)},
			{store.SeenFilter{Q: "a_b"}, want(2)},
			{store.SeenFilter{Q: "0% o"}, want(1)},
			{store.SeenFilter{Q: "x"}, want(5)},
			{store.SeenFilter{Q: "549223596000"}, want(0, 1, 2, 3)},
			{store.SeenFilter{Q: "+5491155550006"}, want(6)},
			{store.SeenFilter{Q: "nobody"}, want()},
			{store.SeenFilter{Q: "Pérez\nAna"}, want()}, // never across two fields
			{store.SeenFilter{Q: "ez5492"}, want()},     // nor across a name and the phone
			{store.SeenFilter{Source: "dm", Group: groupTwo}, want(6)},
			{store.SeenFilter{Source: "dm", Q: "ángel"}, want(0, 6)},
			{store.SeenFilter{Source: "group", Q: "ángel"}, want(0, 4, 6)},
			{store.SeenFilter{Group: groupTwo, Q: "ÁNGEL"}, want(4, 6)},
			{store.SeenFilter{Source: "dm", Group: groupOne, Q: "pérez"}, want(0)},
			{store.SeenFilter{Source: "dm", Group: groupOne, Q: "ana"}, want()},
			{store.SeenFilter{Source: "group", Group: groupOne, Q: `slash`}, want(3)},
		} {
			got := jids(allSeen(t, s, org.ID, sess.ID, c.f))
			if !slices.Equal(got, c.want) {
				t.Errorf("filter %+q listed %v, want %v", c.f, got, c.want)
			}
		}
	})
}

// TestSeenContactsMatchTheOrganizationsContacts: a person's phone finds the organization's
// contacts by match key (any spelling), in every list, by contact id; never another's.
func TestSeenContactsMatchTheOrganizationsContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org, other := newOrg(t, s, "a"), newOrg(t, s, "b")
		one, two := newList(t, s, org.ID, "one"), newList(t, s, org.ID, "two")
		c1 := newContact(t, s, org.ID, one.ID, "+54 9 223 596-1983")
		c2 := newContact(t, s, org.ID, two.ID, "0223 15 596 1983") // the same number, national spelling
		newContact(t, s, other.ID, newList(t, s, other.ID, "theirs").ID, "+5492235961983")
		sess := newSession(t, s, org.ID, "main")
		recordSeen(t, s, org.ID, sess.ID,
			store.SeenPerson{PhoneJID: anaJID, At: seenAt},
			store.SeenPerson{PhoneJID: bobJID, At: seenAt},
			store.SeenPerson{LID: bobLID, At: seenAt})
		all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{})
		want := []store.SeenContactMatch{{ContactID: c1.ID, ContactListID: one.ID}, {ContactID: c2.ID, ContactListID: two.ID}}
		if len(all) != 3 || !slices.Equal(all[0].Contacts, want) || len(all[1].Contacts) != 0 || len(all[2].Contacts) != 0 {
			t.Fatalf("matches = %+v, want ana's %+v", all, want)
		}
	})
}

// TestSeenPagingUnderConcurrentInserts: paging to the end while people keep arriving lists
// every person that existed at the start exactly once, in id order, with no duplicate.
func TestSeenPagingUnderConcurrentInserts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		var start []store.SeenPerson
		for i := range 200 {
			start = append(start, store.SeenPerson{PhoneJID: fmt.Sprintf("54922300%05d@s.whatsapp.net", i), PushName: "p", At: seenAt})
		}
		recordSeen(t, s, org.ID, sess.ID, start...)
		existing := map[string]bool{}
		for _, c := range allSeen(t, s, org.ID, sess.ID, store.SeenFilter{}) {
			existing[c.PhoneJID] = true
		}

		stop, done := make(chan struct{}), make(chan error, 1)
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					done <- nil
					return
				default:
				}
				// New people, and new sightings of people already there.
				err := s.RecordSeen(ctx, org.ID, sess.ID, []store.SeenPerson{
					{PhoneJID: fmt.Sprintf("54911%08d@s.whatsapp.net", i), PushName: "new", At: seenAt},
					{PhoneJID: fmt.Sprintf("54922300%05d@s.whatsapp.net", i%200), PushName: "again", At: seenAt.Add(time.Duration(i) * time.Second)},
				})
				if err != nil {
					done <- err
					return
				}
			}
		}()
		seen := map[string]bool{}
		var last int64
		after := int64(0)
		for pages := 0; ; pages++ {
			page, more, err := s.SeenContacts(ctx, org.ID, sess.ID, store.SeenFilter{}, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				if seen[c.PhoneJID] || c.ID <= last {
					t.Fatalf("page %d lists %s (id %d) again or out of order (after id %d)", pages, c.PhoneJID, c.ID, last)
				}
				seen[c.PhoneJID], last = true, c.ID
			}
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		for jid := range existing {
			if !seen[jid] {
				t.Fatalf("%s existed at the start and was not listed", jid)
			}
		}
	})
}

// TestSeenTenancy: another organization's session is ENOTFOUND to every method, and its
// rows are never read or written, even for the same JIDs.
func TestSeenTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		mine, theirs := newSession(t, s, a.ID, "mine"), newSession(t, s, b.ID, "theirs")
		recordSeen(t, s, b.ID, theirs.ID, store.SeenPerson{PhoneJID: anaJID, PushName: "theirs", Group: groupOne, At: seenAt})
		recordSeen(t, s, a.ID, mine.ID, store.SeenPerson{PhoneJID: anaJID, PushName: "mine", At: seenAt})
		if err := s.RecordGroups(ctx, b.ID, theirs.ID, []store.SeenGroup{{JID: groupOne, Name: "theirs", RefreshedAt: seenAt}}); err != nil {
			t.Fatal(err)
		}

		person := store.SeenPerson{PhoneJID: anaJID, PushName: "intruder", Group: groupTwo, At: seenAt.Add(time.Hour)}
		wantCode(t, s.RecordSeen(ctx, a.ID, theirs.ID, []store.SeenPerson{person}), store.ENOTFOUND)
		wantCode(t, s.RecordSeen(ctx, a.ID, theirs.ID, []store.SeenPerson{{LID: anaLID, At: seenAt}}), store.ENOTFOUND)
		wantCode(t, s.RecordSeen(ctx, a.ID, theirs.ID, []store.SeenPerson{{PhoneJID: anaJID, LID: anaLID, At: seenAt}}), store.ENOTFOUND)
		wantCode(t, s.RecordSeen(ctx, a.ID, theirs.ID, nil), store.ENOTFOUND)
		wantCode(t, s.RecordSeen(ctx, a.ID, "sess_nope", []store.SeenPerson{person}), store.ENOTFOUND)
		wantCode(t, s.LinkLID(ctx, a.ID, theirs.ID, anaLID, anaJID), store.ENOTFOUND)
		wantCode(t, s.LeaveGroup(ctx, a.ID, theirs.ID, groupOne, []string{anaJID}), store.ENOTFOUND)
		wantCode(t, s.RecordGroups(ctx, a.ID, theirs.ID, []store.SeenGroup{{JID: groupOne, Name: "intruder", RefreshedAt: seenAt.Add(time.Hour)}}), store.ENOTFOUND)
		wantCode(t, s.RecordGroups(ctx, a.ID, theirs.ID, nil), store.ENOTFOUND)
		_, _, err := s.SeenContacts(ctx, a.ID, theirs.ID, store.SeenFilter{}, 0, 10)
		wantCode(t, err, store.ENOTFOUND)
		_, _, err = s.SeenContacts(ctx, a.ID, theirs.ID, store.SeenFilter{Q: "a\nb"}, 0, 10)
		wantCode(t, err, store.ENOTFOUND)
		_, _, err = s.SeenGroups(ctx, a.ID, theirs.ID, "", 10)
		wantCode(t, err, store.ENOTFOUND)

		// Theirs is as b left it; mine holds only mine.
		if got := onlySeen(t, s, b.ID, theirs.ID); got.PushName != "theirs" || got.LID != "" || !slices.Equal(got.Groups, []string{groupOne}) ||
			!got.LastSeenAt.Equal(seenAt) {
			t.Fatalf("b's person after a's attempts = %+v", got)
		}
		if groups, _, _ := s.SeenGroups(ctx, b.ID, theirs.ID, "", 10); len(groups) != 1 || groups[0].Name != "theirs" {
			t.Fatalf("b's groups after a's attempts = %+v", groups)
		}
		if got := onlySeen(t, s, a.ID, mine.ID); got.PushName != "mine" || len(got.Groups) != 0 {
			t.Fatalf("a's person = %+v", got)
		}
		if groups, _, _ := s.SeenGroups(ctx, a.ID, mine.ID, "", 10); len(groups) != 0 {
			t.Fatalf("a's groups = %+v", groups)
		}
	})
}

// TestSeenRowsGoWithTheirSession: deleting a session deletes its people, memberships and groups.
func TestSeenRowsGoWithTheirSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		gone, kept := newSession(t, s, org.ID, "gone"), newSession(t, s, org.ID, "kept")
		for _, sess := range []store.Session{gone, kept} {
			recordSeen(t, s, org.ID, sess.ID, store.SeenPerson{PhoneJID: anaJID, Group: groupOne, At: seenAt},
				store.SeenPerson{LID: bobLID, Group: groupTwo, At: seenAt})
			if err := s.RecordGroups(ctx, org.ID, sess.ID, []store.SeenGroup{{JID: groupOne, RefreshedAt: seenAt}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteSession(ctx, org.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		count := func(query string) int {
			var n int
			if err := s.DB().QueryRow(query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if p, m, g := count(`SELECT count(*) FROM wa_seen_people`), count(`SELECT count(*) FROM wa_seen_memberships`),
			count(`SELECT count(*) FROM wa_seen_groups`); p != 2 || m != 2 || g != 1 {
			t.Fatalf("after deleting a session: %d people, %d memberships, %d groups; want the other session's 2, 2, 1", p, m, g)
		}
		if all := allSeen(t, s, org.ID, kept.ID, store.SeenFilter{}); len(all) != 2 {
			t.Fatalf("the kept session lists %v", jids(all))
		}
	})
}

// TestSeenRejectsBadInput: each bad input is EINVALID and writes nothing.
func TestSeenRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		sess := newSession(t, s, org.ID, "main")
		good := store.SeenPerson{PhoneJID: anaJID, At: seenAt}
		for _, bad := range []store.SeenPerson{
			{At: seenAt},
			{PhoneJID: "5492235961983:7@s.whatsapp.net", At: seenAt},
			{PhoneJID: "5492235961983@lid", At: seenAt},
			{PhoneJID: "+5492235961983", At: seenAt},
			{LID: "123@s.whatsapp.net", At: seenAt},
			{LID: "abc@lid", At: seenAt},
			{PhoneJID: anaJID, Group: "120363@s.whatsapp.net", At: seenAt},
			{PhoneJID: anaJID, Group: "@g.us", At: seenAt},
			{PhoneJID: anaJID},
		} {
			wantCode(t, s.RecordSeen(ctx, org.ID, sess.ID, []store.SeenPerson{good, bad}), store.EINVALID)
		}
		if all := allSeen(t, s, org.ID, sess.ID, store.SeenFilter{}); len(all) != 0 {
			t.Fatalf("a refused batch wrote %v", jids(all))
		}
		wantCode(t, s.LinkLID(ctx, org.ID, sess.ID, anaJID, anaLID), store.EINVALID)
		wantCode(t, s.LinkLID(ctx, org.ID, sess.ID, anaLID, "5492235961983:7@s.whatsapp.net"), store.EINVALID)
		wantCode(t, s.LeaveGroup(ctx, org.ID, sess.ID, anaJID, []string{anaJID}), store.EINVALID)
		wantCode(t, s.LeaveGroup(ctx, org.ID, sess.ID, groupOne, []string{"someone"}), store.EINVALID)
		for _, bad := range []store.SeenGroup{
			{JID: anaJID, RefreshedAt: seenAt},
			{JID: groupOne, Participants: -1, RefreshedAt: seenAt},
			{JID: groupOne},
		} {
			wantCode(t, s.RecordGroups(ctx, org.ID, sess.ID, []store.SeenGroup{bad}), store.EINVALID)
		}
		for _, c := range []struct {
			f     store.SeenFilter
			after int64
			limit int
		}{
			{store.SeenFilter{Source: "all"}, 0, 10},
			{store.SeenFilter{Group: anaJID}, 0, 10},
			{store.SeenFilter{}, 0, 0},
			{store.SeenFilter{}, -1, 10},
			{store.SeenFilter{Q: "a\x00b"}, 0, 10},
			{store.SeenFilter{Q: "\xff"}, 0, 10},
			{store.SeenFilter{Q: "\xc3"}, 0, 10},
		} {
			_, _, err := s.SeenContacts(ctx, org.ID, sess.ID, c.f, c.after, c.limit)
			wantCode(t, err, store.EINVALID)
		}
		_, _, err := s.SeenGroups(ctx, org.ID, sess.ID, "", 0)
		wantCode(t, err, store.EINVALID)
	})
}

// TestRenameSeenGroup: a new name changes the name only; a group not listed yet is left for
// its listing; another organization's session is untouched; a non-group JID is refused.
func TestRenameSeenGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		other := newOrg(t, s, "b")
		sess := newSession(t, s, org.ID, "main")
		if err := s.RecordGroups(ctx, org.ID, sess.ID, []store.SeenGroup{{JID: groupOne, Name: "One", Participants: 3, RefreshedAt: seenAt}}); err != nil {
			t.Fatal(err)
		}
		if err := s.RenameSeenGroup(ctx, org.ID, sess.ID, groupOne, "Uno"); err != nil {
			t.Fatal(err)
		}
		if err := s.RenameSeenGroup(ctx, other.ID, sess.ID, groupOne, "Intruder"); err != nil {
			t.Fatal(err) // nothing of theirs to rename: no error, no change
		}
		if err := s.RenameSeenGroup(ctx, org.ID, sess.ID, groupTwo, "Two"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.RenameSeenGroup(ctx, org.ID, sess.ID, "5491155550000@s.whatsapp.net", "x"), store.EINVALID)
		groups, _, err := s.SeenGroups(ctx, org.ID, sess.ID, "", 10)
		if err != nil || len(groups) != 1 || groups[0] != (store.SeenGroup{JID: groupOne, Name: "Uno", Participants: 3, RefreshedAt: seenAt}) {
			t.Fatalf("groups = %+v, %v", groups, err)
		}
	})
}

// TestKeepSeenGroups: the groups a login no longer lists are forgotten with their
// memberships; the others, their members, and another session's, stay.
func TestKeepSeenGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		other := newOrg(t, s, "b")
		sess := newSession(t, s, org.ID, "main")
		theirs := newSession(t, s, other.ID, "theirs")
		for _, x := range []struct{ org, sess string }{{org.ID, sess.ID}, {other.ID, theirs.ID}} {
			if err := s.RecordGroups(ctx, x.org, x.sess, []store.SeenGroup{{JID: groupOne, RefreshedAt: seenAt}, {JID: groupTwo, RefreshedAt: seenAt}}); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordSeen(ctx, x.org, x.sess, []store.SeenPerson{
				{PhoneJID: anaJID, Group: groupOne, At: seenAt}, {PhoneJID: anaJID, Group: groupTwo, At: seenAt}}); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, s.KeepSeenGroups(ctx, org.ID, sess.ID, []string{anaJID}), store.EINVALID)
		wantCode(t, s.KeepSeenGroups(ctx, org.ID, theirs.ID, nil), store.ENOTFOUND)
		if err := s.KeepSeenGroups(ctx, org.ID, sess.ID, []string{groupOne}); err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			org, sess string
			want      int
		}{{org.ID, sess.ID, 1}, {other.ID, theirs.ID, 2}} {
			groups, _, err := s.SeenGroups(ctx, x.org, x.sess, "", 10)
			if err != nil || len(groups) != x.want {
				t.Fatalf("%s: groups %+v, %v; want %d", x.sess, groups, err, x.want)
			}
			people, _, err := s.SeenContacts(ctx, x.org, x.sess, store.SeenFilter{}, 0, 10)
			if err != nil || len(people) != 1 || len(people[0].Groups) != x.want {
				t.Fatalf("%s: people %+v, %v", x.sess, people, err)
			}
		}
	})
}
