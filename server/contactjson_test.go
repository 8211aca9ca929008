package server

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wagate/wagate/gen"
)

// TestContactJSONIsGenContact keeps the hand-written answer types in step with the types
// generated from the spec: the same JSON fields, each nullable or not alike, of the same kind.
func TestContactJSONIsGenContact(t *testing.T) {
	for _, pair := range []struct{ ours, generated any }{
		{contactJSON{}, gen.Contact{}},
		{lookupJSON{}, gen.ContactLookup{}},
		{batchResultJSON{}, gen.BatchLookupResult{}},
	} {
		ours, generated := jsonShape(reflect.TypeOf(pair.ours)), jsonShape(reflect.TypeOf(pair.generated))
		if !reflect.DeepEqual(ours, generated) {
			t.Errorf("%T and %T differ:\n ours      %v\n generated %v", pair.ours, pair.generated, ours, generated)
		}
	}
}

// jsonShape maps each JSON field of t (embedded structs flattened) to "nullable kind".
func jsonShape(t reflect.Type) map[string]string {
	out := map[string]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonShape(f.Type) {
				out[k] = v
			}
			continue
		}
		ft, nullable := f.Type, false
		switch {
		case ft.Kind() == reflect.Pointer:
			ft, nullable = ft.Elem(), true
		case strings.HasPrefix(ft.Name(), "Nullable["):
			// nullable.Nullable[T] is a map[bool]T
			ft, nullable = ft.Elem(), true
		}
		kind := ft.Kind().String()
		if ft.Kind() == reflect.Struct {
			kind = "struct " + ft.Name()
			if ft.PkgPath() != "time" {
				kind = "struct" // a nested answer type, compared on its own above
			}
		}
		out[name] = map[bool]string{true: "nullable ", false: ""}[nullable] + kind
	}
	return out
}
