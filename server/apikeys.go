package server

import (
	"context"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

const apiKeysListing = "api-keys"

func (h *handlers) CreateApiKey(ctx context.Context, req gen.CreateApiKeyRequestObject) (gen.CreateApiKeyResponseObject, error) {
	p := principalFrom(ctx)
	caps := fromAPICapabilities(req.Body.Capabilities)
	if err := p.mayGrant(caps); err != nil {
		return nil, err
	}
	key, secret, err := h.store.CreateAPIKey(ctx, p.Org.ID, store.NewAPIKey{Name: req.Body.Name, Capabilities: caps, ExpiresAt: req.Body.ExpiresAt})
	if err != nil {
		return nil, err
	}
	k := toAPIKey(key)
	return gen.CreateApiKey201JSONResponse{
		Id: k.Id, Name: k.Name, Prefix: k.Prefix, Capabilities: k.Capabilities,
		CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt, Key: secret,
	}, nil
}

func (h *handlers) ListApiKeys(ctx context.Context, req gen.ListApiKeysRequestObject) (gen.ListApiKeysResponseObject, error) {
	p := principalFrom(ctx)
	limit, after, err := h.cursors.position(apiKeysListing, p.Org.ID, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	keys, more, err := h.store.ListAPIKeys(ctx, p.Org.ID, after, limit)
	if err != nil {
		return nil, err
	}
	page := gen.ListApiKeys200JSONResponse{Items: make([]gen.ApiKey, len(keys))}
	for i, k := range keys {
		page.Items[i] = toAPIKey(k)
	}
	if len(keys) > 0 {
		page.NextCursor = h.cursors.next(apiKeysListing, p.Org.ID, keys[len(keys)-1].ID, more)
	}
	return page, nil
}

func (h *handlers) RevokeApiKey(ctx context.Context, req gen.RevokeApiKeyRequestObject) (gen.RevokeApiKeyResponseObject, error) {
	if err := h.keys.revoke(ctx, principalFrom(ctx).Org.ID, req.KeyId); err != nil {
		return nil, err
	}
	return gen.RevokeApiKey204Response{}, nil
}
