package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// smallImportFile writes the import file of a data set of 500 contacts in 4 lists, and opens
// it; it is closed when the test ends.
func smallImportFile(t *testing.T) (dataset, time.Time, *os.File) {
	t.Helper()
	d := newDataset(500, 4)
	anchor := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "import.csv")
	if err := writeImportCSV(path, d, anchor); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return d, anchor, f
}

// TestImportCSVHoldsTheDataSet reads the import file of a small data set back: a header the
// import knows, one row per contact with its fields, a phone phone.Parse reads, and the tags
// split on ';'.
func TestImportCSVHoldsTheDataSet(t *testing.T) {
	d, anchor, f := smallImportFile(t)
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != d.contacts+1 {
		t.Fatalf("%d records, want a header and %d rows", len(records), d.contacts)
	}
	for _, h := range records[0] {
		if _, ok := store.ContactFieldByHeader(h); !ok {
			t.Errorf("the import reads no column %q", h)
		}
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	withTags, withCall := 0, 0
	for i, rec := range records[1:] {
		c := d.contactAt(i, anchor)
		num, err := phone.Parse(rec[col["phone"]], "AR")
		if err != nil || num.E164 != c.num.E164() {
			t.Fatalf("row %d: phone %q reads as %v (%v), want %s", i+1, rec[col["phone"]], num, err, c.num.E164())
		}
		var tags []string
		if cell := rec[col["tags"]]; cell != "" {
			tags = strings.Split(cell, ";")
			withTags++
		}
		if !slices.Equal(tags, c.tagList) {
			t.Fatalf("row %d: tags %q, want %q", i+1, tags, c.tagList)
		}
		if c.lastCallAt != nil {
			withCall++
			at, err := time.Parse(time.RFC3339Nano, rec[col["lastCallAt"]])
			if err != nil || !at.Equal(*c.lastCallAt) {
				t.Fatalf("row %d: lastCallAt %q, want %s", i+1, rec[col["lastCallAt"]], c.lastCallAt)
			}
		}
		if rec[col["metadata"]] != string(c.metadata) || (c.fullName != nil) != (rec[col["fullName"]] != "") {
			t.Fatalf("row %d: %q does not hold contact %+v", i+1, rec, c)
		}
	}
	if withTags == 0 || withCall == 0 {
		t.Fatalf("%d rows with tags and %d with a last call: the generator lost a field", withTags, withCall)
	}
}
