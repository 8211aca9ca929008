package store

import "reflect"

// empty reports whether the change sets no field at all. It and applyFields read the fields
// by reflection, so that a field added to ContactChange needs no edit here; a PATCH reads a
// dozen of them.
func (c ContactChange) empty() bool {
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		if v.Field(i).Field(optionalSet).Bool() {
			return false
		}
	}
	return true
}

// applyFields copies each field of the change that is set and that ContactFields has, by
// name; ListID and Phone, which ContactFields lacks, are the caller's to apply.
// TestContactTypesHaveTheDeclaredFields keeps the names and types of the two alike.
func (c ContactChange) applyFields(f *ContactFields) {
	v, dst := reflect.ValueOf(&c).Elem(), reflect.ValueOf(f).Elem()
	for i, to := range changeToFields {
		if field := v.Field(i); to >= 0 && field.Field(optionalSet).Bool() {
			dst.Field(to).Set(field.Field(optionalValue))
		}
	}
}

var (
	optionalSet   = fieldIndex(reflect.TypeFor[Optional[int]](), "Set")
	optionalValue = fieldIndex(reflect.TypeFor[Optional[int]](), "Value")
	// changeToFields is, for each field of ContactChange, the index of the field of the same
	// name in ContactFields, or -1.
	changeToFields = func() []int {
		change, fields := reflect.TypeFor[ContactChange](), reflect.TypeFor[ContactFields]()
		out := make([]int, change.NumField())
		for i := range out {
			out[i] = fieldIndex(fields, change.Field(i).Name)
		}
		return out
	}()
)

// fieldIndex is the index of struct t's field name, or -1.
func fieldIndex(t reflect.Type, name string) int {
	if f, ok := t.FieldByName(name); ok {
		return f.Index[0]
	}
	return -1
}
