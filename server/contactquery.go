package server

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// contactsListing names the contacts query's listing. Its cursors are scoped (scopedListing)
// to the filters and the order: a position under one sort, or among other filters' matches,
// would silently skip or repeat contacts in another. GET /contacts and POST /contacts/query
// share it, so that a cursor of one is good for the other with the same filters.
const contactsListing = "contacts"

// QueryContacts answers the body's query; the validator already refused unknown properties,
// wrong types and values out of range.
func (h *handlers) QueryContacts(ctx context.Context, req gen.QueryContactsRequestObject) (gen.QueryContactsResponseObject, error) {
	b := req.Body
	q := store.ContactQuery{
		ListIDs: deref(b.ContactListIds), Tags: deref(b.Tags), Categories: deref(b.Categories),
		Sources: deref(b.SourceNames), LastCallStatuses: deref(b.LastCallStatuses), Statuses: deref(b.Statuses),
		CampaignIDs: deref(b.CampaignIds), Q: deref(b.Q),
		CreatedAfter: b.CreatedAfter, CreatedBefore: b.CreatedBefore, UpdatedAfter: b.UpdatedAfter,
		LastCallAfter: b.LastCallAfter, LastCallBefore: b.LastCallBefore, HasReplied: b.HasReplied,
		Sort: store.ContactSort(deref(b.Sort)), Descending: deref(b.Direction) == gen.SortDirectionDesc,
	}
	limit := defaultLimit
	if b.Limit != nil {
		limit = int(*b.Limit)
	}
	return h.contactPage(ctx, q, limit, deref(b.Cursor), deref(b.IncludeTotal), "/cursor", "body")
}

// ListContacts is the query with the common filters as query parameters.
func (h *handlers) ListContacts(ctx context.Context, req gen.ListContactsRequestObject) (gen.ListContactsResponseObject, error) {
	p := req.Params
	q, err := queryFromParams(contactParams{
		ListID: p.ContactListId, Tag: p.Tag, Category: p.Category, SourceName: p.SourceName,
		LastCallStatus: p.LastCallStatus, Q: p.Q, Sort: p.Sort, Direction: p.Direction,
	})
	if err != nil {
		return nil, err
	}
	limit := defaultLimit
	if p.Limit != nil {
		limit = int(*p.Limit)
	}
	return h.contactPage(ctx, q, limit, deref(p.Cursor), false, "cursor", "query")
}

// contactParams are the query parameters the listing and the export share.
type contactParams struct {
	ListID                                       *int64
	Tag, Category, SourceName, LastCallStatus, Q *string
	Sort                                         *gen.ContactSort
	Direction                                    *gen.SortDirection
}

// queryFromParams is the store's query of the common filters as query parameters; the
// validator already refused wrong types and values out of range.
func queryFromParams(p contactParams) (store.ContactQuery, error) {
	q := store.ContactQuery{
		Q: deref(p.Q), Sort: store.ContactSort(deref(p.Sort)), Descending: deref(p.Direction) == gen.SortDirectionDesc,
	}
	if p.ListID != nil {
		q.ListIDs = []int64{*p.ListID}
	}
	// The store refuses text PostgreSQL cannot hold, naming a body field; here each is a
	// query parameter, and %00 or a bad escape decodes to it.
	for _, f := range []struct {
		name  string
		value *string
		into  *[]string
	}{
		{"tag", p.Tag, &q.Tags}, {"category", p.Category, &q.Categories},
		{"sourceName", p.SourceName, &q.Sources}, {"lastCallStatus", p.LastCallStatus, &q.LastCallStatuses},
		{"q", p.Q, nil},
	} {
		if f.value == nil {
			continue
		}
		if !utf8.ValidString(*f.value) || strings.ContainsRune(*f.value, 0) {
			return store.ContactQuery{}, invalid(fieldError{Field: f.name, In: "query", Message: "must be UTF-8 text without NUL characters (%00)"})
		}
		if f.into != nil {
			*f.into = []string{*f.value}
		}
	}
	return q, nil
}

// contactPage runs a query from the cursor sent as the request's field (cursorField, in).
func (h *handlers) contactPage(ctx context.Context, q store.ContactQuery, limit int, cursor string, withTotal bool, cursorField, in string) (contactPageJSON, error) {
	org := principalFrom(ctx).Org.ID
	q = q.Normalized() // the scope hashes one spelling of each query
	list := scopedListing(contactsListing, "", q)
	var after *store.ContactPosition
	if cursor != "" {
		pos, err := h.cursors.after(list, org, cursor, cursorField, in)
		if err != nil {
			return contactPageJSON{}, err
		}
		p, err := store.ParseContactPosition(pos)
		if err != nil { // signed by us: only a change of the spelling between versions
			return contactPageJSON{}, invalid(fieldError{Field: cursorField, In: in, Message: "is not a cursor of this version of the server; start again without it"})
		}
		after = &p
	}
	page, err := h.store.QueryContacts(ctx, org, q, after, limit, withTotal)
	if err != nil {
		return contactPageJSON{}, err
	}
	out := contactPageJSON{Items: make([]*contactJSON, len(page.Contacts)), Total: page.Total}
	for i, c := range page.Contacts {
		out.Items[i] = toContactJSON(c)
	}
	if n := len(page.Contacts); n > 0 {
		out.NextCursor = h.cursors.next(list, org, store.PositionOf(page.Contacts[n-1], q.Sort).String(), page.More)
	}
	return out, nil
}

// contactPageJSON is gen.ContactPage with contactJSON items (see contactJSON for why).
type contactPageJSON struct {
	Items      []*contactJSON `json:"items"`
	NextCursor string         `json:"nextCursor"`
	Total      *int64         `json:"total,omitempty"` // only when asked for
}

func (r contactPageJSON) VisitQueryContactsResponse(w http.ResponseWriter) error {
	return writeJSON(w, http.StatusOK, r)
}

func (r contactPageJSON) VisitListContactsResponse(w http.ResponseWriter) error {
	return writeJSON(w, http.StatusOK, r)
}
