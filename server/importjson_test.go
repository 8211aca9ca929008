package server

import (
	"io"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
)

// TestImportNDJSONRows: keys as the spec spells them, null clearing a field, an exported
// contact's keys accepted, blank lines skipped and counted as lines.
func TestImportNDJSONRows(t *testing.T) {
	body := "\uFEFF" + `{"phone":"+54 223 15-596-1983","fullName":"Juan Perez","tags":["lead","vip"],"metadata":{"a": 12345678901234567},"lastCallDuration":30,"lastCallAt":"2025-03-28T14:22:00Z"}` + "\n" +
		"   \r\n" +
		"\n" +
		`{"phone":"(11) 98765-4321","countryCode":"BR","email":null,"notes":"a\u00e9\nb","id":1,"contactListId":2,"contactListName":"x","createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z","lastCallDuration":null,"lastCallAt":null}` + "\r\n" +
		`{"phone":"5215512345678","countryCode":null}` // no newline at the end
	res := readImport(t, strings.NewReader(body), importNDJSON, "AR", importLimits{})
	if res.err != io.EOF || len(res.failed) != 0 || len(res.rows) != 3 {
		t.Fatalf("rows %+v, failed %+v, end %v", res.rows, res.failed, res.err)
	}
	r := res.rows[0]
	if r.Row != 1 || r.Line != 1 || r.Phone.E164 != "+5492235961983" || *r.FullName != "Juan Perez" ||
		strings.Join(r.Tags, ",") != "lead,vip" || string(r.Metadata) != `{"a":12345678901234567}` ||
		*r.LastCallDuration != 30 || r.LastCallAt == nil ||
		r.Present != store.FieldBit("Phone")|store.FieldBit("FullName")|store.FieldBit("Tags")|store.FieldBit("Metadata")|store.FieldBit("LastCallDuration")|store.FieldBit("LastCallAt") {
		t.Fatalf("first row %+v", r)
	}
	r = res.rows[1]
	want := store.FieldBit("Phone") | store.FieldBit("Email") | store.FieldBit("Notes") | store.FieldBit("LastCallDuration") | store.FieldBit("LastCallAt")
	if r.Row != 2 || r.Line != 4 || r.Phone.E164 != "+5511987654321" || r.Email != nil || *r.Notes != "aé\nb" ||
		r.LastCallDuration != nil || r.LastCallAt != nil || r.Present != want {
		t.Fatalf("second row %+v, present %b want %b", r, r.Present, want)
	}
	if r = res.rows[2]; r.Row != 3 || r.Line != 5 || r.Phone.E164 != "+525512345678" || r.Present != store.FieldBit("Phone") {
		t.Fatalf("third row %+v", r)
	}
}

// jsonBadRows are objects that fail alone, in NDJSON and in a JSON array alike.
var jsonBadRows = []struct{ name, row, field, reason string }{
	{"no phone", `{"fullName":"x"}`, "phone", "is required"},
	{"phone a number", `{"phone":5491155550000}`, "phone", "must be a string"},
	{"phone null", `{"phone":null}`, "phone", "must be a string"},
	{"phone empty", `{"phone":""}`, "phone", "is empty"},
	{"phone invalid", `{"phone":"+54 9 000 000 0000"}`, "phone", "is not a valid number"},
	{"unknown key", `{"phone":"+5491155550000","Phone":"x","zz":1}`, "Phone", "is not a field"},
	{"an alias is not a key", `{"phone":"+5491155550000","full_name":"x"}`, "full_name", "is not a field"},
	{"name a number", `{"phone":"+5491155550000","fullName":1}`, "fullName", "must be a string"},
	{"name empty", `{"phone":"+5491155550000","fullName":""}`, "fullName", "is empty"},
	{"name too long", `{"phone":"+5491155550000","fullName":"` + strings.Repeat("ñ", 201) + `"}`, "fullName", "longer than 200"},
	{"escaped NUL", `{"phone":"+5491155550000","notes":"a\u0000b"}`, "notes", "NUL"},
	{"email", `{"phone":"+5491155550000","email":"nope"}`, "email", "is not an email address"},
	{"tags a string", `{"phone":"+5491155550000","tags":"a;b"}`, "tags", "must be an array of strings"},
	{"tags null", `{"phone":"+5491155550000","tags":null}`, "tags", "must be an array of strings"},
	{"tag null", `{"phone":"+5491155550000","tags":["a",null]}`, "tags", "tag 2 must be a string"},
	{"tag empty", `{"phone":"+5491155550000","tags":["a",""]}`, "tags", "tag 2 is empty"},
	{"duration string", `{"phone":"+5491155550000","lastCallDuration":"30"}`, "lastCallDuration", "whole number"},
	{"duration fraction", `{"phone":"+5491155550000","lastCallDuration":1.5}`, "lastCallDuration", "whole number"},
	{"duration over", `{"phone":"+5491155550000","lastCallDuration":86401}`, "lastCallDuration", "between 0 and 86400"},
	{"time", `{"phone":"+5491155550000","lastCallAt":"yesterday"}`, "lastCallAt", "RFC 3339"},
	{"metadata array", `{"phone":"+5491155550000","metadata":[]}`, "metadata", "must be a JSON object"},
	{"metadata null", `{"phone":"+5491155550000","metadata":null}`, "metadata", "must be a JSON object"},
	{"metadata escaped NUL key", `{"phone":"+5491155550000","metadata":{"\u0000":1}}`, "metadata", "NUL"},
	{"metadata an escaped backslash is no escape", `{"phone":"+5491155550000","metadata":{"a":"\\u0000"},"status":""}`, "status", "is empty"},
	{"countryCode", `{"phone":"+5491155550000","countryCode":"ZZ"}`, "countryCode", "region"},
	{"countryCode a number", `{"phone":"+5491155550000","countryCode":54}`, "countryCode", "must be a string"},
	{"id a string", `{"phone":"+5491155550000","id":"7"}`, "id", "must be an integer"},
	{"list name a number", `{"phone":"+5491155550000","contactListName":7}`, "contactListName", "must be a string"},
	{"not an object", `["+5491155550000"]`, "", "is not a JSON object"},
	{"a string", `"+5491155550000"`, "", "is not a JSON object"},
	{"not UTF-8", "{\"phone\":\"+5491155550000\",\"notes\":\"\xff\"}", "", "UTF-8"},
}

func TestImportNDJSONBadRows(t *testing.T) {
	rows := append(jsonBadRows[:len(jsonBadRows):len(jsonBadRows)],
		struct{ name, row, field, reason string }{"not JSON", `{"phone":`, "", "is not valid JSON"},
		struct{ name, row, field, reason string }{"two objects", `{"phone":"+5491155550000"}{}`, "", "is not valid JSON"},
	)
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"phone":"+5491155550001"}` + "\n\n" + tc.row + "\n" + `{"phone":"+5491155550002"}` + "\n"
			res := readImport(t, strings.NewReader(body), importNDJSON, "AR", importLimits{})
			if res.err != io.EOF || len(res.rows) != 2 || len(res.failed) != 1 {
				t.Fatalf("rows %+v, failed %+v, end %v", res.rows, res.failed, res.err)
			}
			f := res.failed[0]
			if f.Row != 2 || f.Line != 3 || f.Field != tc.field || !strings.Contains(f.Reason, tc.reason) {
				t.Fatalf("failed %+v, want row 2, line 3, field %q, reason with %q", f, tc.field, tc.reason)
			}
		})
	}
}

// TestImportNDJSONLongLine: a line over the limit fails as a row, and the next is read.
func TestImportNDJSONLongLine(t *testing.T) {
	lim := defaultImportLimits()
	lim.rowBytes = 100 << 10 // more than the reader's buffer, so a line takes several reads
	long := `{"phone":"+5491155550000","notes":"` + strings.Repeat("x", int(lim.rowBytes)) + `"}`
	head, tail := `{"phone":"+5491155550000","metadata":{"a":"`, `"}}`
	exact := head + strings.Repeat("x", int(lim.rowBytes)-len(head)-len(tail)) + tail // a line of the limit exactly
	body := &countingBody{r: strings.NewReader(long + "\r\n" + exact + "\r\n" + `{"phone":"+5491155550001"}` + "\n" + long)}
	res := readImport(t, body, importNDJSON, "AR", lim)
	if res.err != io.EOF || len(res.rows) != 2 || len(res.failed) != 2 {
		t.Fatalf("rows %d, failed %+v, end %v", len(res.rows), res.failed, res.err)
	}
	for i, line := range []int64{1, 4} {
		if f := res.failed[i]; f.Line != line || f.Row != line || f.Reason != "is longer than 102400 bytes" {
			t.Fatalf("failed %+v, want line %d too long", f, line)
		}
	}
	if res.rows[0].Line != 2 || len(exact) != int(lim.rowBytes) || string(res.rows[0].Metadata) != exact[len(`{"phone":"+5491155550000","metadata":`):len(exact)-1] || res.rows[1].Line != 3 {
		t.Fatalf("rows at lines %d and %d", res.rows[0].Line, res.rows[1].Line)
	}
}

func TestImportJSONArrayRows(t *testing.T) {
	var elems []string
	elems = append(elems, `{"phone":"+5491155550001","fullName":"a"}`)
	for _, tc := range jsonBadRows {
		elems = append(elems, tc.row)
	}
	elems = append(elems, `{"phone":"+5491155550002","tags":[]}`)
	body := "\uFEFF [\n" + strings.Join(elems, ",\n") + "\n] \n"
	res := readImport(t, strings.NewReader(body), importJSON, "AR", importLimits{})
	if res.err != io.EOF || len(res.rows) != 2 || len(res.failed) != len(jsonBadRows) {
		t.Fatalf("rows %+v, failed %+v, end %v", res.rows, res.failed, res.err)
	}
	if r := res.rows[1]; r.Row != int64(len(elems)) || r.Line != 0 || r.Tags == nil || r.Present != store.FieldBit("Phone")|store.FieldBit("Tags") {
		t.Fatalf("last row %+v", r)
	}
	for i, tc := range jsonBadRows {
		if f := res.failed[i]; f.Row != int64(i+2) || f.Line != 0 || f.Field != tc.field || !strings.Contains(f.Reason, tc.reason) {
			t.Fatalf("%s: failed %+v, want row %d, field %q, reason with %q", tc.name, f, i+2, tc.field, tc.reason)
		}
	}
	if res := readImport(t, strings.NewReader("[]"), importJSON, "AR", importLimits{}); res.err != io.EOF || len(res.batches) != 0 {
		t.Fatalf("an empty array: %+v", res)
	}
}

// TestImportJSONArrayBroken: a body that stops being JSON ends the file, after the elements
// before it.
func TestImportJSONArrayBroken(t *testing.T) {
	ok := `{"phone":"+5491155550001"}`
	for _, tc := range []struct {
		name, body, message string
		rows                int
	}{
		{"syntax error midway", "[" + ok + "," + ok + ",{\"phone\" \"x\"}," + ok + "]", "after 55 bytes, the element that starts there is not JSON: invalid character", 2},
		{"missing comma", "[" + ok + " " + ok + "]", "after 28 bytes, the element that starts there is not JSON: expected comma after array element", 1},
		{"truncated", "[" + ok + "," + ok, "after 54 bytes, the body ends before the array does", 2},
		{"truncated element", "[" + ok + ",{\"pho", "the body ends before the array does", 1},
		{"trailing data", "[" + ok + "] []", "after 28 bytes, the array has ended, and more JSON follows it", 1},
		{"an object", ok, "the body is not a JSON array", 0},
		{"empty", " ", "the body is empty", 0},
		{"a huge number", "1e400", "the body is not a JSON array", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readImport(t, strings.NewReader(tc.body), importJSON, "AR", importLimits{})
			fe := fileError(t, res.err)
			if !strings.Contains(fe.Message, tc.message) || fe.Line != 0 {
				t.Fatalf("error %+v, want one with %q", fe, tc.message)
			}
			if len(res.rows) != tc.rows {
				t.Fatalf("%d rows before the error, want %d", len(res.rows), tc.rows)
			}
		})
	}
}

// TestImportJSONArrayHugeElement: one element of 10 MB ends the file, having read little more
// than the longest row allowed.
func TestImportJSONArrayHugeElement(t *testing.T) {
	head := `[{"phone":"+5491155550001"},{"phone":"+5491155550002","notes":"`
	body := &countingBody{r: io.MultiReader(strings.NewReader(head), &repeatReader{'x', 10 << 20}, strings.NewReader(`"}]`))}
	res := readImport(t, body, importJSON, "AR", importLimits{})
	fe := fileError(t, res.err)
	if !strings.Contains(fe.Message, "after 28 bytes, an element of the array is longer than 1048576 bytes") || len(res.rows) != 1 {
		t.Fatalf("error %+v after %d rows", fe, len(res.rows))
	}
	if limit := int64(len(head)) + importMaxRowBytes + 16<<10; body.n > limit {
		t.Fatalf("read %d bytes of the body, want at most %d", body.n, limit)
	}
}
