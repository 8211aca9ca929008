package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
)

// Groups of the seen-contacts tests: an older group's JID has a dash, as WhatsApp spelled them.
const (
	clientsGroup = "120363025246125888@g.us"
	familyGroup  = "5492235961983-1612345678@g.us"
)

// seenPeople records what events told of people, as the event handler does.
func seenPeople(t *testing.T, h *harness, orgID, sessionID string, people ...store.SeenPerson) {
	t.Helper()
	if err := h.store.RecordSeen(ctx, orgID, sessionID, people); err != nil {
		t.Fatal(err)
	}
}

// seenPage is one page of a session's seen contacts; it fails the test on any answer but 200.
func seenPage(t *testing.T, c *client.ClientWithResponses, sessionID string, p client.ListSeenContactsParams) client.SeenContactPage {
	t.Helper()
	r := must(c.ListSeenContactsWithResponse(ctx, sessionID, &p))
	if r.JSON200 == nil {
		t.Fatalf("seen contacts %+v: %d %s", p, r.StatusCode(), r.Body)
	}
	return *r.JSON200
}

// seenAll pages through a session's seen contacts with the filters of p, limit at a time, and
// returns the display names (or the LID when there is none) in the order listed.
func seenAll(t *testing.T, c *client.ClientWithResponses, sessionID string, p client.ListSeenContactsParams, limit int32) []string {
	t.Helper()
	p.Limit, p.Cursor = &limit, nil
	var names []string
	for {
		page := seenPage(t, c, sessionID, p)
		if int32(len(page.Items)) > limit {
			t.Fatalf("%d items on a page of %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			names = append(names, seenName(it))
		}
		if page.NextCursor == "" {
			return names
		}
		p.Cursor = &page.NextCursor
	}
}

func seenName(c client.SeenContact) string {
	if c.DisplayName.IsNull() {
		return c.Lid.MustGet()
	}
	return c.DisplayName.MustGet()
}

// seedSeen gives a session the people of seed 001's examples: Ana in a direct chat and a group,
// first seen by LID; Bruno in two groups; a business known only by LID; Carla in a direct chat;
// Darío from the address book only.
func seedSeen(t *testing.T, h *harness, orgID, sessionID string) {
	t.Helper()
	at := time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)
	seenPeople(t, h, orgID, sessionID,
		store.SeenPerson{LID: "111111111111111@lid", PushName: "Anita", Group: clientsGroup, At: at})
	seenPeople(t, h, orgID, sessionID,
		store.SeenPerson{PhoneJID: "5491155554444@s.whatsapp.net", PushName: "Bruno_100%", Group: clientsGroup, At: at.Add(time.Minute)},
		store.SeenPerson{PhoneJID: "5491155554444@s.whatsapp.net", Group: familyGroup, At: at.Add(2 * time.Minute)},
	)
	// One call per kind of key: within one call the store may number people known by phone
	// before people known only by LID.
	seenPeople(t, h, orgID, sessionID,
		store.SeenPerson{LID: "987654321098765@lid", PushName: "Tienda", BusinessName: "Tienda Sur SRL", Group: familyGroup, At: at.Add(3 * time.Minute)})
	seenPeople(t, h, orgID, sessionID,
		store.SeenPerson{PhoneJID: "5493415556666@s.whatsapp.net", PushName: "carla", DirectChat: true, At: at.Add(4 * time.Minute)},
		store.SeenPerson{PhoneJID: "5492614445555@s.whatsapp.net", FullName: "Darío", At: at.Add(5 * time.Minute)},
	)
	// Ana's phone arrives later, with her address-book names and a direct chat: one person.
	seenPeople(t, h, orgID, sessionID, store.SeenPerson{
		PhoneJID: "5492235961983@s.whatsapp.net", FullName: "Ana Pérez", FirstName: "Ana", DirectChat: true, At: at.Add(time.Hour),
	})
	if err := h.store.LinkLID(ctx, orgID, sessionID, "111111111111111@lid", "5492235961983@s.whatsapp.net"); err != nil {
		t.Fatal(err)
	}
}

func TestSeenContactsFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "ventas") // never connected: the listing reads stored data only
		seedSeen(t, h, h.org.ID, s.Id)
		// Another session of the organization meets another Ana: never listed under s.
		other := newSession(t, c, "soporte")
		seenPeople(t, h, h.org.ID, other.Id, store.SeenPerson{PhoneJID: "5491122223333@s.whatsapp.net", PushName: "Ana Otra", DirectChat: true, At: time.Now()})

		// Ana is in a list of the organization under another spelling of her number; another
		// organization's contact with her number is not theirs to see.
		juan := createJuan(t, h) // 5492235961983, the README's spelling
		outsider := must(h.store.CreateOrganization(ctx, "outsider", "AR"))
		oc := h.client(h.newKey(outsider.ID, store.AllCapabilities...))
		ol := must(oc.CreateContactListWithResponse(ctx, client.NewContactList{Name: "theirs"}))
		if r := must(oc.CreateContactWithResponse(ctx, client.NewContact{ContactListId: ol.JSON201.Id, Phone: "+54 223 15-596-1983"})); r.JSON201 == nil {
			t.Fatalf("outsider's contact: %d %s", r.StatusCode(), r.Body)
		}

		src := func(s client.ListSeenContactsParamsSource) *client.ListSeenContactsParamsSource { return &s }
		dm, group := src(client.ListSeenContactsParamsSourceDm), src(client.ListSeenContactsParamsSourceGroup)
		for _, tc := range []struct {
			name string
			p    client.ListSeenContactsParams
			want []string
		}{
			{"everyone, in order of first sight", client.ListSeenContactsParams{}, []string{"Ana Pérez", "Bruno_100%", "Tienda", "carla", "Darío"}},
			{"direct chats", client.ListSeenContactsParams{Source: dm}, []string{"Ana Pérez", "carla"}},
			{"any group", client.ListSeenContactsParams{Source: group}, []string{"Ana Pérez", "Bruno_100%", "Tienda"}},
			{"one group", client.ListSeenContactsParams{Group: ptr(clientsGroup)}, []string{"Ana Pérez", "Bruno_100%"}},
			{"an older group", client.ListSeenContactsParams{Group: ptr(familyGroup)}, []string{"Bruno_100%", "Tienda"}},
			{"a group nobody was seen in", client.ListSeenContactsParams{Group: ptr("1203630000000001@g.us")}, nil},
			{"a name in another case", client.ListSeenContactsParams{Q: ptr("ANA")}, []string{"Ana Pérez"}},
			{"a push name merged from the LID", client.ListSeenContactsParams{Q: ptr("anita")}, []string{"Ana Pérez"}},
			{"a business name", client.ListSeenContactsParams{Q: ptr("sur srl")}, []string{"Tienda"}},
			{"digits of the number", client.ListSeenContactsParams{Q: ptr("5555")}, []string{"Bruno_100%", "Darío"}},
			{"% is a percent sign", client.ListSeenContactsParams{Q: ptr("%")}, []string{"Bruno_100%"}},
			{"_ is an underscore", client.ListSeenContactsParams{Q: ptr("_")}, []string{"Bruno_100%"}},
			{"\\ is a backslash", client.ListSeenContactsParams{Q: ptr(`\`)}, nil},
			{"direct chats in a group", client.ListSeenContactsParams{Source: dm, Group: ptr(clientsGroup)}, []string{"Ana Pérez"}},
			{"direct chats in the other group", client.ListSeenContactsParams{Source: dm, Group: ptr(familyGroup)}, nil},
			{"any group, by name", client.ListSeenContactsParams{Source: group, Q: ptr("u")}, []string{"Bruno_100%", "Tienda"}},
			{"all three", client.ListSeenContactsParams{Source: group, Group: ptr(familyGroup), Q: ptr("TIENDA")}, []string{"Tienda"}},
			{"all three, none left", client.ListSeenContactsParams{Source: dm, Group: ptr(clientsGroup), Q: ptr("bruno")}, nil},
		} {
			for _, limit := range []int32{1, 2, 200} {
				if got := seenAll(t, c, s.Id, tc.p, limit); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s, %d a page: %q, want %q", tc.name, limit, got, tc.want)
				}
			}
		}
		if got := seenAll(t, c, other.Id, client.ListSeenContactsParams{}, 50); !reflect.DeepEqual(got, []string{"Ana Otra"}) {
			t.Fatalf("the other session lists %q", got)
		}

		// Each item whole: Ana merged from her LID and her phone, matched to the contact.
		first := seenPage(t, c, s.Id, client.ListSeenContactsParams{Limit: ptr(int32(3))})
		ana, tienda := first.Items[0], first.Items[2]
		if ana.PhoneJid.MustGet() != "5492235961983@s.whatsapp.net" || ana.Lid.MustGet() != "111111111111111@lid" ||
			ana.Phone.MustGet() != "+5492235961983" || ana.Names.FullName.MustGet() != "Ana Pérez" || ana.Names.FirstName.MustGet() != "Ana" ||
			ana.Names.PushName.MustGet() != "Anita" || !ana.Names.BusinessName.IsNull() || !ana.DirectChat ||
			!reflect.DeepEqual(ana.Groups, []string{clientsGroup}) ||
			!ana.FirstSeenAt.Equal(time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)) || !ana.LastSeenAt.Equal(time.Date(2026, 11, 20, 19, 0, 0, 0, time.UTC)) ||
			!reflect.DeepEqual(ana.Contacts, []client.SeenContactMatch{{ContactId: juan.Id, ContactListId: juan.ContactListId}}) {
			t.Fatalf("Ana: %+v", ana)
		}
		if !tienda.PhoneJid.IsNull() || !tienda.Phone.IsNull() || tienda.Lid.MustGet() != "987654321098765@lid" ||
			tienda.Names.BusinessName.MustGet() != "Tienda Sur SRL" || tienda.DisplayName.MustGet() != "Tienda" ||
			!tienda.Names.FullName.IsNull() || tienda.DirectChat || tienda.Contacts == nil || len(tienda.Contacts) != 0 {
			t.Fatalf("the business known by LID: %+v", tienda)
		}
		// Present as [] and null, never left out: the raw answer.
		status, body, _ := h.do("GET", "/api/v1/sessions/"+s.Id+"/contacts?q=tienda", "", "X-API-Key", h.admin)
		if status != http.StatusOK || !strings.Contains(string(body), `"phoneJid":null`) || !strings.Contains(string(body), `"contacts":[]`) {
			t.Fatalf("raw answer: %d %s", status, body)
		}

		// A session with nothing seen yet: an empty page.
		empty := newSession(t, c, "nueva")
		if p := seenPage(t, c, empty.Id, client.ListSeenContactsParams{}); len(p.Items) != 0 || p.NextCursor != "" || p.Items == nil {
			t.Fatalf("empty session: %+v", p)
		}
	})
}

func TestSeenContactsPagingUnderInserts(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "ventas")
		person := func(i int, direct bool) store.SeenPerson {
			return store.SeenPerson{PhoneJID: fmt.Sprintf("54911%08d@s.whatsapp.net", i), PushName: fmt.Sprintf("p%03d", i), DirectChat: direct, At: time.Now()}
		}
		var before []string
		for i := range 25 {
			seenPeople(t, h, h.org.ID, s.Id, person(i, i%2 == 0))
			before = append(before, fmt.Sprintf("p%03d", i))
		}
		// New people arrive, one by one, while a client pages through.
		const late = 40
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 100; i < 100+late; i++ {
				if err := h.store.RecordSeen(ctx, h.org.ID, s.Id, []store.SeenPerson{person(i, true)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		listed := seenAll(t, c, s.Id, client.ListSeenContactsParams{}, 3)
		wg.Wait()
		var after []string
		for i := 100; i < 100+late; i++ {
			after = append(after, fmt.Sprintf("p%03d", i))
		}
		// Everyone there before paging began, in order, then some prefix of the newcomers in
		// the order they came: no duplicate, no gap.
		if len(listed) < len(before) || !reflect.DeepEqual(listed[:len(before)], before) ||
			!reflect.DeepEqual(listed[len(before):], after[:len(listed)-len(before)]) {
			t.Fatalf("paged %q", listed)
		}
		// Paging again, now that the inserts are over, lists everyone; filtered, the same.
		if all := seenAll(t, c, s.Id, client.ListSeenContactsParams{}, 7); !reflect.DeepEqual(all, append(before, after...)) {
			t.Fatalf("paged again: %q", all)
		}
		var direct []string
		for i, n := range append(before, after...) {
			if i >= len(before) || i%2 == 0 {
				direct = append(direct, n)
			}
		}
		dm := client.ListSeenContactsParamsSourceDm
		if got := seenAll(t, c, s.Id, client.ListSeenContactsParams{Source: &dm}, 4); !reflect.DeepEqual(got, direct) {
			t.Fatalf("direct chats paged: %q", got)
		}
	})
}

func TestSeenContactsBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "ventas")
		other := newSession(t, c, "soporte")
		seedSeen(t, h, h.org.ID, s.Id)
		seedSeen(t, h, h.org.ID, other.Id)
		base := "/api/v1/sessions/" + s.Id + "/contacts"

		bad := map[string]string{
			"group=abc":                                  "group",
			"group=5492235961983@s.whatsapp.net":         "group",
			"group=123@g.us.evil":                        "group",
			"group=-1@g.us":                              "group",
			"group=12-@g.us":                             "group",
			"group=" + strings.Repeat("1", 60) + "@g.us": "group",
			"source=all":                                 "source",
			"source=DM":                                  "source",
			"limit=0":                                    "limit",
			"limit=201":                                  "limit",
			"limit=x":                                    "limit",
			"q=":                                         "q",
			"q=" + strings.Repeat("a", 201):              "q",
			"q=" + strings.Repeat("a", 10000):            "q",
			"q=" + url.QueryEscape(strings.Repeat("ñ", 201)): "q",
			"q=%00":       "q",
			"q=a%00b":     "q",
			"q=%FF":       "q",
			"q=%C3":       "q",
			"cursor=nope": "cursor",
			"sources=dm":  "sources",
		}
		for q, field := range bad {
			status, body, _ := h.do("GET", base+"?"+q, "", "X-API-Key", h.admin)
			e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
			if f := fieldsAtFault(t, e); f[0] != field {
				t.Errorf("%.40s: fields %v, want %s", q, f, field)
			}
		}
		status, body, _ := h.do("GET", "/api/v1/sessions/sess_nope/contacts", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)

		// Cursors: bound to the session, the filters and the organization, and signed.
		limit := int32(1)
		dm, group := client.ListSeenContactsParamsSourceDm, client.ListSeenContactsParamsSourceGroup
		cursorOf := func(sessionID string, p client.ListSeenContactsParams) string {
			p.Limit = &limit
			next := seenPage(t, c, sessionID, p).NextCursor
			if next == "" {
				t.Fatalf("no next page for %+v", p)
			}
			return next
		}
		plain := cursorOf(s.Id, client.ListSeenContactsParams{})
		if err := h.store.RecordGroups(ctx, h.org.ID, s.Id, []store.SeenGroup{{JID: clientsGroup, RefreshedAt: time.Now()}, {JID: familyGroup, RefreshedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		groupsCursor := must(c.ListSeenGroupsWithResponse(ctx, s.Id, &client.ListSeenGroupsParams{Limit: &limit}))
		for name, tc := range map[string]struct {
			cursor string
			p      client.ListSeenContactsParams
		}{
			"another session's":                    {cursorOf(other.Id, client.ListSeenContactsParams{}), client.ListSeenContactsParams{}},
			"unfiltered, used with a filter":       {plain, client.ListSeenContactsParams{Source: &dm}},
			"of source=dm, used with source=group": {cursorOf(s.Id, client.ListSeenContactsParams{Source: &dm}), client.ListSeenContactsParams{Source: &group}},
			"of source=dm, used without":           {cursorOf(s.Id, client.ListSeenContactsParams{Source: &dm}), client.ListSeenContactsParams{}},
			"of one group, used with another":      {cursorOf(s.Id, client.ListSeenContactsParams{Group: ptr(familyGroup)}), client.ListSeenContactsParams{Group: ptr(clientsGroup)}},
			"of one q, used with another":          {cursorOf(s.Id, client.ListSeenContactsParams{Q: ptr("a")}), client.ListSeenContactsParams{Q: ptr("an")}},
			"of the groups listing":                {groupsCursor.JSON200.NextCursor, client.ListSeenContactsParams{}},
			"of the sessions listing":              {must(c.ListSessionsWithResponse(ctx, &client.ListSessionsParams{Limit: &limit})).JSON200.NextCursor, client.ListSeenContactsParams{}},
			"flipped payload":                      {flip(plain, 0), client.ListSeenContactsParams{}},
			"flipped mac":                          {flip(plain, len(plain)-5), client.ListSeenContactsParams{}},
			"no mac":                               {strings.Split(plain, ".")[0], client.ListSeenContactsParams{}},
		} {
			tc.p.Cursor = &tc.cursor
			r := must(c.ListSeenContactsWithResponse(ctx, s.Id, &tc.p))
			if f := fieldsAtFault(t, wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)); f[0] != "cursor" {
				t.Errorf("%s cursor: fields %v", name, f)
			}
		}
		// The same cursor with the same filters is good.
		if p := seenPage(t, c, s.Id, client.ListSeenContactsParams{Limit: &limit, Cursor: &plain}); len(p.Items) != 1 {
			t.Fatalf("the cursor's own listing: %+v", p)
		}

		// A q as long as allowed, in characters of four bytes, still pages: its cursor fits.
		long := strings.Repeat("😀", 200)
		seenPeople(t, h, h.org.ID, s.Id,
			store.SeenPerson{PhoneJID: "5491100000001@s.whatsapp.net", PushName: long, At: time.Now()},
			store.SeenPerson{PhoneJID: "5491100000002@s.whatsapp.net", PushName: "x" + long, At: time.Now()})
		if got := seenAll(t, c, s.Id, client.ListSeenContactsParams{Q: &long}, 1); len(got) != 2 {
			t.Fatalf("a q of 200 characters paged %d people", len(got))
		}
	})
}

func TestSeenGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		s := newSession(t, c, "ventas")
		other := newSession(t, c, "soporte")
		at := time.Date(2026, 11, 21, 10, 2, 0, 0, time.UTC)
		if err := h.store.RecordGroups(ctx, h.org.ID, s.Id, []store.SeenGroup{
			{JID: familyGroup, Participants: 3, RefreshedAt: at},
			{JID: clientsGroup, Name: "Clientes zona sur", Participants: 57, RefreshedAt: at},
			{JID: "120363000000000001@g.us", Name: "Proveedores", Participants: 12, RefreshedAt: at},
		}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.RecordGroups(ctx, h.org.ID, other.Id, []store.SeenGroup{{JID: "120363999999999999@g.us", Name: "Soporte", Participants: 2, RefreshedAt: at}}); err != nil {
			t.Fatal(err)
		}
		var got []client.SeenGroup
		var cursor *string
		limit := int32(2)
		for {
			r := must(c.ListSeenGroupsWithResponse(ctx, s.Id, &client.ListSeenGroupsParams{Limit: &limit, Cursor: cursor}))
			if r.JSON200 == nil {
				t.Fatalf("groups: %d %s", r.StatusCode(), r.Body)
			}
			got = append(got, r.JSON200.Items...)
			if r.JSON200.NextCursor == "" {
				break
			}
			cursor = &r.JSON200.NextCursor
		}
		var jids []string
		for _, g := range got {
			jids = append(jids, g.Jid)
		}
		if !reflect.DeepEqual(jids, []string{"120363000000000001@g.us", clientsGroup, familyGroup}) {
			t.Fatalf("groups paged in JID order: %q", jids)
		}
		if g := got[1]; g.Name.MustGet() != "Clientes zona sur" || g.Participants != 57 || !g.RefreshedAt.Equal(at) {
			t.Fatalf("a named group: %+v", g)
		}
		if g := got[2]; !g.Name.IsNull() || g.Participants != 3 {
			t.Fatalf("a group whose name is not known: %+v", g)
		}

		// Cursors of another session or another listing are refused.
		first := must(c.ListSeenGroupsWithResponse(ctx, s.Id, &client.ListSeenGroupsParams{Limit: &limit})).JSON200.NextCursor
		seedSeen(t, h, h.org.ID, s.Id)
		contactsCursor := seenPage(t, c, s.Id, client.ListSeenContactsParams{Limit: &limit}).NextCursor
		for name, cur := range map[string]string{"another session's": first, "of the contacts listing": contactsCursor, "flipped": flip(first, 3)} {
			sessionID := s.Id
			if name == "another session's" {
				sessionID = other.Id
			}
			r := must(c.ListSeenGroupsWithResponse(ctx, sessionID, &client.ListSeenGroupsParams{Cursor: &cur}))
			wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		for _, q := range []string{"limit=0", "limit=201", "cursor=nope", "group=" + clientsGroup} {
			status, body, _ := h.do("GET", "/api/v1/sessions/"+s.Id+"/groups?"+q, "", "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
	})
}

// TestSeenOfAnotherOrganization: a session id of another organization, or of none, is a 404
// on both listings and wherever the lookup is narrowed to a session.
func TestSeenOfAnotherOrganization(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		outsider := must(h.store.CreateOrganization(ctx, "outsider", "AR"))
		theirs := must(h.store.CreateSession(ctx, outsider.ID, "ventas"))
		seedSeen(t, h, outsider.ID, theirs.ID)
		if err := h.store.RecordGroups(ctx, outsider.ID, theirs.ID, []store.SeenGroup{{JID: clientsGroup, Name: "x", RefreshedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		oc := h.client(h.newKey(outsider.ID, store.Read))
		if p := seenPage(t, oc, theirs.ID, client.ListSeenContactsParams{}); len(p.Items) != 5 {
			t.Fatalf("their own session lists %d people", len(p.Items))
		}
		ours := newSession(t, h.client(h.admin), "nuestra")

		c := h.client(h.admin)
		for _, id := range []string{theirs.ID, "sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0"} {
			r := must(c.ListSeenContactsWithResponse(ctx, id, &client.ListSeenContactsParams{}))
			wantError(t, r.StatusCode(), r.Body, http.StatusNotFound, client.ErrorCodeNotFound)
			g := must(c.ListSeenGroupsWithResponse(ctx, id, &client.ListSeenGroupsParams{}))
			wantError(t, g.StatusCode(), g.Body, http.StatusNotFound, client.ErrorCodeNotFound)
			l := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: "5492235961983", SessionId: &id}))
			wantError(t, l.StatusCode(), l.Body, http.StatusNotFound, client.ErrorCodeNotFound)
			l2 := must(c.LookupContactWithoutSlashWithResponse(ctx, &client.LookupContactWithoutSlashParams{Phone: "5492235961983", SessionId: &id}))
			wantError(t, l2.StatusCode(), l2.Body, http.StatusNotFound, client.ErrorCodeNotFound)
			b := must(c.LookupContactsBatchWithResponse(ctx, client.BatchLookupRequest{Phones: []string{"5492235961983"}, SessionId: &id}))
			wantError(t, b.StatusCode(), b.Body, http.StatusNotFound, client.ErrorCodeNotFound)
		}
		// The organization's own session, with nothing recorded: answered.
		if l := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: "5492235961983", SessionId: &ours.Id})); l.JSON200 == nil {
			t.Fatalf("own session: %d %s", l.StatusCode(), l.Body)
		}
		if b := must(c.LookupContactsBatchWithResponse(ctx, client.BatchLookupRequest{Phones: []string{"5492235961983"}, SessionId: &ours.Id})); b.JSON200 == nil {
			t.Fatalf("own session, batch: %d %s", b.StatusCode(), b.Body)
		}
		if p := seenPage(t, c, ours.Id, client.ListSeenContactsParams{}); len(p.Items) != 0 {
			t.Fatalf("our session lists their people: %+v", p)
		}
	})
}
