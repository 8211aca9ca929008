package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// importer builds the rows of an import and runs it, one batch per slice of rows.
type importer struct {
	t   *testing.T
	s   *store.Store
	org string
	n   int64 // rows so far
}

// row is the next row of the file: a phone, and fields as name/value pairs (the names of
// ContactFieldList's Go names), each marked present.
func (im *importer) row(raw string, fields ...any) store.ImportRow {
	im.t.Helper()
	im.n++
	r := store.ImportRow{Row: im.n, Line: im.n + 1, Phone: mustPhone(im.t, raw), Present: store.FieldBit("Phone")}
	for i := 0; i < len(fields); i += 2 {
		name := fields[i].(string)
		r.Present |= store.FieldBit(name)
		switch v := fields[i+1].(type) {
		case []string:
			r.Tags = v
		case *string:
			reflect.ValueOf(&r.ContactFields).Elem().FieldByName(name).Set(reflect.ValueOf(v))
		case string:
			reflect.ValueOf(&r.ContactFields).Elem().FieldByName(name).Set(reflect.ValueOf(&v))
		default:
			im.t.Fatalf("row field %s: a %T", name, v)
		}
	}
	return r
}

// failedRow is a row the reader refused, counted in its batch.
func (im *importer) failedRow(field, reason string) store.RowError {
	im.n++
	return store.RowError{Row: im.n, Line: im.n + 1, Field: field, Reason: reason}
}

func (im *importer) start(spec store.ImportSpec) store.Import {
	im.t.Helper()
	if spec.Format == "" {
		spec.Format = "csv"
	}
	if spec.OnConflict == "" {
		spec.OnConflict = store.ConflictUpdate
	}
	return must[store.Import](im.t)(im.s.StartImport(ctx, im.org, spec))
}

// run runs an import of the batches, then tail as next's last answer (io.EOF if nil).
func (im *importer) run(imp store.Import, batches []store.ImportBatch, tail error) (store.Import, error) {
	if tail == nil {
		tail = io.EOF
	}
	i := 0
	return im.s.RunImport(ctx, imp, func() (store.ImportBatch, error) {
		if i == len(batches) {
			return store.ImportBatch{}, tail
		}
		i++
		return batches[i-1], nil
	})
}

func batch(rows []store.ImportRow, failed ...store.RowError) store.ImportBatch {
	return store.ImportBatch{Rows: rows, Failed: failed}
}

// counts is an import's counts: read, created, updated, unchanged, skipped, failed.
func importCounts(imp store.Import) [6]int64 {
	return [6]int64{imp.RowsRead, imp.Created, imp.Updated, imp.Unchanged, imp.Skipped, imp.Failed}
}

func wantImport(t *testing.T, s *store.Store, got store.Import, status store.ImportStatus, counts [6]int64) {
	t.Helper()
	if got.Status != status || importCounts(got) != counts {
		t.Fatalf("import %s %v (error %v), want %s %v", got.Status, importCounts(got), deref(got.Error), status, counts)
	}
	stored := must[store.Import](t)(s.Import(ctx, got.OrgID, got.ID))
	if !reflect.DeepEqual(stored, got) {
		t.Fatalf("the record reads\n%+v\nnot what the import answered\n%+v", stored, got)
	}
	if got.FinishedAt == nil {
		t.Fatal("an ended import has no finishedAt")
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// listed returns the list's contacts by phone.
func listed(t *testing.T, s *store.Store, orgID string, listID int64) map[string]store.Contact {
	t.Helper()
	page := must[store.ContactPage](t)(s.QueryContacts(ctx, orgID, store.ContactQuery{ListIDs: []int64{listID}}, nil, 200, false))
	out := map[string]store.Contact{}
	for _, c := range page.Contacts {
		out[c.Phone] = c
	}
	return out
}

func TestImportOnConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "main")
		held := must[store.Contact](t)(s.CreateContact(ctx, org.ID, store.NewContact{ListID: list.ID,
			Phone: mustPhone(t, "+5492235961983"), ContactFields: store.ContactFields{
				FullName: ptr("Juan Perez"), Email: ptr("juan@ejemplo.com"), Tags: []string{"lead"}}}))
		s.SetClock(func() time.Time { return time.Now().Add(time.Hour) })

		for _, tc := range []struct {
			on     store.OnConflict
			counts [6]int64
			name   string // the held contact's full name after
		}{
			// Rows: the held phone in another spelling (fullName only), a new phone, a bad row,
			// and the new phone again in the same batch.
			{store.ConflictSkip, [6]int64{4, 1, 0, 0, 2, 1}, "Juan Perez"},
			{store.ConflictFail, [6]int64{4, 1, 0, 0, 0, 3}, "Juan Perez"},
			{store.ConflictUpdate, [6]int64{4, 1, 2, 0, 0, 1}, "Juan P."},
		} {
			t.Run(string(tc.on), func(t *testing.T) {
				l := newList(t, s, org.ID, "copy "+string(tc.on))
				must[store.Contact](t)(s.CreateContact(ctx, org.ID, store.NewContact{ListID: l.ID,
					Phone: mustPhone(t, held.Phone), ContactFields: store.ContactFields{
						FullName: held.FullName, Email: held.Email, Tags: held.Tags}}))
				im := &importer{t: t, s: s, org: org.ID}
				imp := im.start(store.ImportSpec{ListID: l.ID, OnConflict: tc.on})
				rows := []store.ImportRow{
					im.row("+54 223 15-596-1983", "FullName", "Juan P."),
					im.row("+5491155550000", "FullName", "Ana", "Tags", []string{"vip", "vip"}),
				}
				bad := im.failedRow("email", "is not an email address")
				rows = append(rows, im.row("+5491155550000", "FullName", "Ana Gomez"))
				got, err := im.run(imp, []store.ImportBatch{batch(rows, bad)}, nil)
				if err != nil {
					t.Fatal(err)
				}
				wantImport(t, s, got, store.ImportSucceeded, tc.counts)
				contacts := listed(t, s, org.ID, l.ID)
				if len(contacts) != 2 {
					t.Fatalf("%d contacts, want 2", len(contacts))
				}
				juan := contacts["+5492235961983"]
				if *juan.FullName != tc.name || *juan.Email != "juan@ejemplo.com" || !reflect.DeepEqual(juan.Tags, []string{"lead"}) {
					t.Fatalf("the held contact is %s %v %v: an update writes only the row's fields", *juan.FullName, deref(juan.Email), juan.Tags)
				}
				ana := contacts["+5491155550000"]
				wantAna := "Ana"
				if tc.on == store.ConflictUpdate {
					wantAna = "Ana Gomez" // the second row of the phone updated the first
				}
				if *ana.FullName != wantAna || !reflect.DeepEqual(ana.Tags, []string{"vip"}) {
					t.Fatalf("the new contact is %s %v, want %s [vip]", *ana.FullName, ana.Tags, wantAna)
				}
				var fields []string
				for _, f := range got.FailedRows {
					fields = append(fields, fmt.Sprintf("%d:%s", f.Row, f.Field))
				}
				wantFailed := map[store.OnConflict]string{
					store.ConflictSkip: "3:email", store.ConflictFail: "1:phone 3:email 4:phone", store.ConflictUpdate: "3:email",
				}[tc.on]
				if strings.Join(fields, " ") != wantFailed {
					t.Fatalf("failed rows %v, want %s (in row order)", fields, wantFailed)
				}
			})
		}
	})
}

func TestImportUnchangedKeepsUpdatedAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "main")
		im := &importer{t: t, s: s, org: org.ID}
		first := func() []store.ImportRow {
			im.n = 0
			return []store.ImportRow{
				im.row("+5492235961983", "FullName", "Juan", "Tags", []string{"a", "b"}, "Email", "j@x.com", "Notes", (*string)(nil)),
				im.row("+5491155550000", "FullName", "Ana"),
			}
		}
		got, err := im.run(im.start(store.ImportSpec{ListID: list.ID}), []store.ImportBatch{batch(first())}, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantImport(t, s, got, store.ImportSucceeded, [6]int64{2, 2, 0, 0, 0, 0})
		before := listed(t, s, org.ID, list.ID)
		s.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
		again, err := im.run(im.start(store.ImportSpec{ListID: list.ID}), []store.ImportBatch{batch(first())}, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantImport(t, s, again, store.ImportSucceeded, [6]int64{2, 0, 0, 2, 0, 0})
		if after := listed(t, s, org.ID, list.ID); !reflect.DeepEqual(after, before) {
			t.Fatalf("importing the same rows again changed the contacts:\n%+v\n%+v", before, after)
		}
	})
}

// TestImportChunksCommitAlone: a chunk the database refuses midway is applied not at all, the
// others whole, and the record counts exactly the rows applied. With one writer the chunks
// after it never begin; with two the chunk beside it may commit, and the record says so.
func TestImportChunksCommitAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		failOnName(t, s, "boom")
		im := &importer{t: t, s: s, org: org.ID}
		chunk1 := []store.ImportRow{im.row("+5491155550001", "FullName", "a"), im.row("+5491155550002", "FullName", "b")}
		chunk2 := []store.ImportRow{im.row("+5491155550003", "FullName", "c"), im.row("+5491155550004", "FullName", "boom"), im.row("+5491155550005", "FullName", "e")}
		chunk3 := []store.ImportRow{im.row("+5491155550006", "FullName", "f")}
		for _, c := range []struct {
			atomic  bool
			writers int
		}{{false, 1}, {false, 2}, {true, 1}} {
			t.Run(fmt.Sprintf("atomic=%v writers=%d", c.atomic, c.writers), func(t *testing.T) {
				s.SetImportWriters(c.writers)
				defer s.SetImportWriters(store.DefaultImportWriters)
				l := newList(t, s, org.ID, fmt.Sprint("list ", c.atomic, c.writers))
				got, err := im.run(im.start(store.ImportSpec{ListID: l.ID, Atomic: c.atomic}), []store.ImportBatch{batch(chunk1), batch(chunk2), batch(chunk3)}, nil)
				if err == nil || !strings.Contains(err.Error(), "boom") {
					t.Fatalf("err = %v, want the database's boom", err)
				}
				if !strings.Contains(deref(got.Error), "rows 3 to 5") {
					t.Fatalf("error %q does not say which rows", deref(got.Error))
				}
				contacts := listed(t, s, org.ID, l.ID)
				want := map[string]bool{"+5491155550001": true, "+5491155550002": true}
				switch {
				case c.atomic:
					want = map[string]bool{}
				case s.Dialect() == store.Postgres && c.writers > 1:
					if _, ok := contacts["+5491155550006"]; ok {
						want["+5491155550006"] = true // applied beside the chunk that failed
					}
				}
				for p := range contacts {
					if !want[p] {
						t.Fatalf("%s is in the list: a chunk is applied whole or not at all", p)
					}
				}
				if len(contacts) != len(want) {
					t.Fatalf("%d contacts in the list, want %d", len(contacts), len(want))
				}
				counts := [6]int64{int64(len(want)), int64(len(want)), 0, 0, 0, 0}
				if c.atomic {
					counts[0] = 2 // the rows read before the chunk that failed
				}
				wantImport(t, s, got, store.ImportFailed, counts)
			})
		}
	})
}

// failOnName makes the database refuse, mid-statement, to write a contact of that full name.
func failOnName(t *testing.T, s *store.Store, name string) {
	t.Helper()
	stmts := []string{
		`CREATE TRIGGER import_test_boom BEFORE INSERT ON contacts WHEN NEW.full_name = '` + name + `' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
	}
	if s.Dialect() == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION import_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.full_name = '` + name + `' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER import_test_boom BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION import_test_boom()`,
		}
	}
	for _, q := range stmts {
		if _, err := s.Pool().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestImportAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		im := &importer{t: t, s: s, org: org.ID}
		rows := []store.ImportRow{im.row("+5491155550001"), im.row("+5491155550002")}
		bad := im.failedRow("phone", "is too short to be a phone number")

		imp := im.start(store.ImportSpec{ListName: "fresh", Atomic: true})
		if !imp.ListCreated {
			t.Fatal("the list was not created by name")
		}
		got, err := im.run(imp, []store.ImportBatch{batch(rows), batch(nil, bad)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantImport(t, s, got, store.ImportFailed, [6]int64{3, 0, 0, 0, 0, 1})
		if !strings.Contains(deref(got.Error), "none was applied") {
			t.Fatalf("error %q", deref(got.Error))
		}
		// The list it created stays, empty: another import may have found it by name meanwhile.
		if _, err := s.ContactList(ctx, org.ID, imp.ListID); err != nil {
			t.Fatalf("the list the failed atomic import created: %v", err)
		}
		if n := len(listed(t, s, org.ID, imp.ListID)); n != 0 {
			t.Fatalf("the failed atomic import left %d contacts", n)
		}

		imp = im.start(store.ImportSpec{ListName: "fresh", Atomic: true})
		if imp.ListCreated {
			t.Fatal("by name again: the list was created again")
		}
		got, err = im.run(imp, []store.ImportBatch{batch(rows[:1]), batch(rows[1:])}, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantImport(t, s, got, store.ImportSucceeded, [6]int64{2, 2, 0, 0, 0, 0})
		if n := len(listed(t, s, org.ID, imp.ListID)); n != 2 {
			t.Fatalf("%d contacts, want 2", n)
		}
		// By name again, spelled with spaces: the same list.
		again := im.start(store.ImportSpec{ListName: " fresh ", Atomic: true})
		if again.ListCreated || again.ListID != imp.ListID {
			t.Fatalf("by name again: list %d created %v, want list %d not created", again.ListID, again.ListCreated, imp.ListID)
		}
	})
}

func TestImportStoppedByTheFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "main")
		im := &importer{t: t, s: s, org: org.ID}
		stop := errors.New(`line 9: bare " in non-quoted field`)
		got, err := im.run(im.start(store.ImportSpec{ListID: list.ID}), []store.ImportBatch{batch([]store.ImportRow{im.row("+5491155550001")})}, stop)
		if !errors.Is(err, stop) {
			t.Fatalf("err = %v, want the reader's", err)
		}
		wantImport(t, s, got, store.ImportFailed, [6]int64{1, 1, 0, 0, 0, 0})
		if !strings.Contains(deref(got.Error), "line 9") {
			t.Fatalf("error %q does not carry the reader's", deref(got.Error))
		}
	})
}

func TestImportTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
		listB := newList(t, s, b.ID, "theirs")
		im := &importer{t: t, s: s, org: a.ID}
		if _, err := s.StartImport(ctx, a.ID, store.ImportSpec{ListID: listB.ID, Format: "csv", OnConflict: store.ConflictUpdate}); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("import into another organization's list: %v, want not found", err)
		}
		// A list of the same name in each: by name, each its own.
		newList(t, s, a.ID, "theirs")
		imp := im.start(store.ImportSpec{ListName: "theirs"})
		if imp.ListID == listB.ID && imp.OrgID != a.ID || imp.ListCreated {
			t.Fatalf("by name: %+v", imp)
		}
		got, err := im.run(imp, []store.ImportBatch{batch([]store.ImportRow{im.row("+5491155550001")})}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, b.ID, got.ID); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("another organization reads the import: %v", err)
		}
		if list, _, _ := s.Imports(ctx, b.ID, "", 50); len(list) != 0 {
			t.Fatalf("another organization lists %d imports", len(list))
		}
		if n := len(listed(t, s, b.ID, listB.ID)); n != 0 {
			t.Fatalf("the other organization's list of the same name has %d contacts", n)
		}
	})
}

func TestImportsListingAndInterrupted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "main")
		im := &importer{t: t, s: s, org: org.ID}
		var ids []string
		for range 3 {
			ids = append(ids, im.start(store.ImportSpec{ListID: list.ID}).ID)
		}
		page, more, err := s.Imports(ctx, org.ID, "", 2)
		if err != nil || !more || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
			t.Fatalf("first page %v more %v err %v, want the two newest", page, more, err)
		}
		page, more, err = s.Imports(ctx, org.ID, page[1].ID, 2)
		if err != nil || more || len(page) != 1 || page[0].ID != ids[0] {
			t.Fatalf("second page %v more %v err %v", page, more, err)
		}
		if page[0].Status != store.ImportRunning || page[0].FinishedAt != nil {
			t.Fatalf("a started import reads %s", page[0].Status)
		}
		n, err := s.FailInterruptedImports(ctx)
		if err != nil || n != 3 {
			t.Fatalf("FailInterruptedImports = %d, %v, want 3", n, err)
		}
		got := must[store.Import](t)(s.Import(ctx, org.ID, ids[0]))
		if got.Status != store.ImportFailed || !strings.Contains(deref(got.Error), "server stopped") {
			t.Fatalf("an interrupted import reads %s %q", got.Status, deref(got.Error))
		}
	})
}

func TestImportFailedRowsCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "main")
		im := &importer{t: t, s: s, org: org.ID}
		var failed []store.RowError
		for range store.MaxFailedRows + 5 {
			failed = append(failed, im.failedRow("phone", "is not a number"))
		}
		got, err := im.run(im.start(store.ImportSpec{ListID: list.ID}), []store.ImportBatch{batch(nil, failed[:700]...), batch(nil, failed[700:]...)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Failed != int64(len(failed)) || len(got.FailedRows) != store.MaxFailedRows || got.FailedRowsOmitted != 5 || got.FailedRows[999].Row != 1000 {
			t.Fatalf("failed %d listed %d omitted %d", got.Failed, len(got.FailedRows), got.FailedRowsOmitted)
		}
	})
}

var _ = context.Background
