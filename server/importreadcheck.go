package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// The bounds of an import row's values: the spec's ImportRow schema (and so POST
// /api/v1/contacts). TestImportBoundsAreTheSpecs holds these to the embedded spec.
const (
	importPhoneMax    = 64    // PhoneInput maxLength
	importTagsMax     = 50    // Tags maxItems
	importTagMax      = 64    // Tags items maxLength
	importSecondsMax  = 86400 // Seconds maximum
	importMetadataMax = 100   // Metadata maxProperties
)

// importTextMax is each text field's maxLength (minLength is 1 for all but email, whose format
// refuses "" anyway).
var importTextMax = map[string]int{
	"FullName": 200, "FirstName": 200, "LastName": 200, // Name
	"Email":  254,                                                                           // Email
	"Source": 100, "Category": 100, "Status": 100, "CampaignID": 100, "LastCallStatus": 100, // Label
	"LastCallFeedback": 10000, "Notes": 10000, // LongText
}

// importColumn is how an import reads one field of the contact.
type importColumn struct {
	field  store.ContactField
	name   string         // as rows and failures name it: the JSON (and CSV) name
	bit    store.FieldSet // in ImportRow.Present; 0 for a field the row does not write
	ignore bool           // read and dropped: the store's fields, and the list (the request's)
	max    int            // a text's most characters
	text   func(*store.ContactFields) **string
}

// importFields are the columns of every field a file may carry, by the field's Go name; built
// once. A text field without a bound or a place in ContactFields stops the server from starting
// (and every test with it) rather than import it unchecked.
var importFields, importJSONFields = func() (map[string]importColumn, []importColumn) {
	byName := map[string]importColumn{}
	var ordered []importColumn
	for _, f := range store.ContactFieldList {
		if f.CSV == "" && f.JSON == "" {
			continue
		}
		col := importColumn{field: f, name: f.JSON, ignore: f.Writer == store.StoreWrites || f.Name == "ListID"}
		if f.Writer == store.CallerWrites && !col.ignore {
			col.bit = store.FieldBit(f.Name)
		}
		if (f.Type == store.FieldText || f.Type == store.FieldEmail) && !col.ignore {
			col.max, col.text = importTextMax[f.Name], contactText(f.Name)
			if col.max == 0 || col.text == nil {
				panic("server: the import has no bound or place for the contact field " + f.Name)
			}
		}
		byName[f.Name] = col
		ordered = append(ordered, col)
	}
	return byName, ordered
}()

// contactText is where ContactFields keeps the text field name.
func contactText(name string) func(*store.ContactFields) **string {
	switch name {
	case "FullName":
		return func(c *store.ContactFields) **string { return &c.FullName }
	case "FirstName":
		return func(c *store.ContactFields) **string { return &c.FirstName }
	case "LastName":
		return func(c *store.ContactFields) **string { return &c.LastName }
	case "Email":
		return func(c *store.ContactFields) **string { return &c.Email }
	case "Source":
		return func(c *store.ContactFields) **string { return &c.Source }
	case "Category":
		return func(c *store.ContactFields) **string { return &c.Category }
	case "Status":
		return func(c *store.ContactFields) **string { return &c.Status }
	case "CampaignID":
		return func(c *store.ContactFields) **string { return &c.CampaignID }
	case "LastCallStatus":
		return func(c *store.ContactFields) **string { return &c.LastCallStatus }
	case "LastCallFeedback":
		return func(c *store.ContactFields) **string { return &c.LastCallFeedback }
	case "Notes":
		return func(c *store.ContactFields) **string { return &c.Notes }
	}
	return nil
}

var (
	phoneBit    = store.FieldBit("Phone")
	emptyObject = json.RawMessage("{}")
)

// rowChecker turns raw rows into checked rows, the same way for every row of one file; the
// workers share it and never change it.
type rowChecker struct {
	region  string // for national spellings in rows without a countryCode
	format  importFormat
	columns []importColumn // a CSV's, one per header cell
}

func (c *rowChecker) check(raw *rawRow) (store.ImportRow, *store.RowError) {
	if c.format == importCSV {
		return c.csvRow(raw)
	}
	return c.jsonRow(raw)
}

// rowBuild is one row being checked; the first problem fails it.
type rowBuild struct {
	checker  *rowChecker
	row      store.ImportRow
	rawPhone string
	hasPhone bool
	region   string // the row's countryCode; "" for the request's
	fail     *rowProblem
}

type rowProblem struct{ field, reason string }

func (b *rowBuild) problem(field, reason string) { b.fail = &rowProblem{field, reason} }

func (b *rowBuild) failed(field, reason string) (store.ImportRow, *store.RowError) {
	return store.ImportRow{}, &store.RowError{Row: b.row.Row, Line: b.row.Line, Field: field, Reason: reason}
}

func (b *rowBuild) phone(s string) {
	b.hasPhone = true
	if reason := checkText(s, 1, importPhoneMax); reason != "" {
		b.problem("phone", reason)
		return
	}
	b.rawPhone = s
}

// setRegion takes the row's countryCode: the region its phone is read under.
func (b *rowBuild) setRegion(s string) {
	if !phone.ValidRegion(s) {
		b.problem("countryCode", "is not an ISO 3166-1 region with phone numbers")
		return
	}
	b.region = s
}

// text sets a text field; nil clears it.
func (b *rowBuild) text(col *importColumn, s *string) {
	if s != nil {
		if reason := checkText(*s, 1, col.max); reason != "" {
			b.problem(col.name, reason)
			return
		}
		if col.field.Type == store.FieldEmail && validEmail(*s) != nil {
			b.problem(col.name, "is not an email address")
			return
		}
	}
	*col.text(&b.row.ContactFields) = s
}

func (b *rowBuild) tags(col *importColumn, tags []string) {
	if len(tags) > importTagsMax {
		b.problem(col.name, fmt.Sprintf("has %d tags, more than %d", len(tags), importTagsMax))
		return
	}
	for i, t := range tags {
		if reason := checkText(t, 1, importTagMax); reason != "" {
			b.problem(col.name, fmt.Sprintf("tag %d %s", i+1, reason))
			return
		}
	}
	b.row.Tags = tags
}

// secondsText sets lastCallDuration from its decimal spelling.
func (b *rowBuild) secondsText(col *importColumn, s string) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s[0] == '+' {
		b.problem(col.name, "is not a whole number of seconds")
		return
	}
	b.seconds(col, n)
}

// seconds sets lastCallDuration.
func (b *rowBuild) seconds(col *importColumn, n int64) {
	if n < 0 || n > importSecondsMax {
		b.problem(col.name, fmt.Sprintf("must be between 0 and %d seconds", importSecondsMax))
		return
	}
	v := int32(n)
	b.row.LastCallDuration = &v
}

// time sets lastCallAt from RFC 3339, as validDateTime accepts it.
func (b *rowBuild) time(col *importColumn, s string) {
	if err := validDateTime(s); err != nil {
		b.problem(col.name, err.Error())
		return
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	b.row.LastCallAt = &t
}

// metadata sets metadata from a JSON object's text, kept as sent (compacted).
func (b *rowBuild) metadata(col *importColumn, raw []byte) {
	obj, reason := checkObject(raw)
	if reason != "" {
		b.problem(col.name, reason)
		return
	}
	b.row.Metadata = obj
}

// finish reads the phone, once the row's countryCode is known.
func (b *rowBuild) finish() (store.ImportRow, *store.RowError) {
	if !b.hasPhone {
		return b.failed("phone", "is required")
	}
	region := b.region
	if region == "" {
		region = b.checker.region
	}
	n, err := phone.Parse(b.rawPhone, region)
	if err != nil {
		reason, ok := phoneProblem(err)
		if !ok {
			reason = "cannot be read"
		}
		return b.failed("phone", reason)
	}
	b.row.Phone = n
	b.row.Present |= phoneBit
	return b.row, nil
}

// checkText says what is wrong with a text value for a field of min..max characters (runes,
// as JSON Schema counts them), or "".
func checkText(s string, min, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains the NUL character, which cannot be stored"
	}
	// Counting runes costs a pass; a string of at most max bytes has at most max runes.
	n := len(s)
	if n > max {
		n = utf8.RuneCountInString(s)
	}
	switch {
	case n < min:
		return "is empty"
	case n > max:
		return fmt.Sprintf("is longer than %d characters", max)
	}
	return ""
}

// checkObject says whether raw is a JSON object metadata may hold, and returns it compacted.
func checkObject(raw []byte) (json.RawMessage, string) {
	if !utf8.Valid(raw) {
		return nil, "is not valid UTF-8"
	}
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, "must be a JSON object"
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, "is not a JSON object: " + err.Error()
	}
	if len(props) > importMetadataMax {
		return nil, fmt.Sprintf("has %d properties, more than %d", len(props), importMetadataMax)
	}
	if reason := badEscape(raw); reason != "" {
		return nil, reason
	}
	var out bytes.Buffer
	out.Grow(len(raw))
	if err := json.Compact(&out, raw); err != nil {
		return nil, "is not a JSON object: " + err.Error()
	}
	return out.Bytes(), ""
}

// badEscape finds the \u escapes of valid JSON text that PostgreSQL's jsonb refuses (SQLite
// keeps them, so the two would disagree): \u0000, and a UTF-16 surrogate without its pair.
func badEscape(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return ""
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character; an escaped backslash is skipped whole
		if i >= len(raw) || raw[i] != 'u' || i+4 >= len(raw) {
			continue
		}
		r, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
		if err != nil {
			continue
		}
		i += 4
		switch {
		case r == 0:
			return "contains the NUL character (\\u0000), which cannot be stored"
		case r >= 0xDC00 && r <= 0xDFFF:
			return "contains a lone UTF-16 surrogate escape, which cannot be stored"
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return "contains a lone UTF-16 surrogate escape, which cannot be stored"
			}
			lo, err := strconv.ParseUint(string(raw[i+3:i+7]), 16, 16)
			if err != nil || lo < 0xDC00 || lo > 0xDFFF {
				return "contains a lone UTF-16 surrogate escape, which cannot be stored"
			}
			i += 6
		}
	}
	return ""
}
