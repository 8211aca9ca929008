package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCSVContactsAreTheDataSet reads the import file of a small data set through the COPY
// baseline's source: one contacts row per contact, in contactColumns' order, with its fields
// converted as the data set has them, and each repeated phone in a list of its own so that the
// unique key (org, list, match key) holds.
func TestCSVContactsAreTheDataSet(t *testing.T) {
	d, anchor, f := smallImportFile(t)
	now := time.Now()
	src, err := newCSVContacts(f, "org_x", now)
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range contactColumns {
		col[c] = i
	}
	keys := map[[2]any]bool{}
	i := 0
	for src.Next() {
		v, _ := src.Values()
		c := d.contactAt(i, anchor)
		if len(v) != len(contactColumns) || v[col["id"]] != int64(i+1) || v[col["org_id"]] != "org_x" || v[col["phone"]] != c.num.E164() ||
			v[col["match_key"]] != c.num.MatchKey() || v[col["created_at"]] != now {
			t.Fatalf("row %d: %v, want contact %d with phone %s (key %s)", i+1, v, i+1, c.num.E164(), c.num.MatchKey())
		}
		if string(v[col["tags"]].([]byte)) != string(c.tags) || string(v[col["metadata"]].([]byte)) != string(c.metadata) {
			t.Fatalf("row %d: tags %s, metadata %s; want %s, %s", i+1, v[col["tags"]], v[col["metadata"]], c.tags, c.metadata)
		}
		if (c.fullName == nil) != (v[col["full_name"]] == nil) || (c.fullName != nil && v[col["full_name"]] != *c.fullName) {
			t.Fatalf("row %d: full_name %v, want %v", i+1, v[col["full_name"]], c.fullName)
		}
		if c.lastCallAt != nil && !v[col["last_call_at"]].(time.Time).Equal(*c.lastCallAt) ||
			c.lastCallDuration != nil && v[col["last_call_duration"]] != *c.lastCallDuration ||
			c.lastCallAt == nil && v[col["last_call_at"]] != nil {
			t.Fatalf("row %d: last call %v, %v; want %v, %v", i+1, v[col["last_call_at"]], v[col["last_call_duration"]], c.lastCallAt, c.lastCallDuration)
		}
		key := [2]any{v[col["contact_list_id"]], v[col["match_key"]]}
		if keys[key] {
			t.Fatalf("row %d: list and match key %v taken by an earlier row", i+1, key)
		}
		keys[key] = true
		i++
	}
	if err := src.Err(); err != nil || i != d.contacts {
		t.Fatalf("read %d rows (%v), want %d", i, err, d.contacts)
	}
	if lists := len(keys) - d.phones; lists != d.contacts-d.phones {
		t.Fatalf("%d rows in a second list, want the %d repeats", lists, d.contacts-d.phones)
	}
}

// TestCSVContactsRefuseWhatTheyCannotCopy: a missing column, a phone the baseline would need to
// parse and a bad time are errors, not rows.
func TestCSVContactsRefuseWhatTheyCannotCopy(t *testing.T) {
	header := strings.Join(importCSVHeader, ",")
	blank := strings.Repeat(",", len(importCSVHeader)-1)
	if _, err := newCSVContacts(strings.NewReader("phone,fullName\n+5491122334455,x\n"), "o", time.Now()); err == nil {
		t.Error("a header without the data set's columns was accepted")
	}
	for _, row := range []string{"011 2233-4455" + blank, "+5491122334455" + blank[:11] + "yesterday" + blank[11:]} {
		src, err := newCSVContacts(strings.NewReader(header+"\n"+row+"\n"), "o", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if src.Next() || src.Err() == nil {
			t.Errorf("row %q was read without an error", row)
		}
	}
	if !slices.Equal(importCSVHeader[:1], []string{"phone"}) || importCSVHeader[11] != "lastCallAt" {
		t.Fatal("the test's rows assume phone first and lastCallAt twelfth")
	}
}

// TestPrintedKey finds the key a first start printed among the log's other lines.
func TestPrintedKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wagate.log")
	log := `{"level":"INFO","msg":"migrated"}` + "\nFirst start: created organization \"default\" (org_1) with an admin API key. It is shown only now:\n" +
		"wgk_abc123\n" + `{"level":"INFO","msg":"serving","key":"wgk_not this one"}` + "\n"
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	if key, err := printedKey(path); err != nil || key != "wgk_abc123" {
		t.Fatalf("printedKey = %q, %v; want wgk_abc123", key, err)
	}
	if err := os.WriteFile(path, []byte(`{"msg":"serving"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := printedKey(path); err == nil {
		t.Fatal("a log without a key gave one")
	}
}
