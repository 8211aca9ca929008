package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
)

func withImportMax(n int64) harnessOption { return func(c *server.Config) { c.ImportMaxBytes = n } }

// importFile uploads body through the generated client.
func importFile(t *testing.T, c *client.ClientWithResponses, p client.ImportContactsParams, contentType string, body io.Reader) *client.ImportContactsResponse {
	t.Helper()
	r, err := c.ImportContactsWithBodyWithResponse(ctx, &p, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// imported is an import that answered 200, its record.
func imported(t *testing.T, r *client.ImportContactsResponse) client.Import {
	t.Helper()
	if r.JSON200 == nil {
		t.Fatalf("import: %d %s", r.StatusCode(), r.Body)
	}
	return *r.JSON200
}

// importCounts is a record's counts: read, created, updated, unchanged, skipped, failed.
func importCounts(imp client.Import) [6]int64 {
	return [6]int64{imp.RowsRead, imp.Created, imp.Updated, imp.Unchanged, imp.Skipped, imp.Failed}
}

// failures lists a record's failed rows as "row:line:field".
func failures(imp client.Import) []string {
	out := []string{}
	for _, f := range imp.FailedRows {
		field := "-"
		if v, err := f.Field.Get(); err == nil {
			field = v
		}
		out = append(out, fmt.Sprintf("%d:%d:%s", f.Row, f.Line, field))
	}
	return out
}

// listNamed returns the contacts of the list named name, by phone, through the listing.
func contactsOf(t *testing.T, c *client.ClientWithResponses, listID int64) map[string]client.Contact {
	t.Helper()
	r := must(c.ListContactsWithResponse(ctx, &client.ListContactsParams{ContactListId: &listID, Limit: ptr(client.Limit(200))}))
	if r.JSON200 == nil {
		t.Fatalf("list contacts: %d %s", r.StatusCode(), r.Body)
	}
	out := map[string]client.Contact{}
	for _, c := range r.JSON200.Items {
		out[c.Phone] = c
	}
	return out
}

const csvWithEverything = "\uFEFFPhone_Number,FULL_NAME,email,tags,category_name,source_name,last_call_status,lastCallDuration,metadata\n" +
	"+54 223 15-596-1983,Juan Perez,juan@ejemplo.com,lead;vip,retail,webinar,no_answer,42,\"{\"\"crmId\"\":\"\"A-1\"\"}\"\n" +
	"\n" + // a blank line: skipped, not a row
	"not a phone,Nadie,,,,,,,\n" +
	"+5491155550000,Ana Gomez,ana at example,lead|promo,,,,,\n" +
	"+5493415556666,\"Gómez, Carla\",,,wholesale,ads,answered,,\n"

func TestImportCSVThroughTheAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		r := importFile(t, c, client.ImportContactsParams{ContactListName: ptr("Leads 2026")}, "text/csv", strings.NewReader(csvWithEverything))
		imp := imported(t, r)
		if imp.Status != client.ImportStatusSucceeded || !imp.ListCreated || imp.ContactListName != "Leads 2026" || imp.Format != client.ImportFormatCsv {
			t.Fatalf("record %+v", imp)
		}
		if got, want := importCounts(imp), [6]int64{4, 2, 0, 0, 0, 2}; got != want {
			t.Fatalf("counts %v, want %v", got, want)
		}
		// Rows count data records; lines count the file's lines (the header is line 1, the
		// blank line 3).
		if got, want := failures(imp), []string{"2:4:phone", "3:5:email"}; !slices.Equal(got, want) {
			t.Fatalf("failed rows %v, want %v", got, want)
		}
		contacts := contactsOf(t, c, imp.ContactListId)
		juan := contacts["+5492235961983"]
		if v, _ := juan.FullName.Get(); v != "Juan Perez" || !slices.Equal(juan.Tags, []string{"lead", "vip"}) || string(juan.Metadata) != `{"crmId":"A-1"}` {
			t.Fatalf("Juan %+v", juan)
		}
		if v, _ := juan.LastCallDuration.Get(); v != 42 {
			t.Fatalf("Juan's lastCallDuration %v", v)
		}
		carla := contacts["+5493415556666"]
		if v, _ := carla.FullName.Get(); v != "Gómez, Carla" {
			t.Fatalf("Carla %+v", carla)
		}

		// The record, as the import answered it, by id and in the listing.
		got := must(c.GetImportWithResponse(ctx, imp.Id))
		if got.JSON200 == nil || !sameImport(*got.JSON200, imp) {
			t.Fatalf("GET the import: %d %s", got.StatusCode(), got.Body)
		}
		page := must(c.ListImportsWithResponse(ctx, &client.ListImportsParams{}))
		if page.JSON200 == nil || len(page.JSON200.Items) != 1 || page.JSON200.Items[0].Id != imp.Id {
			t.Fatalf("GET /imports: %d %s", page.StatusCode(), page.Body)
		}
	})
}

func sameImport(a, b client.Import) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestImportFormatsAgree: the same rows as CSV, NDJSON and a JSON array make the same contacts.
func TestImportFormatsAgree(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		files := []struct{ contentType, body string }{
			{"text/csv", "phone,fullName,tags,lastCallAt\n+5492235961983,Juan,a;b,2026-03-01T12:00:00Z\n011 5555-0000,Ana,,\n"},
			{"application/x-ndjson", `{"phone":"+5492235961983","fullName":"Juan","tags":["a","b"],"lastCallAt":"2026-03-01T12:00:00Z"}` + "\n\n" + `{"phone":"011 5555-0000","fullName":"Ana"}` + "\n"},
			{"application/json", `[{"phone":"+5492235961983","fullName":"Juan","tags":["a","b"],"lastCallAt":"2026-03-01T12:00:00Z"},{"phone":"011 5555-0000","fullName":"Ana"}]`},
		}
		var first map[string]client.Contact
		for _, f := range files {
			imp := imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr(f.contentType)}, f.contentType, strings.NewReader(f.body)))
			if got := importCounts(imp); got != [6]int64{2, 2, 0, 0, 0, 0} {
				t.Fatalf("%s: counts %v, failed %v", f.contentType, got, imp.FailedRows)
			}
			contacts := contactsOf(t, c, imp.ContactListId)
			for _, c := range contacts {
				c.Id, c.ContactListId, c.ContactListName, c.CreatedAt, c.UpdatedAt = 0, 0, "", time.Time{}, time.Time{}
				contacts[c.Phone] = c
			}
			if first == nil {
				first = contacts
				if !slices.Equal(slices.Sorted(maps.Keys(first)), []string{"+541155550000", "+5492235961983"}) {
					t.Fatalf("phones %v: a national spelling is read under the organization's region", slices.Sorted(maps.Keys(first)))
				}
			} else if !equalJSON(contacts, first) {
				t.Fatalf("%s made other contacts than CSV:\n%+v\n%+v", f.contentType, contacts, first)
			}
		}
	})
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestImportOnConflictAndAtomic(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		first := imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr("main")}, "text/csv",
			strings.NewReader("phone,fullName,email\n+5492235961983,Juan,juan@x.com\n")))
		list := first.ContactListId
		again := "phone,fullName\n+54 223 15-596-1983,Juan P.\n+5491155550000,Ana\n"
		for _, tc := range []struct {
			on     client.ImportOnConflict
			counts [6]int64
		}{
			{client.ImportOnConflictSkip, [6]int64{2, 1, 0, 0, 1, 0}},
			{client.ImportOnConflictFail, [6]int64{2, 0, 0, 0, 0, 2}}, // Ana too: skip created her
			{client.ImportOnConflictUpdate, [6]int64{2, 0, 1, 1, 0, 0}},
		} {
			imp := imported(t, importFile(t, c, client.ImportContactsParams{ContactListId: &list, OnConflict: &tc.on}, "text/csv", strings.NewReader(again)))
			if got := importCounts(imp); got != tc.counts || imp.OnConflict != tc.on {
				t.Fatalf("%s: counts %v, want %v (%v)", tc.on, got, tc.counts, imp.FailedRows)
			}
		}
		juan := contactsOf(t, c, list)["+5492235961983"]
		if name, _ := juan.FullName.Get(); name != "Juan P." {
			t.Fatalf("after the update Juan is %q", name)
		}
		if email, _ := juan.Email.Get(); email != "juan@x.com" {
			t.Fatalf("the update cleared a column the file does not have: email %q", email)
		}

		// Atomic: a bad row applies nothing; the list it created stays, empty.
		imp := imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr("all or nothing"), Atomic: ptr(true)}, "text/csv",
			strings.NewReader("phone\n+5492235961983\n+549\n")))
		if imp.Status != client.ImportStatusFailed || imp.Created != 0 || imp.Failed != 1 || !imp.Atomic {
			t.Fatalf("atomic with a bad row: %+v", imp)
		}
		if msg, _ := imp.Error.Get(); !strings.Contains(msg, "none was applied") {
			t.Fatalf("error %q", msg)
		}
		if n := len(contactsOf(t, c, imp.ContactListId)); n != 0 || !imp.ListCreated {
			t.Fatalf("the failed atomic import left %d contacts (list created: %v)", n, imp.ListCreated)
		}
	})
}

// TestImportRoundTrip: an export imports unchanged, as CSV and as NDJSON.
func TestImportRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c, _, list2, _ := seedQueryContacts(t, h)
		odd := `Pérez, "Juanito"` + "\nsegunda línea"
		if r := must(c.CreateContactWithResponse(ctx, client.NewContact{
			ContactListId: list2, Phone: "+5492234445566", FullName: client.Value(odd), Tags: &[]string{"a,b", "c"},
			LastCallDuration: client.Value(int32(42)), Metadata: ptr(client.Metadata(`{"crmId":"A-1","n":12345678901234567}`)),
			Notes: client.Value("línea 1\nlínea 2"), Email: client.Value(client.Email("x@y.com")),
		})); r.JSON201 == nil {
			t.Fatalf("contact: %d %s", r.StatusCode(), r.Body)
		}
		formats := []client.ExportContactsParamsFormat{client.ExportContactsParamsFormatCsv, client.ExportContactsParamsFormatNdjson}
		exports := map[client.ExportContactsParamsFormat]*client.ExportContactsResponse{}
		for _, format := range formats { // both before any import adds contacts
			exports[format] = must(c.ExportContactsWithResponse(ctx, &client.ExportContactsParams{Format: &format}))
			if exports[format].StatusCode() != http.StatusOK {
				t.Fatalf("export: %d", exports[format].StatusCode())
			}
		}
		for _, format := range formats {
			exp := exports[format]
			contentType := map[client.ExportContactsParamsFormat]string{client.ExportContactsParamsFormatCsv: "text/csv", client.ExportContactsParamsFormatNdjson: "application/x-ndjson"}[format]
			// Two lists hold the same phones? Not here: each phone once, so one list takes all.
			imp := imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr("copy " + string(format))}, contentType, bytes.NewReader(exp.Body)))
			if imp.Created != 5 || imp.Failed != 0 {
				t.Fatalf("%s: re-import %v, failed %v", format, importCounts(imp), imp.FailedRows)
			}
			again := must(c.ExportContactsWithResponse(ctx, &client.ExportContactsParams{Format: &format, ContactListId: &imp.ContactListId}))
			if got, want := withoutListAndIDs(t, format, again.Body), withoutListAndIDs(t, format, exp.Body); !slices.Equal(got, want) {
				t.Fatalf("%s: the re-imported contacts export as\n%q\nnot\n%q", format, got, want)
			}
			// Importing the export into its own lists changes nothing.
			for _, listID := range []int64{imp.ContactListId} {
				same := imported(t, importFile(t, c, client.ImportContactsParams{ContactListId: &listID}, contentType, bytes.NewReader(again.Body)))
				if got := importCounts(same); got != [6]int64{5, 0, 0, 5, 0, 0} {
					t.Fatalf("%s: importing a list's own export: %v, want every row unchanged", format, got)
				}
			}
		}
	})
}

// withoutListAndIDs is an export's rows with what the import leaves to the server (id, list,
// times) blanked, sorted by phone.
func withoutListAndIDs(t *testing.T, format client.ExportContactsParamsFormat, body []byte) []string {
	t.Helper()
	var out []string
	if format == client.ExportContactsParamsFormatCsv {
		rows := exportRows(t, body)
		for _, r := range rows {
			for _, k := range []string{"id", "contactListId", "contactListName", "createdAt", "updatedAt"} {
				delete(r, k)
			}
			out = append(out, fmt.Sprint(r))
		}
	} else {
		for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(line))
			dec.UseNumber() // metadata's numbers keep every digit
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("NDJSON line %q: %v", line, err)
			}
			for _, k := range []string{"id", "contactListId", "contactListName", "createdAt", "updatedAt"} {
				delete(m, k)
			}
			b, _ := json.Marshal(m)
			out = append(out, string(b))
		}
	}
	slices.Sort(out)
	return out
}

func TestImportRefusesBadRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		csv := func(s string) io.Reader { return strings.NewReader(s) }
		named := client.ImportContactsParams{ContactListName: ptr("main")}
		for _, tc := range []struct {
			name        string
			p           client.ImportContactsParams
			contentType string
			body        string
			status      int
			code        client.ErrorCode
			fields      []string
		}{
			{"no list", client.ImportContactsParams{}, "text/csv", "phone\n+5492235961983\n", 400, client.ErrorCodeValidationError, []string{"contactListId", "contactListName"}},
			{"both lists", client.ImportContactsParams{ContactListId: ptr(int64(1)), ContactListName: ptr("x")}, "text/csv", "phone\n", 400, client.ErrorCodeValidationError, []string{"contactListId", "contactListName"}},
			{"bad onConflict", client.ImportContactsParams{ContactListName: ptr("x"), OnConflict: ptr(client.ImportOnConflict("merge"))}, "text/csv", "phone\n", 400, client.ErrorCodeValidationError, []string{"onConflict"}},
			{"unknown region", client.ImportContactsParams{ContactListName: ptr("x"), CountryCode: ptr("ZZ")}, "text/csv", "phone\n", 400, client.ErrorCodeValidationError, []string{"countryCode"}},
			{"unknown column", named, "text/csv", "phone,telefono\n+5492235961983,1\n", 400, client.ErrorCodeValidationError, []string{"telefono"}},
			{"no phone column", named, "text/csv", "fullName\nJuan\n", 400, client.ErrorCodeValidationError, nil},
			{"a column twice", named, "text/csv", "phone,full_name,fullName\n+5492235961983,a,b\n", 400, client.ErrorCodeValidationError, nil},
			{"empty file", named, "text/csv", "", 400, client.ErrorCodeValidationError, nil},
			{"another media type", named, "text/plain", "phone\n", 415, client.ErrorCodeUnsupportedMediaType, nil},
			{"another organization's list", client.ImportContactsParams{ContactListId: ptr(int64(999))}, "text/csv", "phone\n+5492235961983\n", 404, client.ErrorCodeNotFound, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := importFile(t, c, tc.p, tc.contentType, csv(tc.body))
				e := wantError(t, r.StatusCode(), r.Body, tc.status, tc.code)
				if tc.fields != nil && !slices.Equal(fieldsAtFault(t, e), tc.fields) {
					t.Fatalf("fields %v, want %v (%s)", fieldsAtFault(t, e), tc.fields, e.Message)
				}
			})
		}
		// None of them left a record, nor a list.
		if page := must(c.ListImportsWithResponse(ctx, &client.ListImportsParams{})); len(page.JSON200.Items) != 0 {
			t.Fatalf("refused requests left %d import records", len(page.JSON200.Items))
		}
		if lists := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{})); len(lists.JSON200.Items) != 0 {
			t.Fatalf("refused requests left %d lists", len(lists.JSON200.Items))
		}

		// Credentials come first.
		anon := h.clientWith(func(context.Context, *http.Request) error { return nil })
		r := importFile(t, anon, named, "text/csv", csv("phone\n"))
		wantError(t, r.StatusCode(), r.Body, 401, client.ErrorCodeUnauthorized)
		reader := h.client(h.newKey(h.org.ID, store.Read, store.Admin))
		r = importFile(t, reader, named, "text/csv", csv("phone\n"))
		wantError(t, r.StatusCode(), r.Body, 403, client.ErrorCodeForbidden)
	})
}

// TestImportFileBrokenMidway: a file that stops being CSV (or JSON) is a 400 naming the record
// and the line; the rows before it that were committed stay, and the record says failed.
func TestImportFileBrokenMidway(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		for _, f := range []struct{ contentType, body string }{
			{"text/csv", "phone,fullName\n+5492235961983,ok\n+5491155550000,\"unterminated\n"},
			{"text/csv", "phone,fullName\n+5492235961983,ok\n+5491155550000,bare \" quote\n"},
			{"application/json", `[{"phone":"+5492235961983"}, {"phone": ]`},
		} {
			r := importFile(t, c, client.ImportContactsParams{ContactListName: ptr("broken")}, f.contentType, strings.NewReader(f.body))
			e := wantError(t, r.StatusCode(), r.Body, 400, client.ErrorCodeValidationError)
			id, _ := e.Details["importId"].(string)
			rec := must(c.GetImportWithResponse(ctx, id))
			if rec.JSON200 == nil || rec.JSON200.Status != client.ImportStatusFailed {
				t.Fatalf("%q: the record of the broken file: %d %s", f.body, rec.StatusCode(), rec.Body)
			}
			if msg, _ := rec.JSON200.Error.Get(); msg == "" {
				t.Fatalf("%q: the failed record says nothing", f.body)
			}
		}
	})
}

func TestImportBodyLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		big := "phone,notes\n" + strings.Repeat("+5492235961983,"+strings.Repeat("x", 100)+"\n", 20)
		// Content-Length says so: refused before anything is read or recorded.
		r := importFile(t, c, client.ImportContactsParams{ContactListName: ptr("big")}, "text/csv", strings.NewReader(big))
		e := wantError(t, r.StatusCode(), r.Body, 413, client.ErrorCodePayloadTooLarge)
		if e.Details["limitBytes"] != float64(1000) {
			t.Fatalf("details %v", e.Details)
		}
		// Without a length (chunked), the limit stops the import as it is passed.
		r = importFile(t, c, client.ImportContactsParams{ContactListName: ptr("big")}, "text/csv", io.MultiReader(strings.NewReader(big)))
		e = wantError(t, r.StatusCode(), r.Body, 413, client.ErrorCodePayloadTooLarge)
		if id, _ := e.Details["importId"].(string); id != "" {
			rec := must(c.GetImportWithResponse(ctx, id))
			if rec.JSON200 == nil || rec.JSON200.Status != client.ImportStatusFailed {
				t.Fatalf("the record of the cut import: %s", rec.Body)
			}
		}
		// Other operations keep the ordinary limit: the import's is its own.
		if r := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: "small"})); r.StatusCode() != 201 {
			t.Fatalf("a small create: %d", r.StatusCode())
		}
	}, withImportMax(1000))
}

// TestImportProgress: while a file is still arriving, the record shows the chunks committed.
func TestImportProgress(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		pr, pw := io.Pipe()
		done := make(chan *client.ImportContactsResponse, 1)
		go func() {
			r, err := c.ImportContactsWithBodyWithResponse(ctx, &client.ImportContactsParams{ContactListName: ptr("slow")}, "text/csv", pr)
			if err != nil {
				t.Error(err)
			}
			done <- r
		}()
		var file strings.Builder
		file.WriteString("phone\n")
		const first = 6000 // more than one chunk
		for i := range first {
			fmt.Fprintf(&file, "+549115%07d\n", i)
		}
		if _, err := pw.Write([]byte(file.String())); err != nil {
			t.Fatal(err)
		}
		var running client.Import
		deadline := time.Now().Add(20 * time.Second)
		for {
			page := must(c.ListImportsWithResponse(ctx, &client.ListImportsParams{}))
			if items := page.JSON200.Items; len(items) == 1 && items[0].Created > 0 {
				running = items[0]
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no progress shown while the file arrives")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if running.Status != client.ImportStatusRunning || running.FinishedAt.IsSpecified() && !running.FinishedAt.IsNull() || running.Created >= first {
			t.Fatalf("while running: %+v", running)
		}
		fmt.Fprintf(pw, "+549115%07d\n", first)
		pw.Close()
		imp := imported(t, <-done)
		if imp.Status != client.ImportStatusSucceeded || imp.Created != first+1 {
			t.Fatalf("at the end: %v", importCounts(imp))
		}
	})
}

func TestImportTenancy(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		imp := imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr("ours")}, "text/csv", strings.NewReader("phone\n+5492235961983\n")))
		other := must(h.store.CreateOrganization(ctx, "other", "AR"))
		them := h.client(h.newKey(other.ID, store.AllCapabilities...))
		if r := must(them.GetImportWithResponse(ctx, imp.Id)); r.StatusCode() != 404 {
			t.Fatalf("another organization reads the import: %d", r.StatusCode())
		}
		if r := must(them.ListImportsWithResponse(ctx, &client.ListImportsParams{})); len(r.JSON200.Items) != 0 {
			t.Fatalf("another organization lists %d imports", len(r.JSON200.Items))
		}
		r := importFile(t, them, client.ImportContactsParams{ContactListId: &imp.ContactListId}, "text/csv", strings.NewReader("phone\n+5491155550000\n"))
		wantError(t, r.StatusCode(), r.Body, 404, client.ErrorCodeNotFound)
		// By name: their own list of that name, not ours.
		theirs := imported(t, importFile(t, them, client.ImportContactsParams{ContactListName: ptr("ours")}, "text/csv", strings.NewReader("phone\n+5491155550000\n")))
		if !theirs.ListCreated || theirs.ContactListId == imp.ContactListId && len(contactsOf(t, c, imp.ContactListId)) != 1 {
			t.Fatalf("by name in another organization: %+v", theirs)
		}
		if n := len(contactsOf(t, c, imp.ContactListId)); n != 1 {
			t.Fatalf("our list has %d contacts after their import", n)
		}
	})
}

func TestImportRecordsPagedAndBadIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		var ids []string
		for i := range 3 {
			imp := imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr("l")}, "text/csv", strings.NewReader(fmt.Sprintf("phone\n+549115555000%d\n", i))))
			ids = append(ids, imp.Id)
		}
		var got []string
		var cursor *string
		for {
			r := must(c.ListImportsWithResponse(ctx, &client.ListImportsParams{Limit: ptr(client.Limit(2)), Cursor: cursor}))
			if r.JSON200 == nil {
				t.Fatalf("%d %s", r.StatusCode(), r.Body)
			}
			for _, imp := range r.JSON200.Items {
				got = append(got, imp.Id)
			}
			if r.JSON200.NextCursor == "" {
				break
			}
			cursor = &r.JSON200.NextCursor
		}
		if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
			t.Fatalf("paged %v, want newest first %v", got, want)
		}
		r := must(c.ListImportsWithResponse(ctx, &client.ListImportsParams{Cursor: ptr("tampered")}))
		wantError(t, r.StatusCode(), r.Body, 400, client.ErrorCodeValidationError)
		g := must(c.GetImportWithResponse(ctx, "imp_nope"))
		wantError(t, g.StatusCode(), g.Body, 400, client.ErrorCodeValidationError)
		g = must(c.GetImportWithResponse(ctx, "imp_01HZX3B0V6W8Q9M2N4P5R7T1Y0"))
		wantError(t, g.StatusCode(), g.Body, 404, client.ErrorCodeNotFound)
		for _, key := range []string{"", h.newKey(h.org.ID, store.Write, store.Admin)} {
			cl := h.client(key)
			lr := must(cl.ListImportsWithResponse(ctx, &client.ListImportsParams{}))
			gr := must(cl.GetImportWithResponse(ctx, ids[0]))
			want, code := 401, client.ErrorCodeUnauthorized
			if key != "" {
				want, code = 403, client.ErrorCodeForbidden
			}
			wantError(t, lr.StatusCode(), lr.Body, want, code)
			wantError(t, gr.StatusCode(), gr.Body, want, code)
		}
	})
}

// TestImportBodies: the import reads its body as it arrives, so the checks every other body
// gets up front (TestBodyIsOneUTF8JSONValue) are the reader's: the media type first, then bytes
// that are not UTF-8 or JSON fail their row (NDJSON, a JSON array's element) or end the file.
func TestImportBodies(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		named := client.ImportContactsParams{ContactListName: ptr("bodies")}
		for _, mt := range []string{"text/plain", "application/json; charset=utf-16", "application/", "json"} {
			r := importFile(t, c, named, mt, strings.NewReader(`[{"phone":"+5492235961983"}]`))
			e := wantError(t, r.StatusCode(), r.Body, http.StatusUnsupportedMediaType, client.ErrorCodeUnsupportedMediaType)
			if fmt.Sprint(e.Details["supported"]) != "[application/json application/x-ndjson text/csv]" {
				t.Errorf("%s: 415 details %v", mt, e.Details)
			}
		}
		// Without a Content-Type: nothing says how to read it.
		status, body, _ := h.do("POST", "/api/v1/contacts/import?contactListName=bodies", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusUnsupportedMediaType, client.ErrorCodeUnsupportedMediaType)

		// A row that is not UTF-8, or not an object, fails alone.
		imp := imported(t, importFile(t, c, named, "application/x-ndjson", strings.NewReader(
			`{"phone":"+5492235961983","fullName":"ok"}`+"\n"+`{"phone":"+5491155550000","fullName":"bad `+"\xff"+`"}`+"\n"+`[1]`+"\n"+`{"phone":"+5491155550001","NOTES":"x"}`+"\n")))
		if got, want := failures(imp), []string{"2:2:-", "3:3:-", "4:4:NOTES"}; imp.Created != 1 || !slices.Equal(got, want) {
			t.Fatalf("NDJSON with bad rows: created %d, failed %v (%v), want 1 and %v", imp.Created, got, imp.FailedRows, want)
		}
		// Anything after a JSON array ends the file: its rows were read, the tail is a 400.
		r := importFile(t, c, named, "application/json", strings.NewReader(`[{"phone":"+5491155550002"}] garbage`))
		e := wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, client.ErrorCodeValidationError)
		if e.Details["importId"] == nil {
			t.Fatalf("a JSON array with a tail: %v", e.Details)
		}
	})
}

// TestImportFailsWhileTheClientStalls: the database refuses a chunk while the client, having
// sent part of its file, sends nothing more; the server still answers (the upload is cut
// instead of waiting on the client for the hour a long transfer may take), and the record
// says failed.
func TestImportFailsWhileTheClientStalls(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		refuse := `CREATE TRIGGER import_test_boom BEFORE INSERT ON contacts WHEN NEW.full_name = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`
		if h.store.Dialect() == store.Postgres {
			for _, q := range []string{
				`CREATE FUNCTION import_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.full_name = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
			} {
				must(h.store.Pool().ExecContext(ctx, q))
			}
			refuse = `CREATE TRIGGER import_test_boom BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION import_test_boom()`
		}
		must(h.store.Pool().ExecContext(ctx, refuse))

		c := h.client(h.admin)
		pr, pw := io.Pipe()
		defer pw.Close()
		answered := make(chan *client.ImportContactsResponse, 1)
		go func() {
			r, err := c.ImportContactsWithBodyWithResponse(ctx, &client.ImportContactsParams{ContactListName: ptr("stalled")}, "text/csv", pr)
			if err != nil {
				t.Error(err)
			}
			answered <- r
		}()
		var file strings.Builder
		file.WriteString("phone,fullName\n+5492235961983,boom\n")
		for i := range 6000 { // past the first chunk, which the database refuses
			fmt.Fprintf(&file, "+549115%07d,ok\n", i)
		}
		if _, err := pw.Write([]byte(file.String())); err != nil {
			t.Fatal(err)
		}
		var r *client.ImportContactsResponse
		select {
		case r = <-answered:
		case <-time.After(30 * time.Second): // a bound on failure, not a measured speed
			t.Fatal("no answer while the client stalls: the server waits on its body")
		}
		if r == nil || r.StatusCode() < 400 {
			t.Fatalf("answer %v", r)
		}
		page := must(c.ListImportsWithResponse(ctx, &client.ListImportsParams{}))
		if items := page.JSON200.Items; len(items) != 1 || items[0].Status != client.ImportStatusFailed || items[0].Created != 0 {
			t.Fatalf("records %+v", items)
		}
	})
}

// TestImportsAtOnce: past the connections a server gives imports, one more import is a 503 to
// retry, and nothing is recorded for it.
func TestImportsAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		var releases []func()
		for {
			release, err := h.store.ImportSlot(true) // one connection each: the most imports
			if err != nil {
				break
			}
			releases = append(releases, release)
		}
		if len(releases) == 0 {
			t.Fatal("no import may run at all")
		}
		c := h.client(h.admin)
		r := importFile(t, c, client.ImportContactsParams{ContactListName: ptr("busy")}, "text/csv", strings.NewReader("phone\n+5492235961983\n"))
		e := wantError(t, r.StatusCode(), r.Body, http.StatusServiceUnavailable, client.ErrorCodeUnavailable)
		if !strings.Contains(e.Message, "imports running hold") {
			t.Fatalf("503 says %q", e.Message)
		}
		for _, release := range releases {
			release()
		}
		imported(t, importFile(t, c, client.ImportContactsParams{ContactListName: ptr("busy")}, "text/csv", strings.NewReader("phone\n+5492235961983\n")))
	})
}
