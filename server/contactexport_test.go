package server_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/phone"
)

// exportHeader is the CSV export's header: the import's column names, in the order of
// store.ContactFieldList.
var exportHeader = []string{
	"id", "contactListId", "contactListName", "phone", "countryCode", "fullName", "firstName", "lastName",
	"email", "source", "tags", "category", "status", "campaignId", "lastCallStatus", "lastCallAt",
	"lastCallDuration", "lastCallFeedback", "notes", "metadata", "createdAt", "updatedAt",
}

// exportCSV exports through the generated client (and the validating transport) and parses
// the file; it fails the test on any answer but 200 or a file that is not whole.
func exportCSV(t *testing.T, c *client.ClientWithResponses, p client.ExportContactsParams) []map[string]string {
	t.Helper()
	r := must(c.ExportContactsWithResponse(ctx, &p))
	if r.StatusCode() != http.StatusOK {
		t.Fatalf("export %+v: %d %s", p, r.StatusCode(), r.Body)
	}
	if got := r.HTTPResponse.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q", got)
	}
	if got := r.HTTPResponse.Header.Get("Content-Disposition"); got != `attachment; filename="contacts.csv"` {
		t.Fatalf("Content-Disposition %q", got)
	}
	if bytes.HasPrefix(r.Body, []byte("\uFEFF")) || !bytes.HasSuffix(r.Body, []byte("\n")) {
		t.Fatalf("the file starts with a BOM or does not end with a line break: %q", r.Body)
	}
	if header, _, _ := bytes.Cut(r.Body, []byte("\n")); string(header) != strings.Join(exportHeader, ",") {
		t.Fatalf("header %s, want %v", header, exportHeader)
	}
	return exportRows(t, r.Body)
}

// exportRows parses a CSV export into rows by header.
func exportRows(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	out := make([]map[string]string, len(rows)-1)
	for i, row := range rows[1:] {
		out[i] = map[string]string{}
		for j, v := range row {
			out[i][rows[0][j]] = v
		}
	}
	return out
}

func column(rows []map[string]string, name string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[name]
	}
	return out
}

func TestExportContactsCSV(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c, list1, list2, outsider := seedQueryContacts(t, h)
		// A name a spreadsheet quotes: a comma, quotes and a line break.
		odd := `Pérez, "Juanito"` + "\nsegunda línea"
		r := must(c.CreateContactWithResponse(ctx, client.NewContact{
			ContactListId: list2, Phone: "+5492234445566", FullName: client.Value(odd), Tags: &[]string{"a,b", "c"},
			LastCallDuration: client.Value(int32(42)), Metadata: ptr(client.Metadata(`{"crmId":"A-1"}`)),
		}))
		if r.JSON201 == nil {
			t.Fatalf("contact: %d %s", r.StatusCode(), r.Body)
		}
		created := *r.JSON201

		all := exportCSV(t, c, client.ExportContactsParams{})
		if got, want := column(all, "fullName"), []string{"Ana Pérez", "Bruno_100%", "Carla", "Darío", odd}; !slices.Equal(got, want) {
			t.Fatalf("exported %q, want %q (in creation order, never the other organization's)", got, want)
		}
		row := all[4]
		for name, want := range map[string]string{
			"id": strconv.FormatInt(created.Id, 10), "contactListId": strconv.FormatInt(list2, 10), "contactListName": "two",
			"phone": "+5492234445566", "countryCode": "AR", "tags": "a,b;c", "lastCallDuration": "42",
			"metadata": `{"crmId":"A-1"}`, "email": "", "lastCallAt": "",
			"createdAt": created.CreatedAt.UTC().Format(time.RFC3339Nano), "updatedAt": created.UpdatedAt.UTC().Format(time.RFC3339Nano),
		} {
			if row[name] != want {
				t.Errorf("%s = %q, want %q", name, row[name], want)
			}
		}
		if got := all[0]["tags"]; got != "lead;vip" {
			t.Errorf("Ana's tags %q, want lead;vip", got)
		}
		if got := all[0]["lastCallAt"]; got != "2026-03-01T13:00:00Z" {
			t.Errorf("Ana's lastCallAt %q", got)
		}

		// The listing's filters and order.
		for _, tc := range []struct {
			p    client.ExportContactsParams
			want []string
		}{
			{client.ExportContactsParams{Tag: ptr("lead"), Category: ptr("retail")}, []string{"Ana Pérez"}},
			{client.ExportContactsParams{ContactListId: &list1}, []string{"Ana Pérez", "Bruno_100%"}},
			{client.ExportContactsParams{SourceName: ptr("webinar"), LastCallStatus: ptr("answered")}, []string{"Carla"}},
			{client.ExportContactsParams{Q: ptr("JUANITO")}, []string{odd}},
			{client.ExportContactsParams{Sort: ptr(client.ContactSortLastCallAt), Direction: ptr(client.SortDirectionDesc)}, []string{"Ana Pérez", "Carla", odd, "Darío", "Bruno_100%"}},
			{client.ExportContactsParams{Tag: ptr("nobody"), Format: ptr(client.ExportContactsParamsFormatCsv)}, []string{}},
		} {
			if got := column(exportCSV(t, c, tc.p), "fullName"); !slices.Equal(got, tc.want) {
				t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
			}
		}
		// The other organization exports its own contact, and only it.
		if got := column(exportCSV(t, outsider, client.ExportContactsParams{}), "fullName"); !slices.Equal(got, []string{"Ana Otra"}) {
			t.Errorf("the other organization exported %q", got)
		}
	})
}

// TestExportContactsNDJSON: each line is the contact as the listing answers it.
func TestExportContactsNDJSON(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c, _, list2, _ := seedQueryContacts(t, h)
		for _, p := range []client.ExportContactsParams{{}, {ContactListId: &list2}, {Tag: ptr("vip"), Direction: ptr(client.SortDirectionDesc)}} {
			p.Format = ptr(client.ExportContactsParamsFormatNdjson)
			r := must(c.ExportContactsWithResponse(ctx, &p))
			if r.StatusCode() != http.StatusOK || r.HTTPResponse.Header.Get("Content-Type") != "application/x-ndjson" {
				t.Fatalf("%+v: %d %q %s", p, r.StatusCode(), r.HTTPResponse.Header.Get("Content-Type"), r.Body)
			}
			if got := r.HTTPResponse.Header.Get("Content-Disposition"); got != `attachment; filename="contacts.ndjson"` {
				t.Fatalf("Content-Disposition %q", got)
			}
			var got []any
			for line := range strings.Lines(string(r.Body)) {
				var v any
				if err := json.Unmarshal([]byte(line), &v); err != nil || !strings.HasSuffix(line, "\n") {
					t.Fatalf("line %q: %v", line, err)
				}
				got = append(got, v)
			}
			lp := client.ListContactsParams{ContactListId: p.ContactListId, Tag: p.Tag, Direction: p.Direction, Limit: ptr(int32(200))}
			listed := must(c.ListContactsWithResponse(ctx, &lp))
			var page struct{ Items []any }
			if err := json.Unmarshal(listed.Body, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 0 || !reflect.DeepEqual(got, page.Items) {
				t.Fatalf("%+v: exported\n%v\nthe listing answers\n%v", p, got, page.Items)
			}
		}
	})
}

func TestExportContactsRefusesBadFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		seedQueryContacts(t, h)
		for query, field := range map[string]string{
			"sort=phone":                    "sort",
			"direction=up":                  "direction",
			"format=xlsx":                   "format",
			"contactListId=0":               "contactListId",
			"contactListId=x":               "contactListId",
			"tag=":                          "tag",
			"q=" + strings.Repeat("a", 201): "q",
			"q=a%00b":                       "q",
			"category=%FF":                  "category",
			"limit=10":                      "limit",
			"cursor=abc":                    "cursor",
		} {
			status, b, header := h.do("GET", "/api/v1/contacts/export?"+query, "", "X-API-Key", h.admin)
			e := envelope(t, status, b, http.StatusBadRequest, client.ErrorCodeValidationError)
			if got := fieldsAtFault(t, e); !slices.Contains(got, field) {
				t.Errorf("%s: fields at fault %v, want %s", query, got, field)
			}
			if header.Get("Content-Disposition") != "" {
				t.Errorf("%s: a refusal sent as a file", query)
			}
		}
		// Without read: 403; without credentials: 401.
		status, b, _ := h.do("GET", "/api/v1/contacts/export", "", "X-API-Key", h.newKey(h.org.ID, store.Write))
		envelope(t, status, b, http.StatusForbidden, client.ErrorCodeForbidden)
		status, b, _ = h.do("GET", "/api/v1/contacts/export", "")
		envelope(t, status, b, http.StatusUnauthorized, client.ErrorCodeUnauthorized)
	})
}

// seedManyContacts adds n contacts to a new list of h's organization, each with a note of
// noteSize bytes, straight through the store (the API's one-at-a-time create is not the
// subject here).
func seedManyContacts(t *testing.T, h *harness, n, noteSize int) {
	t.Helper()
	list := must(h.store.CreateContactList(ctx, h.org.ID, store.NewContactList{Name: "many"}))
	note := strings.Repeat("x", noteSize)
	for i := range n {
		num := must(phone.Parse(fmt.Sprintf("+549116%07d", i), ""))
		fields := store.ContactFields{FullName: ptr(fmt.Sprintf("Contact %d", i)), Notes: &note, Tags: []string{"bulk"}}
		if _, err := h.store.CreateContact(ctx, h.org.ID, store.NewContact{ListID: list.ID, Phone: num, ContactFields: fields}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExportContactsStreams: an export of several pages, read a little at a time, comes as it
// is read (chunked, no length known up front) and whole; and a client that goes away
// mid-file leaves no goroutine behind. What bounds the server's memory is the store's page
// (TestContactPagesWalksEveryMatchAPageAtATime checks the pages' sizes).
func TestExportContactsStreams(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const n = 2500 // two and a half pages
		seedManyContacts(t, h, n, 4000)
		plain := &http.Client{} // not the validating transport, which reads the whole body first
		defer plain.CloseIdleConnections()
		get := func() *http.Response {
			req := must(http.NewRequest("GET", h.url+"/api/v1/contacts/export?format=ndjson&tag=bulk", nil))
			req.Header.Set("X-API-Key", h.admin)
			resp := must(plain.Do(req))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d", resp.StatusCode)
			}
			return resp
		}

		resp := get()
		if resp.ContentLength != -1 || !slices.Equal(resp.TransferEncoding, []string{"chunked"}) {
			t.Errorf("length %d, transfer encoding %v: the export was not streamed", resp.ContentLength, resp.TransferEncoding)
		}
		lines := bufio.NewReaderSize(resp.Body, 512)
		seen := map[string]bool{}
		for {
			line, err := lines.ReadString('\n')
			if err == io.EOF && line == "" {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			var c struct{ FullName string }
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				t.Fatal(err)
			}
			if seen[c.FullName] {
				t.Fatalf("%s twice", c.FullName)
			}
			seen[c.FullName] = true
		}
		resp.Body.Close()
		if len(seen) != n {
			t.Fatalf("%d contacts exported, want %d", len(seen), n)
		}

		// About 10 MB: far more than the sockets buffer, so the server is still writing when
		// the client hangs up after the first few kilobytes.
		plain.CloseIdleConnections()
		before := runtime.NumGoroutine()
		resp = get()
		if _, err := io.ReadFull(resp.Body, make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		plain.CloseIdleConnections()
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before || !strings.Contains(h.logs.String(), "contact export") {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines before, %d after; log:\n%s\n%s", before, runtime.NumGoroutine(), h.logs.String(), buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestExportContactsCutByAFailure: the database fails after the file began (the backend
// reading the second page is terminated). The client must not take what it got for a whole
// file: the body ends without its last chunk, which its HTTP client reports as an error.
func TestExportContactsCutByAFailure(t *testing.T) {
	dbURL, _ := storetest.URL(t, storetest.Postgres)
	u := must(url.Parse(dbURL))
	// Name this test's connections, so that only they are terminated.
	app := "wagate_test_" + strings.TrimPrefix(u.Query().Get("search_path"), "wagate_test_")
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	h := newHarness(t, storetest.OpenURL(t, u.String(), ""))
	admin := must(sql.Open("pgx", dbURL))
	defer admin.Close()
	seedManyContacts(t, h, 1500, 4000) // the first page, 4 MB, outlasts the sockets' buffers

	plain := &http.Client{}
	defer plain.CloseIdleConnections()
	req := must(http.NewRequest("GET", h.url+"/api/v1/contacts/export", nil))
	req.Header.Set("X-API-Key", h.admin)
	resp := must(plain.Do(req))
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
	// The first page is being written; hold the table so that the second waits for it.
	tx := must(admin.BeginTx(ctx, nil))
	defer tx.Rollback()
	if _, err := tx.Exec("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		got <- err
	}()
	waitUntil(t, "the second page waits on the lock", func() bool {
		var waiting int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		return waiting > 0
	})
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err == nil {
		t.Fatal("the client read a cut export as a whole file")
	}
	waitUntil(t, "the failure is logged", func() bool { return strings.Contains(h.logs.String(), "contact export cut short") })
}
