package server

import (
	"context"
	"net/http"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

func (h *handlers) CreateContact(ctx context.Context, req gen.CreateContactRequestObject) (gen.CreateContactResponseObject, error) {
	p, b := principalFrom(ctx), req.Body
	region, err := requestRegion(b.CountryCode, p.Org.DefaultRegion, "body", "/countryCode")
	if err != nil {
		return nil, err
	}
	n, err := parsePhone(b.Phone, region, "body", "/phone")
	if err != nil {
		return nil, err
	}
	c, err := h.store.CreateContact(ctx, p.Org.ID, store.NewContact{ListID: b.ContactListId, Phone: n, ContactFields: store.ContactFields{
		FullName: value(b.FullName), FirstName: value(b.FirstName), LastName: value(b.LastName),
		Email: (*string)(value(b.Email)), Source: value(b.Source), Tags: deref(b.Tags),
		Category: value(b.Category), Status: value(b.Status), CampaignID: value(b.CampaignId),
		LastCallStatus: value(b.LastCallStatus), LastCallAt: value(b.LastCallAt),
		LastCallDuration: value(b.LastCallDuration), LastCallFeedback: value(b.LastCallFeedback),
		Notes: value(b.Notes), Metadata: deref(b.Metadata),
	}})
	if err != nil {
		return nil, err
	}
	return contactResponse{http.StatusCreated, toContactJSON(c)}, nil
}

func (h *handlers) GetContact(ctx context.Context, req gen.GetContactRequestObject) (gen.GetContactResponseObject, error) {
	c, err := h.store.Contact(ctx, principalFrom(ctx).Org.ID, req.ContactId)
	if err != nil {
		return nil, err
	}
	return contactResponse{http.StatusOK, toContactJSON(c)}, nil
}

func (h *handlers) UpdateContact(ctx context.Context, req gen.UpdateContactRequestObject) (gen.UpdateContactResponseObject, error) {
	p, b := principalFrom(ctx), req.Body
	var number store.Optional[phone.Number]
	switch {
	case b.Phone != nil:
		region, err := requestRegion(b.CountryCode, p.Org.DefaultRegion, "body", "/countryCode")
		if err != nil {
			return nil, err
		}
		n, err := parsePhone(*b.Phone, region, "body", "/phone")
		if err != nil {
			return nil, err
		}
		number = store.Some(n)
	case b.CountryCode != nil:
		return nil, invalid(fieldError{Field: "/countryCode", In: "body", Message: "is read only together with phone: it says how to read a national spelling of phone"})
	}
	c, err := h.store.UpdateContact(ctx, p.Org.ID, req.ContactId, store.ContactChange{
		ListID: some(b.ContactListId), Phone: number,
		FullName: optional(b.FullName), FirstName: optional(b.FirstName), LastName: optional(b.LastName),
		Email: emailChange(b.Email), Source: optional(b.Source), Tags: some(b.Tags),
		Category: optional(b.Category), Status: optional(b.Status), CampaignID: optional(b.CampaignId),
		LastCallStatus: optional(b.LastCallStatus), LastCallAt: optional(b.LastCallAt),
		LastCallDuration: optional(b.LastCallDuration), LastCallFeedback: optional(b.LastCallFeedback),
		Notes: optional(b.Notes), Metadata: some(b.Metadata),
	})
	if err != nil {
		return nil, err
	}
	return contactResponse{http.StatusOK, toContactJSON(c)}, nil
}

func (h *handlers) DeleteContact(ctx context.Context, req gen.DeleteContactRequestObject) (gen.DeleteContactResponseObject, error) {
	if err := h.store.DeleteContact(ctx, principalFrom(ctx).Org.ID, req.ContactId); err != nil {
		return nil, err
	}
	return gen.DeleteContact204Response{}, nil
}
