package server

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// defaultValueCounts is the spec's default limit of the tag and category counts.
const defaultValueCounts = 100

func (h *handlers) ListTags(ctx context.Context, req gen.ListTagsRequestObject) (gen.ListTagsResponseObject, error) {
	items, truncated, err := h.valueCounts(ctx, h.store.TagCounts, req.Params.ContactListId, req.Params.Prefix, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	return gen.ListTags200JSONResponse{Items: items, Truncated: truncated}, nil
}

func (h *handlers) ListCategories(ctx context.Context, req gen.ListCategoriesRequestObject) (gen.ListCategoriesResponseObject, error) {
	items, truncated, err := h.valueCounts(ctx, h.store.CategoryCounts, req.Params.ContactListId, req.Params.Prefix, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	return gen.ListCategories200JSONResponse{Items: items, Truncated: truncated}, nil
}

type valueCounter func(ctx context.Context, orgID string, f store.ValueCountFilter, limit int) ([]store.ValueCount, bool, error)

// valueCounts reads the counts both operations share. The validator already held limit to
// 1..500, prefix to 1..100 characters and contactListId to 1 or more; what it cannot see in a
// string is checked here, as for the seen contacts' q.
func (h *handlers) valueCounts(ctx context.Context, count valueCounter, listID *int64, prefix *string, limit *int32) ([]gen.ValueCount, bool, error) {
	f := store.ValueCountFilter{ListID: deref(listID), Prefix: deref(prefix)}
	if !utf8.ValidString(f.Prefix) || strings.ContainsRune(f.Prefix, 0) {
		return nil, false, invalid(fieldError{Field: "prefix", In: "query", Message: "must be UTF-8 text without NUL characters (%00)"})
	}
	n := defaultValueCounts
	if limit != nil {
		n = int(*limit)
	}
	values, truncated, err := count(ctx, principalFrom(ctx).Org.ID, f, n)
	if err != nil {
		return nil, false, err
	}
	items := make([]gen.ValueCount, len(values))
	for i, v := range values {
		items[i] = gen.ValueCount{Value: v.Value, Count: v.Count}
	}
	return items, truncated, nil
}
