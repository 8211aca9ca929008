package store

import (
	"encoding/json"
	"reflect"
)

// importField is a field an import row writes besides its phone: a caller-written field of
// ContactFieldList kept in ContactFields, with its bit and how a row's value goes to the
// database.
type importField struct {
	ContactField
	bit   FieldSet
	index int // in ContactFields
	// value is the row's value as a statement's argument: nil for an absent value, tags and
	// metadata as their JSON text.
	value func(*ContactFields) any
}

// importFields are the fields, in ContactFieldList's order. A caller-written field without a
// place in ContactFields stops every test at start rather than be dropped by imports.
var importFields = func() []importField {
	t := reflect.TypeFor[ContactFields]()
	var out []importField
	for i, f := range ContactFieldList {
		if f.Writer != CallerWrites || f.Name == "ListID" || f.Name == "Phone" {
			continue
		}
		sf, ok := t.FieldByName(f.Name)
		if !ok {
			panic("store: the contact field " + f.Name + " has no place in ContactFields")
		}
		out = append(out, importField{ContactField: f, bit: 1 << i, index: sf.Index[0], value: importValue(f.Name, sf.Index[0])})
	}
	return out
}()

func importValue(name string, index int) func(*ContactFields) any {
	switch name {
	case "Tags":
		return func(f *ContactFields) any {
			b, _ := json.Marshal(uniqueTags(f.Tags)) // a []string always marshals
			return string(b)
		}
	case "Metadata":
		return func(f *ContactFields) any {
			// Compacted as CreateContact stores it, so that the same object compares equal.
			compact, err := compactObject("metadata", f.Metadata)
			if err != nil {
				return string(f.Metadata) // not an object: the reader refuses those first
			}
			return string(compact)
		}
	case "LastCallAt":
		return func(f *ContactFields) any { return dbTimePtr(f.LastCallAt) }
	case "LastCallDuration":
		return func(f *ContactFields) any { return f.LastCallDuration }
	}
	// Every other field is an optional text.
	return func(f *ContactFields) any {
		return reflect.ValueOf(f).Elem().Field(index).Interface().(*string)
	}
}

// withPresent returns base with the fields of row that present holds written over it.
func withPresent(base ContactFields, row ContactFields, present FieldSet) ContactFields {
	dst, src := reflect.ValueOf(&base).Elem(), reflect.ValueOf(row)
	for _, f := range importFields {
		if present&f.bit != 0 {
			dst.Field(f.index).Set(src.Field(f.index))
		}
	}
	return base
}
