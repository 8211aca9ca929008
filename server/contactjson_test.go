package server

import (
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
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

// These tests hold the API's spellings of a contact to store.ContactFieldList: the JSON answer
// type and the spec's Contact, NewContact and ContactPatch. TestEveryWritableFieldRoundTrips
// holds the handlers' mappings to it.

// TestContactJSONIsTheDeclaration compares contactJSON with the declared fields the API shows,
// each of the declared kind and nullability.
func TestContactJSONIsTheDeclaration(t *testing.T) {
	want := map[string]string{}
	for _, f := range store.ContactFieldList {
		if f.JSON == "" {
			continue
		}
		kind := map[store.FieldType]string{
			store.FieldInt64: "int64", store.FieldInt32: "int32", store.FieldTime: "struct Time",
			store.FieldTags: "slice", store.FieldObject: "slice",
		}[f.Type]
		if kind == "" {
			kind = "string"
		}
		if f.Nullable {
			kind = "nullable " + kind
		}
		want[f.JSON] = kind
	}
	if got := jsonShape(reflect.TypeFor[contactJSON]()); !reflect.DeepEqual(got, want) {
		t.Errorf("contactJSON differs from the declaration:\n contactJSON %v\n declared    %v", got, want)
	}
}

// TestSpecContactIsTheDeclaration reads the served spec: Contact shows every declared field the
// API shows, always present, of the declared type; NewContact and ContactPatch take exactly
// the fields a caller sends.
func TestSpecContactIsTheDeclaration(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	var shown, sent []string
	for _, f := range store.ContactFieldList {
		if f.JSON != "" {
			shown = append(shown, f.JSON)
		}
		if f.Sent() {
			sent = append(sent, f.JSON)
		}
	}
	contact := schemas["Contact"].Value
	sameNames(t, "Contact's properties", propertyNames(contact), shown)
	sameNames(t, "Contact's required properties", contact.Required, shown)
	for _, name := range []string{"NewContact", "ContactPatch"} {
		sameNames(t, name+"'s properties", propertyNames(schemas[name].Value), sent)
	}
	for _, f := range store.ContactFieldList {
		for _, in := range []string{"Contact", "NewContact", "ContactPatch"} {
			if in != "Contact" && !f.Sent() {
				continue
			}
			ref := schemas[in].Value.Properties[f.JSON]
			if ref == nil {
				continue // reported above
			}
			typ, format, nullable := schemaType(ref.Value)
			wantType, wantFormat := specType(f.Type)
			// A field sent as a hint or in any spelling is a string whatever its stored format.
			if typ != wantType || wantFormat != "" && format != wantFormat || nullable != f.Nullable {
				t.Errorf("%s.%s is %s %q nullable %v; the declaration says %s %q nullable %v",
					in, f.JSON, typ, format, nullable, wantType, wantFormat, f.Nullable)
			}
		}
	}
}

// specType is how the spec spells a declared type: its type and, where it has one, format.
func specType(t store.FieldType) (typ, format string) {
	switch t {
	case store.FieldInt64:
		return "integer", "int64"
	case store.FieldInt32:
		return "integer", "int32"
	case store.FieldTime:
		return "string", "date-time"
	case store.FieldTags:
		return "array", ""
	case store.FieldObject:
		return "object", ""
	}
	return "string", ""
}

// schemaType reads a property's type, format and nullability, through an allOf of one schema.
func schemaType(s *openapi3.Schema) (typ, format string, nullable bool) {
	nullable = s.Nullable
	for s.Type.IsEmpty() && len(s.AllOf) == 1 {
		s = s.AllOf[0].Value
		nullable = nullable || s.Nullable
	}
	if types := s.Type.Slice(); len(types) == 1 {
		typ = types[0]
	}
	return typ, s.Format, nullable
}

func propertyNames(s *openapi3.Schema) []string {
	var out []string
	for name := range s.Properties {
		out = append(out, name)
	}
	return out
}

// sameNames fails the test unless got and want hold the same names, saying which differ.
func sameNames(t *testing.T, what string, got, want []string) {
	t.Helper()
	missing, extra := storetest.Difference(got, want)
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s differ from the declaration: missing %v, not declared %v", what, missing, extra)
	}
}
