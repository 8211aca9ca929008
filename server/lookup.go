package server

import (
	"context"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/whatsapp/phone"
)

func (h *handlers) LookupContact(ctx context.Context, req gen.LookupContactRequestObject) (gen.LookupContactResponseObject, error) {
	l, err := h.lookup(ctx, req.Params.Phone, req.Params.SessionId)
	if err != nil {
		return nil, err
	}
	return lookupResponse(l), nil
}

func (h *handlers) LookupContactWithoutSlash(ctx context.Context, req gen.LookupContactWithoutSlashRequestObject) (gen.LookupContactWithoutSlashResponseObject, error) {
	l, err := h.lookup(ctx, req.Params.Phone, req.Params.SessionId)
	if err != nil {
		return nil, err
	}
	return lookupResponse(l), nil
}

// lookup serves both spellings of GET /api/v1/contact-lookup.
func (h *handlers) lookup(ctx context.Context, raw string, sessionID *string) (lookupJSON, error) {
	org := principalFrom(ctx).Org
	n, err := parsePhone(raw, org.DefaultRegion, "query", "phone")
	if err != nil {
		return lookupJSON{}, err
	}
	if err := h.knownSession(ctx, org.ID, sessionID); err != nil {
		return lookupJSON{}, err
	}
	l, err := h.store.LookupContact(ctx, org.ID, n.MatchKey, deref(sessionID))
	if err != nil {
		return lookupJSON{}, err
	}
	return toLookupJSON(l), nil
}

// LookupContactsBatch answers in input order. A phone that cannot be a phone gets an error in
// its own slot and does not fail the batch.
func (h *handlers) LookupContactsBatch(ctx context.Context, req gen.LookupContactsBatchRequestObject) (gen.LookupContactsBatchResponseObject, error) {
	org := principalFrom(ctx).Org
	if err := h.knownSession(ctx, org.ID, req.Body.SessionId); err != nil {
		return nil, err
	}
	phones := req.Body.Phones
	numbers := make([]phone.Number, len(phones))
	refused := make([]*gen.ErrorBody, len(phones))
	keys := make([]string, 0, len(phones))
	for i, raw := range phones {
		n, err := phone.Parse(raw, org.DefaultRegion)
		if reason, ok := phoneProblem(err); ok {
			refused[i] = &gen.ErrorBody{Code: gen.ErrorCodeValidationError, Message: reason, Details: map[string]any{}}
			continue
		} else if err != nil {
			return nil, err
		}
		numbers[i] = n
		keys = append(keys, n.MatchKey)
	}
	found, err := h.store.LookupContacts(ctx, org.ID, keys, deref(req.Body.SessionId))
	if err != nil {
		return nil, err
	}
	results := make([]batchResultJSON, len(phones))
	for i, raw := range phones {
		// A refused phone's key is "", which matches nothing: the zero Lookup, all null.
		results[i] = batchResultJSON{Phone: raw, lookupJSON: toLookupJSON(found[numbers[i].MatchKey]), Error: refused[i]}
	}
	return batchResponse{Results: results}, nil
}

// knownSession is nil when no session narrows the lookup or when it is the organization's;
// else the store's not_found (404). Without it a session id of another organization, or
// none, would answer as a session that never received a message: a plausible "no reply".
func (h *handlers) knownSession(ctx context.Context, orgID string, sessionID *string) error {
	if sessionID == nil {
		return nil
	}
	_, err := h.store.Session(ctx, orgID, *sessionID)
	return err
}
