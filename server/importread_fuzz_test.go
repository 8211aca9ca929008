package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzImportRead feeds any bytes to each format: the reader ends with io.EOF or an
// *importFileError (or, for CSV, a 400 from openImport), never panics, numbers rows from 1 in
// order, and fails a row only with a reason that can be stored.
func FuzzImportRead(f *testing.F) {
	f.Add([]byte("phone,fullName,tags,metadata\n+5491155550000,Ana,a;b|c,\"{\"\"a\"\":1}\"\n\"open\n"))
	f.Add([]byte(`{"phone":"+5491155550000","tags":["a"],"metadata":{"a":"\ud800"}}` + "\n[1]\n"))
	f.Add([]byte(`[{"phone":"+5491155550000"},{"phone":1},{"lastCallDuration":1e3}]`))
	f.Add([]byte("\uFEFF[]"))
	f.Add([]byte("{\"phone\":\"+5491155550000\",\"\\u0000\xff\":1}\n"))
	lim := defaultImportLimits()
	lim.rows, lim.batchRows, lim.rowBytes, lim.workers = 50, 3, 64, 3
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, format := range []importFormat{importCSV, importNDJSON, importJSON} {
			r, err := openImportWith(context.Background(), bytes.NewReader(body), format, "AR", lim)
			if err != nil {
				var ae *apiError
				if format != importCSV || !errors.As(err, &ae) || ae.Status != 400 {
					t.Fatalf("%s: openImport: %v", format, err)
				}
				continue
			}
			var next int64 = 1
			for {
				b, err := r.Next()
				if err != nil {
					var fe *importFileError
					if err != io.EOF && !errors.As(err, &fe) {
						t.Fatalf("%s: ended with %v", format, err)
					}
					break
				}
				rows := map[int64]bool{}
				for _, row := range b.Rows {
					rows[row.Row] = true
				}
				for _, fail := range b.Failed {
					// The import's record stores these: PostgreSQL takes no NUL and no bad UTF-8.
					if text := fail.Field + fail.Reason; fail.Reason == "" || !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0 {
						t.Fatalf("%s: row %d failed as %+v", format, fail.Row, fail)
					}
					rows[fail.Row] = true
				}
				for range b.Read() {
					if !rows[next] {
						t.Fatalf("%s: batch of %d rows lacks row %d", format, b.Read(), next)
					}
					next++
				}
			}
			r.Close()
		}
	})
}
