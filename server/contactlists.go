package server

import (
	"context"
	"strconv"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

const contactListsListing = "contact-lists"

func (h *handlers) CreateContactList(ctx context.Context, req gen.CreateContactListRequestObject) (gen.CreateContactListResponseObject, error) {
	list, err := h.store.CreateContactList(ctx, principalFrom(ctx).Org.ID, store.NewContactList{
		Name: req.Body.Name, Description: value(req.Body.Description),
	})
	if err != nil {
		return nil, err
	}
	return gen.CreateContactList201JSONResponse(toAPIContactList(list)), nil
}

func (h *handlers) ListContactLists(ctx context.Context, req gen.ListContactListsRequestObject) (gen.ListContactListsResponseObject, error) {
	org := principalFrom(ctx).Org.ID
	limit, after, err := h.cursors.position(contactListsListing, org, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	afterID, _ := strconv.ParseInt(after, 10, 64) // signed by us: "" (first page) or an id
	lists, more, err := h.store.ListContactLists(ctx, org, afterID, limit)
	if err != nil {
		return nil, err
	}
	page := gen.ListContactLists200JSONResponse{Items: make([]gen.ContactList, len(lists))}
	for i, l := range lists {
		page.Items[i] = toAPIContactList(l)
	}
	if len(lists) > 0 {
		page.NextCursor = h.cursors.next(contactListsListing, org, strconv.FormatInt(lists[len(lists)-1].ID, 10), more)
	}
	return page, nil
}

func (h *handlers) GetContactList(ctx context.Context, req gen.GetContactListRequestObject) (gen.GetContactListResponseObject, error) {
	list, err := h.store.ContactList(ctx, principalFrom(ctx).Org.ID, req.ListId)
	if err != nil {
		return nil, err
	}
	return gen.GetContactList200JSONResponse(toAPIContactList(list)), nil
}

func (h *handlers) UpdateContactList(ctx context.Context, req gen.UpdateContactListRequestObject) (gen.UpdateContactListResponseObject, error) {
	list, err := h.store.UpdateContactList(ctx, principalFrom(ctx).Org.ID, req.ListId, store.ContactListChange{
		Name: some(req.Body.Name), Description: optional(req.Body.Description),
	})
	if err != nil {
		return nil, err
	}
	return gen.UpdateContactList200JSONResponse(toAPIContactList(list)), nil
}

func (h *handlers) DeleteContactList(ctx context.Context, req gen.DeleteContactListRequestObject) (gen.DeleteContactListResponseObject, error) {
	if err := h.store.DeleteContactList(ctx, principalFrom(ctx).Org.ID, req.ListId); err != nil {
		return nil, err
	}
	return gen.DeleteContactList204Response{}, nil
}
