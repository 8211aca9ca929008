package server

import (
	"github.com/oapi-codegen/nullable"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// This file translates between the store's types and the generated API types, both ways.

// null is v as an always-present JSON field: null when v is nil.
func null[T any](v *T) nullable.Nullable[T] {
	if v == nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(*v)
}

// optional reads a nullable request field: unset when absent, set to nil when null.
func optional[T any](n nullable.Nullable[T]) store.Optional[*T] {
	if !n.IsSpecified() {
		return store.Optional[*T]{}
	}
	if n.IsNull() {
		return store.Some[*T](nil)
	}
	v := n.MustGet()
	return store.Some(&v)
}

// value reads a nullable request field where null and absent mean the same: no value.
func value[T any](n nullable.Nullable[T]) *T {
	return optional(n).Value
}

// some reads a non-nullable optional request field.
func some[T any](v *T) store.Optional[T] {
	if v == nil {
		return store.Optional[T]{}
	}
	return store.Some(*v)
}

func toAPIContactList(l store.ContactList) gen.ContactList {
	return gen.ContactList{Id: l.ID, Name: l.Name, Description: null(l.Description), CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

func toAPICapabilities(cs store.Capabilities) []gen.Capability {
	out := make([]gen.Capability, len(cs))
	for i, c := range cs {
		out[i] = gen.Capability(c)
	}
	return out
}

func fromAPICapabilities(cs []gen.Capability) store.Capabilities {
	out := make(store.Capabilities, len(cs))
	for i, c := range cs {
		out[i] = store.Capability(c)
	}
	return out.Normal()
}

func toAPIKey(k store.APIKey) gen.ApiKey {
	return gen.ApiKey{
		Id: k.ID, Name: k.Name, Prefix: k.Prefix, Capabilities: toAPICapabilities(k.Capabilities),
		CreatedAt: k.CreatedAt, ExpiresAt: null(k.ExpiresAt), LastUsedAt: null(k.LastUsedAt),
	}
}

// deref is *p, or the zero value when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func emailChange(n nullable.Nullable[gen.Email]) store.Optional[*string] {
	o := optional(n)
	return store.Optional[*string]{Set: o.Set, Value: (*string)(o.Value)}
}
