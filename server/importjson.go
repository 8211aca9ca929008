package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wagate/wagate/store"
)

// ndjsonSource reads an NDJSON import a line at a time. A line too long fails as a row and the
// rest of it is skipped, so the file goes on; nothing longer than the limit is ever held.
type ndjsonSource struct {
	r    *bufio.Reader
	max  int
	line int64
}

func newNDJSONSource(body io.Reader, rowBytes int64) *ndjsonSource {
	return &ndjsonSource{r: bufio.NewReaderSize(body, 64<<10), max: int(rowBytes)}
}

func (s *ndjsonSource) next() (rawRow, error) {
	for {
		text, tooLong, err := s.readLine()
		if err != nil && (err != io.EOF || len(text) == 0 && !tooLong) {
			return rawRow{}, err
		}
		s.line++
		if s.line == 1 {
			text = bytes.TrimPrefix(text, []byte("\uFEFF"))
		}
		if tooLong {
			return rawRow{line: s.line, fail: fmt.Sprintf("is longer than %d bytes", s.max)}, nil
		}
		if len(bytes.TrimSpace(text)) == 0 {
			if err == io.EOF {
				return rawRow{}, io.EOF
			}
			continue
		}
		return rawRow{line: s.line, text: text}, nil
	}
}

// readLine reads a line without its end ("\n" or "\r\n"). A line longer than max is read to its
// end and dropped: tooLong. err is io.EOF for a last line without a newline (text holds it).
func (s *ndjsonSource) readLine() (text []byte, tooLong bool, err error) {
	var line []byte
	for {
		var part []byte
		part, err = s.r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(part) > s.max+2 { // +2: the line's end ("\r\n") is not the row's
				tooLong, line = true, nil
			} else {
				line = append(line, part...)
			}
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
	}
	if tooLong {
		return nil, true, err
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) > s.max {
		return nil, true, err
	}
	return line, false, err
}

// jsonArraySource reads an import that is one JSON array, an element at a time: json.Decoder
// holds one element, never the array.
type jsonArraySource struct {
	in      *rowLimitReader
	dec     *json.Decoder
	skipped int64 // the byte order mark's length: the decoder's offsets start after it
	started bool  // the array's '[' was read
	ended   bool
}

func newJSONArraySource(in *rowLimitReader) *jsonArraySource {
	br := bufio.NewReaderSize(in, 4096)
	s := &jsonArraySource{in: in, dec: json.NewDecoder(br)}
	s.dec.UseNumber() // a number where the array should start is a wrong body, not a float64 overflow
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
		s.skipped = 3
	}
	return s
}

func (s *jsonArraySource) next() (rawRow, error) {
	if s.ended {
		return rawRow{}, io.EOF
	}
	if !s.started {
		s.started = true
		tok, err := s.dec.Token()
		if err != nil {
			if err == io.EOF {
				return rawRow{}, &importFileError{Message: "the body is empty: a JSON import is one array of contacts"}
			}
			return rawRow{}, s.problem(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return rawRow{}, &importFileError{Message: "the body is not a JSON array: a JSON import is one array of contacts"}
		}
	}
	if !s.dec.More() {
		return rawRow{}, s.end()
	}
	var text json.RawMessage
	if err := s.dec.Decode(&text); err != nil {
		return rawRow{}, s.problem(err)
	}
	s.in.mark(s.skipped + s.dec.InputOffset())
	return rawRow{text: text}, nil
}

// end reads the array's ']' and makes sure nothing but space follows it.
func (s *jsonArraySource) end() error {
	if _, err := s.dec.Token(); err != nil {
		if err == io.EOF {
			return &importFileError{Message: fmt.Sprintf("after %d bytes, the body ends before the array does", s.skipped+s.dec.InputOffset())}
		}
		return s.problem(err)
	}
	at := s.skipped + s.dec.InputOffset()
	if _, err := s.dec.Token(); err != io.EOF {
		if err != nil {
			return s.problem(err)
		}
		return &importFileError{Message: fmt.Sprintf("after %d bytes, the array has ended, and more JSON follows it", at)}
	}
	s.ended = true
	return io.EOF
}

// problem words a failure of the decoder as the file's error; the body's own failures pass.
func (s *jsonArraySource) problem(err error) error {
	if s.in.err != nil && errors.Is(err, s.in.err) {
		return err
	}
	// Counting lines would cost a pass over every byte; the offset costs nothing.
	at := s.skipped + s.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errRowTooLong):
		return &importFileError{Message: fmt.Sprintf("after %d bytes, an element of the array is longer than %d bytes", at, s.in.max-rowReadAhead)}
	case errors.As(err, &se):
		return &importFileError{Message: fmt.Sprintf("after %d bytes, the element that starts there is not JSON: %v", at, se)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &importFileError{Message: fmt.Sprintf("after %d bytes, the body ends before the array does", at)}
	}
	return &importFileError{Message: fmt.Sprintf("after %d bytes, the body is not a JSON array: %v", at, err)}
}

// jsonRow checks an ImportRow object, from an NDJSON line or an element of a JSON array. A key
// left out leaves the field as it is; null clears it.
func (c *rowChecker) jsonRow(raw *rawRow) (store.ImportRow, *store.RowError) {
	b := rowBuild{checker: c, row: store.ImportRow{Row: raw.row, Line: raw.line}}
	if raw.fail != "" {
		return b.failed("", raw.fail)
	}
	if !utf8.Valid(raw.text) {
		return b.failed("", "is not valid UTF-8")
	}
	if t := bytes.TrimLeft(raw.text, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return b.failed("", "is not a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw.text, &obj); err != nil {
		return b.failed("", "is not valid JSON: "+err.Error())
	}
	if key, ok := unknownKey(obj); ok {
		return b.failed(reportedKey(key), "is not a field of a contact import")
	}
	for i := range importJSONFields {
		col := &importJSONFields[i]
		v, ok := obj[col.name]
		if !ok {
			continue
		}
		b.row.Present |= col.bit
		b.jsonValue(col, v)
		if b.fail != nil {
			return b.failed(b.fail.field, b.fail.reason)
		}
	}
	return b.finish()
}

// jsonValue checks one key's value against its field's type.
func (b *rowBuild) jsonValue(col *importColumn, v json.RawMessage) {
	null := string(v) == "null"
	switch f := col.field; {
	case col.ignore && (f.Type == store.FieldInt64):
		var n int64
		if null || json.Unmarshal(v, &n) != nil {
			b.problem(col.name, "must be an integer")
		}
	case col.ignore:
		if _, ok := jsonString(v); !ok {
			b.problem(col.name, "must be a string")
		}
	case f.Type == store.FieldPhone:
		s, ok := jsonString(v)
		if !ok {
			b.problem(col.name, "must be a string")
			return
		}
		b.phone(s)
	case f.Type == store.FieldRegion:
		if null {
			return
		}
		s, ok := jsonString(v)
		if !ok {
			b.problem(col.name, "must be a string")
			return
		}
		b.setRegion(s)
	case f.Type == store.FieldText || f.Type == store.FieldEmail:
		if null {
			b.text(col, nil)
			return
		}
		s, ok := jsonString(v)
		if !ok {
			b.problem(col.name, "must be a string")
			return
		}
		b.text(col, &s)
	case f.Type == store.FieldTags:
		var items []json.RawMessage
		if null || v[0] != '[' || json.Unmarshal(v, &items) != nil {
			b.problem(col.name, "must be an array of strings")
			return
		}
		tags := make([]string, len(items))
		for i, item := range items {
			var ok bool
			if tags[i], ok = jsonString(item); !ok {
				b.problem(col.name, fmt.Sprintf("tag %d must be a string", i+1))
				return
			}
		}
		b.tags(col, tags)
	case f.Type == store.FieldInt32:
		if null {
			b.row.LastCallDuration = nil
			return
		}
		var n int64
		if json.Unmarshal(v, &n) != nil {
			b.problem(col.name, "must be a whole number of seconds")
			return
		}
		b.seconds(col, n)
	case f.Type == store.FieldTime:
		if null {
			b.row.LastCallAt = nil
			return
		}
		s, ok := jsonString(v)
		if !ok {
			b.problem(col.name, "must be a string")
			return
		}
		b.time(col, s)
	case f.Type == store.FieldObject:
		if null {
			b.problem(col.name, "must be a JSON object")
			return
		}
		b.metadata(col, v)
	}
}

// jsonString reads a JSON string value; ok is false for any other JSON value.
func jsonString(v json.RawMessage) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true // nothing to unescape: the common case, without a decoder
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// unknownKey finds a key of obj that is no field of ImportRow (the first in sorted order, so
// that a row with several reports the same one every time).
func unknownKey(obj map[string]json.RawMessage) (string, bool) {
	var unknown []string
	for k := range obj {
		if _, ok := importJSONKeys[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return "", false
	}
	slices.Sort(unknown)
	return unknown[0], true
}

// importJSONKeys are ImportRow's keys, exactly as the spec spells them.
var importJSONKeys = func() map[string]bool {
	keys := map[string]bool{}
	for _, col := range importJSONFields {
		if col.name != "" {
			keys[col.name] = true
		}
	}
	return keys
}()

// reportedKey is a key as a failure may name it: a key is the caller's text, and the import's
// record must be able to store it.
func reportedKey(k string) string {
	k = strings.ReplaceAll(strings.ToValidUTF8(k, "\uFFFD"), "\x00", "\uFFFD")
	if utf8.RuneCountInString(k) > 64 {
		k = string([]rune(k)[:64]) + "…"
	}
	return k
}
