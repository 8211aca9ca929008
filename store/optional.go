package store

// Optional is one field of a change: Set says whether the caller sent it, Value is what it
// sent. For a nullable field Value is a pointer, and a nil Value clears the field.
type Optional[T any] struct {
	Set   bool
	Value T
}

// Some is a field that was sent.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// apply overwrites *dst with the value when the field was sent, and reports whether it was.
func (o Optional[T]) apply(dst *T) bool {
	if o.Set {
		*dst = o.Value
	}
	return o.Set
}
