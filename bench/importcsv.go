package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The import figures of issue 9 (a 1,000,000-row CSV import under 60 s with RSS under 250 MB,
// on PostgreSQL and on SQLite) upload this file to POST /api/v1/contacts/import: see
// importfigures.go.

// importCSVHeader is the import's header for the data set's fields, in importContacts' names
// (openapi/openapi.yaml).
var importCSVHeader = []string{"phone", "fullName", "firstName", "lastName", "email", "source", "tags",
	"category", "status", "campaignId", "lastCallStatus", "lastCallAt", "lastCallDuration", "lastCallFeedback",
	"notes", "metadata"}

// importCSVRow is contact c as a row under importCSVHeader: E.164 phones, tags joined with
// ';', times in RFC 3339 (UTC, to the microsecond), metadata as its JSON object, and an absent
// value as an empty cell.
func importCSVRow(c contact, row []string) []string {
	text := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	row = append(row[:0], c.num.E164(), text(c.fullName), text(c.firstName), text(c.lastName), text(c.email),
		text(c.source), strings.Join(c.tagList, ";"), text(c.category), text(c.status), text(c.campaignID),
		text(c.lastCallStatus), "", "", text(c.lastCallFeedback), text(c.notes), string(c.metadata))
	if c.lastCallAt != nil {
		row[11] = c.lastCallAt.UTC().Format(time.RFC3339Nano)
	}
	if c.lastCallDuration != nil {
		row[12] = strconv.Itoa(int(*c.lastCallDuration))
	}
	return row
}

// writeImportCSV writes every contact of the data set, in order, as the import's CSV file at
// path. The data set puts 5% of its contacts' phones in a second list; imported into one
// list, those rows update the contact the phone's first row created.
func writeImportCSV(path string, d dataset, anchor time.Time) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	buf := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(buf)
	if err := w.Write(importCSVHeader); err != nil {
		return err
	}
	row := make([]string, 0, len(importCSVHeader))
	for i := range d.contacts {
		row = importCSVRow(d.contactAt(i, anchor), row)
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return buf.Flush()
}

// writeImportCSVNote writes the import's CSV file into dir, says where, how large and how
// long it took, and returns its path.
func writeImportCSVNote(d dataset, anchor time.Time, dir string) (string, error) {
	path := filepath.Join(dir, "contacts-import.csv")
	start := time.Now()
	if err := writeImportCSV(path, d, anchor); err != nil {
		return "", fmt.Errorf("write the import's CSV file: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	fmt.Printf("Import CSV: %s rows, %.1f MB, written in %s to %s.\n", thousands(d.contacts), float64(fi.Size())/1e6,
		time.Since(start).Round(100*time.Millisecond), path)
	return path, nil
}
