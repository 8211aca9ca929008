package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/whatsapp/phone"
)

// importBenchRows is the size of the generated files: large enough for many batches on every
// core.
const importBenchRows = 100_000

// importBenchCSV is a CRM-like CSV of n rows: Argentine, Mexican and Brazilian phones in the
// spellings people type (international, without '+', national with trunk prefixes and 15, with
// spaces, dashes and parentheses), names, emails, tags, a status, some notes.
func importBenchCSV(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	first := []string{"Juan", "Ana", "María José", "Luis", "Sofía", "João", "Camila", "José", "Lucía", "Pedro"}
	last := []string{"Pérez", "Gómez", "da Silva", "Hernández", "Rodríguez", "Souza", "López", "Martínez"}
	tags := []string{"lead", "vip", "webinar", "cliente", "frío", "recontacto"}
	var buf bytes.Buffer
	buf.WriteString("phone_number,countryCode,firstname,lastname,full_name,email,tag_name,status,notes\n")
	for i := range n {
		d := 1000 + i%9000
		var phone, cc string
		switch i % 9 {
		case 0:
			phone = fmt.Sprintf("+54 9 11 %d-%04d", 4000+i%5000, d)
		case 1:
			phone = fmt.Sprintf("011 15-%d-%04d", 4000+i%5000, d)
		case 2:
			phone, cc = fmt.Sprintf("0223 15 %03d-%04d", 400+i%500, d), "AR"
		case 3:
			phone = fmt.Sprintf("+52 1 55 %04d %04d", 1000+i%9000, d)
		case 4:
			phone, cc = fmt.Sprintf("55 %04d %04d", 1000+i%9000, d), "MX"
		case 5:
			phone = fmt.Sprintf("5215512%06d", i%1000000)
		case 6:
			phone = fmt.Sprintf("+55 11 9%04d-%04d", 1000+i%9000, d)
		case 7:
			phone, cc = fmt.Sprintf("(21) 9%04d-%04d", 1000+i%9000, d), "BR"
		case 8:
			phone = fmt.Sprintf("55119%04d%04d", 1000+i%9000, d)
		}
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		t1, t2 := tags[rng.IntN(len(tags))], tags[rng.IntN(len(tags))]
		notes := ""
		if i%4 == 0 {
			notes = `"Llamar después de las 18, dijo ""quizás"", interesado en el plan anual"`
		}
		fmt.Fprintf(&buf, "%s,%s,%s,%s,%s %s,%s.%s%d@ejemplo.com,%s;%s,contacted,%s\n",
			phone, cc, f, l, f, l, strings.ToLower(f[:2]), strings.ToLower(l[:2]), i, t1, t2, notes)
	}
	return buf.Bytes()
}

// BenchmarkImportReadCSV reads 100,000 generated rows through openImport with every core, and
// reports rows/s. Most of it is phone.Parse.
func BenchmarkImportReadCSV(b *testing.B) {
	benchImportRead(b, importCSV, importBenchCSV(importBenchRows))
}

// BenchmarkImportReadNDJSON reads the same rows as NDJSON objects.
func BenchmarkImportReadNDJSON(b *testing.B) {
	recs, err := csv.NewReader(bytes.NewReader(importBenchCSV(importBenchRows))).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var file bytes.Buffer
	enc := json.NewEncoder(&file)
	for _, rec := range recs[1:] {
		obj := map[string]any{"phone": rec[0], "firstName": rec[2], "lastName": rec[3], "fullName": rec[4],
			"email": rec[5], "tags": strings.Split(rec[6], ";"), "status": rec[7]}
		if rec[1] != "" {
			obj["countryCode"] = rec[1]
		}
		if rec[8] != "" {
			obj["notes"] = rec[8]
		}
		if err := enc.Encode(obj); err != nil {
			b.Fatal(err)
		}
	}
	benchImportRead(b, importNDJSON, file.Bytes())
}

func benchImportRead(b *testing.B, format importFormat, file []byte) {
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := openImport(context.Background(), bytes.NewReader(file), format, "AR")
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for {
			batch, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += batch.Read()
		}
		r.Close()
		if n != importBenchRows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(importBenchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportRowChecks weighs, for one typical NDJSON row, the hand-written checks
// (rowChecker.jsonRow: decoding, checks and phone.Parse, into an ImportRow) against phone.Parse
// alone and against kin-openapi validating the row against the spec's ImportRow (decoding and
// schema only). Measured on 2 busy cores: hand 22 µs, of which phone.Parse is 57% (pprof) and
// json.Unmarshal most of the rest; kin-openapi 4 µs, which would come on top of decoding the row
// into an ImportRow (the same Unmarshal), of parsing its phone, and of rewording schema errors
// for a user; a CSV row would first have to be built into a JSON value. So the checks are by
// hand, held to the spec's bounds by TestImportBoundsAreTheSpecs.
func BenchmarkImportRowChecks(b *testing.B) {
	line := []byte(`{"phone":"+54 9 11 4555-1234","fullName":"María José Pérez","email":"ma.pe1@ejemplo.com","tags":["lead","vip"],"status":"contacted","notes":"Llamar después de las 18","metadata":{"origen":"web"}}`)
	b.Run("hand", func(b *testing.B) {
		c := rowChecker{region: "AR", format: importNDJSON}
		b.ReportAllocs()
		for b.Loop() {
			raw := rawRow{row: 1, line: 1, text: line}
			if _, fail := c.check(&raw); fail != nil {
				b.Fatal(fail)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := phone.Parse("+54 9 11 4555-1234", "AR"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kin-openapi", func(b *testing.B) {
		doc, err := openapi.Spec()
		if err != nil {
			b.Fatal(err)
		}
		schema := doc.Components.Schemas["ImportRow"].Value
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(line, &v); err != nil {
				b.Fatal(err)
			}
			if err := schema.VisitJSON(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
