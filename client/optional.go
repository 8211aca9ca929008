package client

import "github.com/oapi-codegen/nullable"

// Nullable is a field the spec declares nullable: absent, null, or a value. Build it with Value
// or Null; the zero value is absent (the field is left out of the JSON).
type Nullable[T any] = nullable.Nullable[T]

// Value is a nullable field set to v, as in NewContact{Email: client.Value[client.Email]("ana@example.com")}.
func Value[T any](v T) Nullable[T] { return nullable.NewNullableWithValue(v) }

// Null is a nullable field set to null: in a patch, it clears the field.
func Null[T any]() Nullable[T] { return nullable.NewNullNullable[T]() }

// Ptr is an optional field set to v, as in ContactListPatch{Name: client.Ptr("Leads")}.
func Ptr[T any](v T) *T { return &v }
