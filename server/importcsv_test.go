package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
)

func TestImportCSVRows(t *testing.T) {
	// A byte order mark, headers in other cases and in their snake_case aliases, an export's
	// columns that are ignored, blank lines, a quoted cell over three lines.
	body := "\uFEFFPHONE_NUMBER,Full_Name,email,TAG_NAME,countryCode,lastCallDuration,last_call_at,metadata,id,contactListId,contactListName,createdAt,notes\n" +
		"\n" +
		"+54 223 15-596-1983,Juan Perez,juan@ejemplo.com, lead ; vip|| x ,,30,2025-03-28T14:22:00Z,\"{\"\"a\"\": 12345678901234567}\",7,99,Other list,whenever,\"one\ntwo\nthree\"\n" +
		"\r\n" +
		"(11) 98765-4321,,,,BR,,,,,,,,\n" +
		"55 1234 5678,Ana,,,mx,,,,,,,,\n"
	res := readImport(t, strings.NewReader(body), importCSV, "AR", importLimits{})
	if res.err != io.EOF || len(res.failed) != 0 || len(res.rows) != 3 {
		t.Fatalf("rows %+v, failed %+v, end %v", res.rows, res.failed, res.err)
	}
	r := res.rows[0]
	if r.Row != 1 || r.Line != 3 || r.Phone.E164 != "+5492235961983" || *r.FullName != "Juan Perez" ||
		*r.Email != "juan@ejemplo.com" || strings.Join(r.Tags, ",") != "lead,vip,x" ||
		*r.LastCallDuration != 30 || r.LastCallAt.Format("2006-01-02T15:04:05Z07:00") != "2025-03-28T14:22:00Z" ||
		string(r.Metadata) != `{"a":12345678901234567}` || *r.Notes != "one\ntwo\nthree" {
		t.Fatalf("first row %+v", r)
	}
	want := store.FieldBit("Phone") | store.FieldBit("FullName") | store.FieldBit("Email") | store.FieldBit("Tags") |
		store.FieldBit("LastCallDuration") | store.FieldBit("LastCallAt") | store.FieldBit("Metadata") | store.FieldBit("Notes")
	if r.Present != want {
		t.Fatalf("present %b, want %b (the columns the caller writes, not countryCode or the export's)", r.Present, want)
	}
	// Empty cells: absent values, but a present tags or metadata column clears them.
	r = res.rows[1]
	if r.Row != 2 || r.Line != 7 || r.Phone.E164 != "+5511987654321" || r.FullName != nil || r.Email != nil ||
		r.Tags == nil || len(r.Tags) != 0 || string(r.Metadata) != "{}" || r.LastCallAt != nil || r.Notes != nil || r.Present != want {
		t.Fatalf("second row %+v (line %d)", r, r.Line)
	}
	if r = res.rows[2]; r.Row != 3 || r.Line != 8 || r.Phone.E164 != "+525512345678" {
		t.Fatalf("third row %+v, want the MX number its countryCode reads", r)
	}
}

// TestImportCSVExportHeader: the header the export writes is one the import reads.
func TestImportCSVExportHeader(t *testing.T) {
	body := strings.Join(csvHeader, ",") + "\n"
	row := make([]string, len(csvHeader))
	for i, h := range csvHeader {
		switch h {
		case "phone":
			row[i] = "+5492235961983"
		case "countryCode":
			row[i] = "AR"
		case "tags":
			row[i] = "a;b"
		}
	}
	body += strings.Join(row, ",") + "\n"
	res := readImport(t, strings.NewReader(body), importCSV, "", importLimits{})
	if res.err != io.EOF || len(res.rows) != 1 {
		t.Fatalf("rows %+v, failed %+v, end %v", res.rows, res.failed, res.err)
	}
}

func TestImportCSVHeaderRefused(t *testing.T) {
	for _, tc := range []struct{ name, body, field, message string }{
		{"unknown", "phone,company_id\n", "company_id", "is not a contact field"},
		{"empty header", "phone,,email\n", "", "is not a contact field"},
		{"twice", "phone,fullName,FULL_NAME\n", "FULL_NAME", `names the field fullName, which the column "fullName" names already`},
		{"twice by alias", "phone,Phone_Number\n", "Phone_Number", "names the field phone"},
		{"no phone", "fullName,email\n", "phone", "no phone column"},
		{"no header", "", "", "is empty"},
		{"only a BOM", "\uFEFF", "", "is empty"},
		{"not CSV", "phone,\"full\"Name\n", "", "not CSV: line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openImport(context.Background(), strings.NewReader(tc.body), importCSV, "AR")
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				t.Fatalf("got %v, want a 400", err)
			}
			f := ae.Details["fields"].([]fieldError)[0]
			if f.Field != tc.field || f.In != "body" || !strings.Contains(f.Message, tc.message) {
				t.Fatalf("got %+v, want field %q and a message with %q", f, tc.field, tc.message)
			}
		})
	}
}

// TestImportCSVBadRows: each kind of bad value fails its row alone, naming the field as the
// API does; the rows around it are read.
func TestImportCSVBadRows(t *testing.T) {
	header := "phone,Full_Name,email,tags,countryCode,lastCallDuration,lastCallAt,metadata,status,notes"
	for _, tc := range []struct{ name, row, field, reason string }{
		{"no phone", ",,,,,,,,,", "phone", "is empty"},
		{"letters", "call me,,,,,,,,,", "phone", "contains letters"},
		{"phone too long", strings.Repeat("1", 65) + ",,,,,,,,,", "phone", "is longer than 64 characters"},
		{"invalid for region", "123,,,,,,,,,", "phone", "is "},
		{"name too long", "+5491155550000," + strings.Repeat("é", 201) + ",,,,,,,,", "fullName", "is longer than 200 characters"},
		{"name of 200", "+5491155550000," + strings.Repeat("é", 200) + ",x,,,,,,,", "email", "is not an email address"},
		{"email with a name", "+5491155550000,,Juan <juan@ejemplo.com>,,,,,,,", "email", "is not an email address"},
		{"too many tags", "+5491155550000,,," + strings.Repeat("t;", 51) + ",,,,,,", "tags", "more than 50"},
		{"tag too long", "+5491155550000,,,a|" + strings.Repeat("t", 65) + ",,,,,,", "tags", "tag 2 is longer than 64 characters"},
		{"bad region", "+5491155550000,,,,XX,,,,,", "countryCode", "is not an ISO 3166-1 region"},
		{"duration text", "+5491155550000,,,,,ten,,,,", "lastCallDuration", "is not a whole number"},
		{"duration fraction", "+5491155550000,,,,,1.5,,,,", "lastCallDuration", "is not a whole number"},
		{"duration over", "+5491155550000,,,,,86401,,,,", "lastCallDuration", "between 0 and 86400"},
		{"duration negative", "+5491155550000,,,,,-1,,,,", "lastCallDuration", "between 0 and 86400"},
		{"time", "+5491155550000,,,,,,2025-03-28 14:22,,,", "lastCallAt", "RFC 3339"},
		{"time out of range", "+5491155550000,,,,,,9999-12-31T23:59:59-12:00,,,", "lastCallAt", "between the years"},
		{"metadata not JSON", "+5491155550000,,,,,,,{a},,", "metadata", "is not a JSON object"},
		{"metadata an array", "+5491155550000,,,,,,,[1],,", "metadata", "must be a JSON object"},
		{"metadata NUL", `+5491155550000,,,,,,,"{""a"":""\u0000""}",,`, "metadata", "NUL"},
		{"metadata surrogate", `+5491155550000,,,,,,,"{""a"":""\ud800""}",,`, "metadata", "surrogate"},
		{"metadata too big", "+5491155550000,,,,,,,\"{" + manyProps(101) + "}\",,", "metadata", "more than 100"},
		{"label too long", "+5491155550000,,,,,,,," + strings.Repeat("s", 101) + ",", "status", "is longer than 100 characters"},
		{"NUL", "+5491155550000,,,,,,,,,a\x00b", "notes", "NUL"},
		{"not UTF-8", "+5491155550000,,,,,,,,,a\xffb", "notes", "UTF-8"},
		{"too few fields", "+5491155550000,a", "", "expected 10 as in the header, got 2"},
		{"too many fields", "+5491155550000,,,,,,,,,,", "", "expected 10 as in the header, got 11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := header + "\n+5491155550001,,,,,,,,,\n" + tc.row + "\n+5491155550002,,,,,,,,,\n"
			res := readImport(t, strings.NewReader(body), importCSV, "AR", importLimits{})
			if res.err != io.EOF || len(res.rows) != 2 || len(res.failed) != 1 {
				t.Fatalf("rows %+v, failed %+v, end %v", res.rows, res.failed, res.err)
			}
			f := res.failed[0]
			if f.Row != 2 || f.Line != 3 || f.Field != tc.field || !strings.Contains(f.Reason, tc.reason) {
				t.Fatalf("failed %+v, want row 2, line 3, field %q, reason with %q", f, tc.field, tc.reason)
			}
		})
	}
	// The bounds themselves are fine.
	body := header + "\n" + "+5491155550000," + strings.Repeat("é", 200) + ",a@b.co," + strings.Repeat("t;", 50) +
		",,86400,,\"{" + manyProps(100) + "}\"," + strings.Repeat("s", 100) + "," + strings.Repeat("n", 10000) + "\n"
	if res := readImport(t, strings.NewReader(body), importCSV, "AR", importLimits{}); len(res.rows) != 1 {
		t.Fatalf("a row at every bound: %+v", res.failed)
	}
}

func manyProps(n int) string {
	props := make([]string, n)
	for i := range props {
		props[i] = `""p` + string(rune('a'+i/26%26)) + string(rune('a'+i%26)) + string(rune('a'+i/676)) + `"":1`
	}
	return strings.Join(props, ",")
}

// TestImportCSVMismatchedQuote: a quote that opens and never closes ends the file where it
// opened; the rows before it were read.
func TestImportCSVMismatchedQuote(t *testing.T) {
	body := "phone,notes\n+5491155550000,ok\n\n+5491155550001,\"open\nand on\n+5491155550002,x\n"
	res := readImport(t, strings.NewReader(body), importCSV, "AR", importLimits{})
	fe := fileError(t, res.err)
	if fe.Line != 4 || !strings.HasPrefix(fe.Message, "line 4: ") || len(res.rows) != 1 {
		t.Fatalf("error %+v after %d rows, want one at line 4 after 1", fe, len(res.rows))
	}
	body = "phone,notes\n+5491155550000,ok\n+5491155550001,bare \" quote\n"
	fe = fileError(t, readImport(t, strings.NewReader(body), importCSV, "AR", importLimits{}).err)
	if fe.Line != 3 || fe.Message != `line 3: bare " in non-quoted-field` {
		t.Fatalf("error %+v", fe)
	}
}

// countingBody counts what is read of it since mark was last called.
type countingBody struct {
	r       io.Reader
	n, most int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.most = max(b.most, b.n)
	return n, err
}

// repeatReader is n bytes of c, without holding them.
type repeatReader struct {
	c byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	for i := range p {
		p[i] = r.c
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// TestImportCSVHugeField: 10 MB in one cell ends the file after reading little more than the
// longest row allowed, whether the cell is quoted or not.
func TestImportCSVHugeField(t *testing.T) {
	for _, quote := range []string{"", `"`} {
		head := "phone,notes\n+5491155550000,ok\n\n+5491155550001," + quote
		body := &countingBody{r: io.MultiReader(strings.NewReader(head), &repeatReader{'x', 10 << 20}, strings.NewReader(quote+"\n"))}
		res := readImport(t, body, importCSV, "AR", importLimits{})
		fe := fileError(t, res.err)
		if fe.Line != 4 || !strings.Contains(fe.Message, "line 4: a row is longer than 1048576 bytes") || len(res.rows) != 1 {
			t.Fatalf("error %+v after %d rows", fe, len(res.rows))
		}
		if limit := int64(len(head)) + importMaxRowBytes + 16<<10; body.n > limit {
			t.Fatalf("read %d bytes of the body, want at most %d", body.n, limit)
		}
	}
}
