package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/phone"
)

// The tests in this file hold each hand-written place of the store to store.ContactFieldList:
// a field added, dropped or renamed in one place and not in the declaration fails one of them.

func TestContactFieldListNamesEachFieldOnce(t *testing.T) {
	seen := map[string]string{}
	once := func(kind, name, field string) {
		if name == "" {
			return
		}
		key := kind + " " + strings.ToLower(name)
		if other, ok := seen[key]; ok && other != field {
			t.Errorf("%s %q names both %s and %s", kind, name, other, field)
		}
		seen[key] = field
	}
	for _, f := range store.ContactFieldList {
		if f.Name == "" || f.Column == "" || f.Type == 0 {
			t.Errorf("%+v lacks a name, a column or a type", f)
		}
		once("Go name", f.Name, f.Name)
		once("column", f.Column, f.Name)
		once("JSON name", f.JSON, f.Name)
		// A header finds one field, whether it is a CSV name or an alias.
		once("header", f.CSV, f.Name)
		for _, a := range f.Aliases {
			once("header", a, f.Name)
			if a != strings.ToLower(a) {
				t.Errorf("alias %q of %s is not snake_case", a, f.Name)
			}
		}
		if f.Sent() && (f.JSON == "" || f.CSV == "") {
			t.Errorf("%s is sent by callers but has no JSON or CSV name", f.Name)
		}
		if f.Joined != "" && (f.Sent() || f.Fixed) {
			t.Errorf("%s is read through the join, so only the store sets it", f.Name)
		}
	}
	for header, want := range map[string]string{
		"firstName": "FirstName", "firstname": "FirstName", "FIRSTNAME": "FirstName", "phone_number": "Phone",
		"source_name": "Source", "tag_name": "Tags", "category_name": "Category", "number_country_code": "CountryCode",
		"lastCallAt": "LastCallAt", "last_call_at": "LastCallAt",
	} {
		if f, ok := store.ContactFieldByHeader(header); !ok || f.Name != want {
			t.Errorf("header %q finds %q, %v; want %s", header, f.Name, ok, want)
		}
	}
	for _, header := range []string{"company_id", "org_id", "orgId", "match_key", ""} {
		if f, ok := store.ContactFieldByHeader(header); ok {
			t.Errorf("header %q finds %s; an import must not set it", header, f.Name)
		}
	}
}

// TestContactRowHasTheDeclaredColumns reads the GORM row as GORM does: one column per declared
// field, the joined ones read-only.
func TestContactRowHasTheDeclaredColumns(t *testing.T) {
	s, err := schema.Parse(&store.ContactRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Table != "contacts" {
		t.Errorf("the row's table is %q", s.Table)
	}
	var columns []string
	for _, f := range s.Fields {
		if f.DBName != "" {
			columns = append(columns, f.DBName)
		}
	}
	sameSet(t, "the GORM row's columns", columns, "declared columns", declared(func(f store.ContactField) string { return f.Column }))
	for _, f := range store.ContactFieldList {
		rf := s.LookUpField(f.Column)
		if rf == nil {
			continue
		}
		if writes := rf.Creatable || rf.Updatable; writes != (f.Joined == "") {
			t.Errorf("the row writes %s: %v; the declaration says it is joined: %q", f.Column, writes, f.Joined)
		}
		// The row may wrap a type for its column (jsonTags for []string), not change its shape.
		if got, want := rf.FieldType, goType(f); got.Kind() != want.Kind() || !got.ConvertibleTo(want) ||
			got.Kind() == reflect.Pointer && got.Elem().Kind() != want.Elem().Kind() {
			t.Errorf("the row's %s is %v, the declaration says %v", f.Column, got, want)
		}
	}
}

// TestContactTypesHaveTheDeclaredFields compares the store's contact types with the
// declaration: Contact has every field, NewContact and ContactChange those a caller writes,
// each of the declared Go type (a phone as sent is a phone.Number).
func TestContactTypesHaveTheDeclaredFields(t *testing.T) {
	contact := fieldTypes(reflect.TypeFor[store.Contact]())
	sameSet(t, "Contact's fields", keys(contact), "declared fields", declared(func(f store.ContactField) string { return f.Name }))
	writes := declared(func(f store.ContactField) string {
		if f.Writer == store.CallerWrites {
			return f.Name
		}
		return ""
	})
	newContact := fieldTypes(reflect.TypeFor[store.NewContact]())
	sameSet(t, "NewContact's fields", keys(newContact), "fields the caller writes", writes)
	change := fieldTypes(reflect.TypeFor[store.ContactChange]())
	sameSet(t, "ContactChange's fields", keys(change), "fields the caller writes", writes)
	phoneNumber := reflect.TypeFor[phone.Number]()
	for _, f := range store.ContactFieldList {
		want := goType(f)
		if got, ok := contact[f.Name]; ok && got != want {
			t.Errorf("Contact.%s is %v, the declaration says %v", f.Name, got, want)
		}
		sent := want
		if f.Type == store.FieldPhone {
			sent = phoneNumber
		}
		if got, ok := newContact[f.Name]; ok && got != sent {
			t.Errorf("NewContact.%s is %v, the declaration says %v", f.Name, got, sent)
		}
		if got, ok := change[f.Name]; ok {
			if v, ok := got.FieldByName("Value"); !ok || v.Type != sent {
				t.Errorf("ContactChange.%s is %v, the declaration says store.Optional[%v]", f.Name, got, sent)
			}
		}
	}
}

// goType is the Go type of a field in Contact.
func goType(f store.ContactField) reflect.Type {
	t := map[store.FieldType]reflect.Type{
		store.FieldInt64: reflect.TypeFor[int64](), store.FieldInt32: reflect.TypeFor[int32](),
		store.FieldText: reflect.TypeFor[string](), store.FieldEmail: reflect.TypeFor[string](),
		store.FieldPhone: reflect.TypeFor[string](), store.FieldRegion: reflect.TypeFor[string](),
		store.FieldTime: reflect.TypeFor[time.Time](), store.FieldTags: reflect.TypeFor[[]string](),
		store.FieldObject: reflect.TypeFor[json.RawMessage](),
	}[f.Type]
	if f.Nullable && t.Kind() != reflect.Slice { // a nil slice is already absent
		t = reflect.PointerTo(t)
	}
	return t
}

// TestContactFieldsSurviveTheRow sets every field of ContactFields to a value of its own and
// passes it through the GORM row's setFields and contact(): a field either one forgets comes
// back empty.
func TestContactFieldsSurviveTheRow(t *testing.T) {
	var in store.ContactFields
	v := reflect.ValueOf(&in).Elem()
	for i := range v.NumField() {
		setDistinct(v.Field(i), v.Type().Field(i).Name, i)
	}
	out, err := store.ThroughRow(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("through the row:\n in  %s\n out %s", show(in), show(out))
	}
}

// TestContactChangeAppliesEachFieldItSets checks the derived empty and applyFields: each field
// alone makes a change non-empty, and applying it changes that field of ContactFields only.
func TestContactChangeAppliesEachFieldItSets(t *testing.T) {
	if !store.ChangeIsEmpty(store.ContactChange{}) {
		t.Error("the zero change is not empty")
	}
	ct := reflect.TypeFor[store.ContactChange]()
	for i := range ct.NumField() {
		var c store.ContactChange
		field := reflect.ValueOf(&c).Elem().Field(i)
		field.FieldByName("Set").SetBool(true)
		setDistinct(field.FieldByName("Value"), ct.Field(i).Name, i)
		if store.ChangeIsEmpty(c) {
			t.Errorf("a change setting only %s is empty", ct.Field(i).Name)
		}
		got := reflect.ValueOf(store.ApplyChange(c, store.ContactFields{}))
		for j := range got.NumField() {
			name := got.Type().Field(j).Name
			if changed := !got.Field(j).IsZero(); changed != (name == ct.Field(i).Name) {
				t.Errorf("a change setting only %s changes %s: %v", ct.Field(i).Name, name, changed)
			}
		}
	}
}

// TestScanContactReadsEveryDeclaredColumn writes a contact row whose every column holds a
// value of its own, reads it back through contactColumns and scanContact (the lookup's way),
// and through GORM (the rest of the store's way): a destination out of order or missing, or a
// column missing from the list, comes back wrong.
func TestScanContactReadsEveryDeclaredColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		list := newList(t, s, org.ID, "Lista Principal")
		rs, err := schema.Parse(&store.ContactRow{}, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		var want store.ContactRow
		v := reflect.ValueOf(&want).Elem()
		for i, f := range store.ContactFieldList {
			if rf := rs.LookUpField(f.Column); rf != nil {
				setDistinct(v.FieldByIndex(rf.StructField.Index), f.Column, i)
			}
		}
		want.ID, want.OrgID, want.ContactListID, want.ContactListName = 4242, org.ID, list.ID, list.Name
		if err := s.InsertContactRow(ctx, want); err != nil {
			t.Fatal(err)
		}
		rows, err := s.ScanContacts(ctx, org.ID)
		if err != nil || len(rows) != 1 {
			t.Fatalf("scan = %d rows, %v", len(rows), err)
		}
		if got := rows[0]; !sameRow(got, want) {
			t.Errorf("scanContact read\n %s\nwhere the row holds\n %s", show(got), show(want))
		}

		byGORM := must[store.Contact](t)(s.Contact(ctx, org.ID, want.ID))
		l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, want.MatchKey, ""))
		if l.Contact == nil || !reflect.DeepEqual(*l.Contact, byGORM) {
			t.Errorf("the lookup read\n %s\nGORM read\n %s", show(l.Contact), show(byGORM))
		}
	})
}

// sameRow compares two rows field by field, times as instants.
func sameRow(a, b store.ContactRow) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		switch x := x.(type) {
		case time.Time:
			if !x.Equal(y.(time.Time)) {
				return false
			}
		case *time.Time:
			y := y.(*time.Time)
			if (x == nil) != (y == nil) || x != nil && !x.Equal(*y) {
				return false
			}
		default:
			if !reflect.DeepEqual(x, y) {
				return false
			}
		}
	}
	return true
}

// setDistinct sets v, of any type the contact types use, to a value made of name and i that
// no other field gets, and that the store keeps as it is (UTC microseconds, compact JSON,
// tags without repeats).
func setDistinct(v reflect.Value, name string, i int) {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		setDistinct(p.Elem(), name, i)
		v.Set(p)
		return
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2025, 1, 1+i, 10, i, 0, 1000*i, time.UTC)))
	case t == reflect.TypeFor[phone.Number]():
		v.Set(reflect.ValueOf(phone.Number{E164: "+5492235961983", Region: "AR", MatchKey: "549223596198" + fmt.Sprint(i%10)}))
	case t.Kind() == reflect.String:
		v.SetString(name)
	case t.Kind() == reflect.Int64 || t.Kind() == reflect.Int32:
		v.SetInt(int64(100 + i))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		v.Set(reflect.ValueOf([]byte(`{"field":"` + name + `"}`)).Convert(t))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf([]string{name, name + "-2"}).Convert(t))
	default:
		panic(fmt.Sprintf("setDistinct: no value for %s of type %v", name, t))
	}
}

// fieldTypes maps each field of struct t, embedded structs flattened, to its type.
func fieldTypes(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.Anonymous {
			out[f.Name] = f.Type
		}
	}
	return out
}

func declared(name func(store.ContactField) string) []string {
	var out []string
	for _, f := range store.ContactFieldList {
		if n := name(f); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sameSet fails the test unless the two lists hold the same names, saying which differ.
func sameSet(t *testing.T, what string, got []string, wantWhat string, want []string) {
	t.Helper()
	missing, extra := storetest.Difference(got, want)
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s differ from the %s: missing %v, not declared %v", what, wantWhat, missing, extra)
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestContactsTableIsTheDeclaration reads the contacts table the migrations left: a column
// for each declared field that is not joined, of the declared type and nullability.
func TestContactsTableIsTheDeclaration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		table := readSchema(t, s)["contacts"]
		if table == nil {
			t.Fatal("the migrations left no contacts table")
		}
		sameSet(t, "the contacts table's columns", keys(table.columns), "declared columns", declared(func(f store.ContactField) string {
			if f.Joined != "" {
				return ""
			}
			return f.Column
		}))
		for _, f := range store.ContactFieldList {
			col, ok := table.columns[f.Column]
			if !ok {
				continue
			}
			family := map[store.FieldType]string{store.FieldInt64: "integer", store.FieldInt32: "integer", store.FieldTime: "timestamp"}[f.Type]
			if family == "" {
				family = "text" // and JSON, which SQLite keeps as text
			}
			if col.family != family || col.notNull == f.Nullable {
				t.Errorf("column %s is %s, not null %v; the declaration says %s, nullable %v", f.Column, col.family, col.notNull, family, f.Nullable)
			}
		}
	})
}
