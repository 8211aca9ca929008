package server

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oapi-codegen/nullable"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// Listings of what a session has seen. Their cursors are scoped (scopedListing) to the
// session and, for the contacts, to the filters: a position in one list means nothing in
// another.
const (
	seenContactsListing = "seen-contacts"
	seenGroupsListing   = "seen-groups"
)

// ListSeenContacts answers from the store alone: the session need not be connected, and
// the store says when it is not the organization's (404).
func (h *handlers) ListSeenContacts(ctx context.Context, req gen.ListSeenContactsRequestObject) (gen.ListSeenContactsResponseObject, error) {
	org := principalFrom(ctx).Org.ID
	// The validator already held source to dm|group, group to a group JID and q to 200
	// characters.
	f := store.SeenFilter{Source: string(deref(req.Params.Source)), Group: deref(req.Params.Group), Q: deref(req.Params.Q)}
	if !utf8.ValidString(f.Q) || strings.ContainsRune(f.Q, 0) {
		return nil, invalid(fieldError{Field: "q", In: "query", Message: "must be UTF-8 text without NUL characters (%00)"})
	}
	list := scopedListing(seenContactsListing, req.SessionId, f)
	limit, after, err := h.cursors.position(list, org, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	afterID, _ := strconv.ParseInt(after, 10, 64) // signed by us: "" (first page) or an id
	people, more, err := h.store.SeenContacts(ctx, org, req.SessionId, f, afterID, limit)
	if err != nil {
		return nil, err
	}
	page := gen.ListSeenContacts200JSONResponse{Items: make([]gen.SeenContact, len(people))}
	for i, p := range people {
		page.Items[i] = toAPISeenContact(p)
	}
	if len(people) > 0 {
		page.NextCursor = h.cursors.next(list, org, strconv.FormatInt(people[len(people)-1].ID, 10), more)
	}
	return page, nil
}

func (h *handlers) ListSeenGroups(ctx context.Context, req gen.ListSeenGroupsRequestObject) (gen.ListSeenGroupsResponseObject, error) {
	org := principalFrom(ctx).Org.ID
	list := scopedListing(seenGroupsListing, req.SessionId, nil)
	limit, after, err := h.cursors.position(list, org, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	groups, more, err := h.store.SeenGroups(ctx, org, req.SessionId, after, limit)
	if err != nil {
		return nil, err
	}
	page := gen.ListSeenGroups200JSONResponse{Items: make([]gen.SeenGroup, len(groups))}
	for i, g := range groups {
		page.Items[i] = gen.SeenGroup{Jid: g.JID, Name: nullIfEmpty(g.Name), Participants: int32(g.Participants), RefreshedAt: g.RefreshedAt}
	}
	if len(groups) > 0 {
		page.NextCursor = h.cursors.next(list, org, groups[len(groups)-1].JID, more)
	}
	return page, nil
}

func toAPISeenContact(c store.SeenContact) gen.SeenContact {
	out := gen.SeenContact{
		PhoneJid: nullIfEmpty(c.PhoneJID), Lid: nullIfEmpty(c.LID), Phone: nullIfEmpty(c.Phone),
		Names: gen.SeenContactNames{
			FullName: nullIfEmpty(c.FullName), FirstName: nullIfEmpty(c.FirstName),
			PushName: nullIfEmpty(c.PushName), BusinessName: nullIfEmpty(c.BusinessName),
		},
		DisplayName: nullIfEmpty(c.DisplayName),
		DirectChat:  c.DirectChat,
		// Lists are never null in the answer, as the spec requires them.
		Groups:      append([]string{}, c.Groups...),
		FirstSeenAt: c.FirstSeenAt, LastSeenAt: c.LastSeenAt,
		Contacts: make([]gen.SeenContactMatch, len(c.Contacts)),
	}
	for i, m := range c.Contacts {
		out.Contacts[i] = gen.SeenContactMatch{ContactId: m.ContactID, ContactListId: m.ContactListID}
	}
	return out
}

// nullIfEmpty is s as an always-present JSON field: null for the store's "" (not known).
func nullIfEmpty(s string) nullable.Nullable[string] {
	if s == "" {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(s)
}
