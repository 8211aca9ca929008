package server

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/wagate/wagate/store"
)

// csvSource reads a CSV import's data records (openCSVSource has read the header).
type csvSource struct {
	in      *rowLimitReader
	r       *csv.Reader
	skipped int64         // the byte order mark's length: csv.Reader's offsets start after it
	fields  int           // the header's
	br      *bufio.Reader // csv.Reader's own (it reads through a *bufio.Reader it is given)
	// start is the line the next record starts on, for a row too long to read, whose line
	// csv.Reader never reports; 0 when it could not be told.
	start int64
}

// openCSVSource reads the header of a CSV import and maps its columns to the contact's fields.
// A header that cannot be used is a 400 naming the column as written.
func openCSVSource(in *rowLimitReader) (*csvSource, []importColumn, error) {
	br := bufio.NewReaderSize(in, 4096)
	var skipped int64
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
		skipped = 3
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1 // a row of another width fails alone, below
	r.ReuseRecord = false  // a batch keeps its records until a worker has checked them
	header, err := r.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, nil, invalid(fieldError{In: "body", Message: "is empty: a CSV import starts with a header row naming its columns, such as phone,fullName,email"})
	case errors.Is(err, errRowTooLong):
		return nil, nil, invalid(fieldError{In: "body", Message: fmt.Sprintf("has a header row longer than %d bytes", in.max-rowReadAhead)})
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, invalid(fieldError{In: "body", Message: "has a header row that is not CSV: " + csvProblem(pe)})
		}
		return nil, nil, err // the body's own failure
	}
	cols, err := csvColumnsOf(header)
	if err != nil {
		return nil, nil, err
	}
	s := &csvSource{in: in, r: r, skipped: skipped, fields: len(header), br: br}
	s.markEnd(header)
	return s, cols, nil
}

// csvColumnsOf maps each header to its field: every column of the header is read, and those the
// caller does not write (an export's id, contactListId, contactListName, createdAt, updatedAt)
// are ignored.
func csvColumnsOf(header []string) ([]importColumn, error) {
	cols := make([]importColumn, len(header))
	seen := map[string]string{} // field name -> the header that named it
	hasPhone := false
	for i, h := range header {
		f, ok := store.ContactFieldByHeader(strings.TrimSpace(h))
		if !ok {
			return nil, invalid(fieldError{Field: h, In: "body", Message: "is not a contact field: the columns a CSV import reads are " + strings.Join(csvHeader, ", ") + " (in any letter case), or their snake_case spellings"})
		}
		if first, twice := seen[f.Name]; twice {
			return nil, invalid(fieldError{Field: h, In: "body", Message: fmt.Sprintf("names the field %s, which the column %q names already", f.CSV, first)})
		}
		seen[f.Name] = h
		cols[i] = importFields[f.Name]
		hasPhone = hasPhone || f.Name == "Phone"
	}
	if !hasPhone {
		return nil, invalid(fieldError{Field: "phone", In: "body", Message: "is required: the header has no phone column"})
	}
	return cols, nil
}

func (s *csvSource) next() (rawRow, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return rawRow{}, io.EOF
		case errors.Is(err, errRowTooLong):
			return rawRow{}, &importFileError{Line: s.start, Message: fmt.Sprintf("%sa row is longer than %d bytes", linePrefix(s.start), s.in.max-rowReadAhead)}
		case errors.As(err, &pe):
			return rawRow{}, &importFileError{Line: int64(pe.StartLine), Message: csvProblem(pe)}
		}
		return rawRow{}, err
	}
	line, _ := s.r.FieldPos(0)
	s.markEnd(rec)
	raw := rawRow{line: int64(line), cells: rec}
	if len(rec) != s.fields {
		raw.fail = fmt.Sprintf("has the wrong number of fields: expected %d as in the header, got %d", s.fields, len(rec))
	}
	return raw, nil
}

// markEnd notes where the record just read ends, in bytes for the row limit, and where the next
// one starts, in lines, for a too-long row's message.
func (s *csvSource) markEnd(rec []string) {
	s.in.mark(s.skipped + s.r.InputOffset())
	last := len(rec) - 1
	line, _ := s.r.FieldPos(last)
	s.start = int64(line+strings.Count(rec[last], "\n")) + 1
	// csv.Reader skips blank lines before the next record; they are the next bytes of the
	// buffer it reads from (Peek reads ahead what csv.Reader would read next anyway).
	for i := 0; ; {
		b, err := s.br.Peek(i + 2)
		switch {
		case len(b) > i && b[i] == '\n':
			i++
		case len(b) > i+1 && b[i] == '\r' && b[i+1] == '\n':
			i += 2
		case errors.Is(err, bufio.ErrBufferFull):
			s.start = 0 // more blank lines than the buffer holds: not worth reading on
			return
		default:
			return
		}
		s.start++
	}
}

// csvProblem words a CSV syntax error with the line the record starts on, and the line the
// problem is on when that is another (a quote left open runs on to the end of the file).
func csvProblem(pe *csv.ParseError) string {
	msg := fmt.Sprintf("line %d: %v", pe.StartLine, pe.Err)
	if pe.Line != pe.StartLine {
		msg += fmt.Sprintf(" (found on line %d; a quote opened on line %d may be left open)", pe.Line, pe.StartLine)
	}
	return msg
}

// csvRow checks a CSV record against the header's columns. An empty cell is an absent value;
// an empty tags or metadata cell clears them.
func (c *rowChecker) csvRow(raw *rawRow) (store.ImportRow, *store.RowError) {
	b := rowBuild{checker: c, row: store.ImportRow{Row: raw.row, Line: raw.line}}
	if raw.fail != "" {
		return b.failed("", raw.fail)
	}
	for i, cell := range raw.cells {
		col := &c.columns[i]
		if col.ignore {
			continue
		}
		b.row.Present |= col.bit
		switch col.field.Type {
		case store.FieldPhone:
			b.phone(cell)
		case store.FieldRegion:
			if cell != "" {
				b.setRegion(cell)
			}
		case store.FieldText, store.FieldEmail:
			if cell != "" {
				b.text(col, &cell)
			}
		case store.FieldTags:
			b.tags(col, splitTags(cell))
		case store.FieldInt32:
			if cell != "" {
				b.secondsText(col, cell)
			}
		case store.FieldTime:
			if cell != "" {
				b.time(col, cell)
			}
		case store.FieldObject:
			if cell == "" {
				b.row.Metadata = emptyObject
			} else {
				b.metadata(col, []byte(cell))
			}
		}
		if b.fail != nil {
			return b.failed(b.fail.field, b.fail.reason)
		}
	}
	return b.finish()
}

// splitTags reads a tags cell: tags separated by ';' or '|', each trimmed, empty ones dropped.
func splitTags(cell string) []string {
	tags := []string{}
	for t := range strings.FieldsFuncSeq(cell, func(r rune) bool { return r == ';' || r == '|' }) {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}
