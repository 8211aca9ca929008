package store_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// phones is n rows of consecutive phones from from on.
func phones(t *testing.T, im *importer, from, n int) []store.ImportRow {
	var rows []store.ImportRow
	for i := 0; i < n; i++ {
		rows = append(rows, im.row(fmt.Sprintf("+5491155%06d", from+i), "FullName", "x"))
	}
	return rows
}

// TestImportsShareASmallPool (PostgreSQL): an import holds its writers' connections for its
// whole life (COPY needs pgx's own; a pool of 2 gives it one writer); it must need no other
// for its chunks (ids, record), or as many imports as connections, each waiting for its
// body, would wait on each other for good.
func TestImportsShareASmallPool(t *testing.T) {
	dbURL, dir := storetest.URL(t, storetest.Postgres)
	storetest.OpenURL(t, dbURL, dir) // migrates the schema
	s, err := store.Open(context.Background(), store.Config{URL: dbURL, DataDir: dir, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := newOrg(t, s, "a")
	list := newList(t, s, org.ID, "main")
	var started sync.WaitGroup
	started.Add(2)
	var wg sync.WaitGroup
	for k := 0; k < 2; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			im := &importer{t: t, s: s, org: org.ID}
			imp := must[store.Import](t)(s.StartImport(ctx, org.ID, store.ImportSpec{ListID: list.ID, Format: "csv", OnConflict: store.ConflictUpdate}))
			rows := phones(t, im, k*100, 10)
			c, cancel := context.WithTimeout(ctx, 8*time.Second)
			defer cancel()
			first := true
			got, err := s.RunImport(c, imp, func() (store.ImportBatch, error) {
				if first {
					first = false
					started.Done()
					started.Wait() // both imports hold their connection now (body arriving)
					return batch(rows), nil
				}
				return store.ImportBatch{}, io.EOF
			})
			if err != nil || got.Status != store.ImportSucceeded || got.Created != 10 {
				t.Errorf("import %d on a pool of 2: %s %v (%v)", k, got.Status, err, deref(got.Error))
			}
		}()
	}
	wg.Wait()
}

// TestSQLiteAtomicImportLetsOthersWrite: an atomic import on SQLite reads its whole file
// before its transaction takes the database's one write lock, so a client slow to send does
// not stop every other writer (busy_timeout would fail them).
func TestSQLiteAtomicImportLetsOthersWrite(t *testing.T) {
	s := storetest.Open(t, storetest.SQLite)
	a, b := newOrg(t, s, "a"), newOrg(t, s, "b")
	la := newList(t, s, a.ID, "main")
	release := make(chan struct{})
	done := make(chan struct{})
	imp := must[store.Import](t)(s.StartImport(ctx, a.ID, store.ImportSpec{ListID: la.ID, Format: "csv", OnConflict: store.ConflictUpdate, Atomic: true}))
	go func() {
		defer close(done)
		im := &importer{t: t, s: s, org: a.ID}
		rows := phones(t, im, 0, 3)
		n := 0
		got, err := s.RunImport(ctx, imp, func() (store.ImportBatch, error) {
			n++
			if n == 1 {
				return batch(rows), nil
			}
			<-release // the client stops sending
			return store.ImportBatch{}, io.EOF
		})
		if err != nil || got.Created != 3 {
			t.Errorf("the atomic import: %s %v", got.Status, err)
		}
	}()
	time.Sleep(300 * time.Millisecond) // the import has its first batch and waits for more
	_, err := s.CreateContactList(ctx, b.ID, store.NewContactList{Name: "other org"})
	progress := must[store.Import](t)(s.Import(ctx, a.ID, imp.ID))
	close(release)
	<-done
	if err != nil {
		t.Fatalf("another organization could not write while an atomic import waited for its body: %v", err)
	}
	if progress.RowsRead != 3 || progress.Status != store.ImportRunning {
		t.Fatalf("while it waited, the record read %s with %d rows read, want running with 3", progress.Status, progress.RowsRead)
	}
}

// TestFailedAtomicImportKeepsItsListForOthers: an atomic import that created its list by name
// and then failed leaves the list: another import may have found it by that name meanwhile.
func TestFailedAtomicImportKeepsItsListForOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		imA := &importer{t: t, s: s, org: org.ID}
		imB := &importer{t: t, s: s, org: org.ID}
		a := must[store.Import](t)(s.StartImport(ctx, org.ID, store.ImportSpec{ListName: "X", Format: "csv", OnConflict: store.ConflictUpdate, Atomic: true}))
		b := must[store.Import](t)(s.StartImport(ctx, org.ID, store.ImportSpec{ListName: "X", Format: "csv", OnConflict: store.ConflictUpdate}))
		if !a.ListCreated || b.ListCreated || a.ListID != b.ListID {
			t.Fatal("setup")
		}
		// A fails (a bad row), and drops "its" list; B then writes its rows.
		gotA, errA := imA.run(a, []store.ImportBatch{batch(nil, imA.failedRow("phone", "bad"))}, nil)
		if errA != nil || gotA.Status != store.ImportFailed {
			t.Fatalf("A: %s %v", gotA.Status, errA)
		}
		gotB, errB := imB.run(b, []store.ImportBatch{batch(phones(t, imB, 0, 3))}, nil)
		if errB != nil || gotB.Created != 3 {
			t.Fatalf("an import by name failed because a concurrent import by the same name dropped the list: %v", errB)
		}
	})
}

// TestFailedAtomicImportKeepsAListOthersFilled (PostgreSQL): B, atomic too, holds uncommitted
// rows in the list when A fails; B's contacts must outlive A.
func TestFailedAtomicImportKeepsAListOthersFilled(t *testing.T) {
	s := storetest.Open(t, storetest.Postgres)
	org := newOrg(t, s, "a")
	imA := &importer{t: t, s: s, org: org.ID}
	imB := &importer{t: t, s: s, org: org.ID}
	a := must[store.Import](t)(s.StartImport(ctx, org.ID, store.ImportSpec{ListName: "X", Format: "csv", OnConflict: store.ConflictUpdate, Atomic: true}))
	b := must[store.Import](t)(s.StartImport(ctx, org.ID, store.ImportSpec{ListName: "X", Format: "csv", OnConflict: store.ConflictUpdate, Atomic: true}))
	release := make(chan struct{})
	doneB := make(chan store.Import)
	go func() {
		n := 0
		rows := phones(t, imB, 0, 3)
		got, err := s.RunImport(ctx, b, func() (store.ImportBatch, error) {
			n++
			if n == 1 {
				return batch(rows), nil
			}
			<-release
			return store.ImportBatch{}, io.EOF
		})
		if err != nil {
			t.Error(err)
		}
		doneB <- got
	}()
	time.Sleep(500 * time.Millisecond) // B has written its rows, uncommitted
	doneA := make(chan struct{})
	go func() {
		imA.run(a, []store.ImportBatch{batch(nil, imA.failedRow("phone", "bad"))}, nil)
		close(doneA)
	}()
	<-doneA // A ends while B's rows are uncommitted
	close(release)
	gotB := <-doneB
	n := len(listed(t, s, org.ID, b.ListID))
	if _, err := s.ContactList(ctx, org.ID, b.ListID); err != nil || n != 3 || gotB.Created != 3 {
		t.Fatalf("B: %s, created %d; the list: %v, %d contacts", gotB.Status, gotB.Created, err, n)
	}
}

// TestConcurrentImportsOfOnePhoneSetInOtherOrders (PostgreSQL): two imports update the same
// contacts, their files in opposite orders: the locks are taken in the contacts' order, so
// neither deadlocks.
func TestConcurrentImportsOfOnePhoneSetInOtherOrders(t *testing.T) {
	s := storetest.Open(t, storetest.Postgres)
	org := newOrg(t, s, "a")
	list := newList(t, s, org.ID, "main")
	im := &importer{t: t, s: s, org: org.ID}
	base := phones(t, im, 0, 3000)
	if _, err := im.run(im.start(store.ImportSpec{ListID: list.ID}), []store.ImportBatch{batch(base)}, nil); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	failures := 0
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				im := &importer{t: t, s: s, org: org.ID}
				rows := phones(t, im, 0, 3000)
				for i := range rows {
					rows[i].FullName = ptr(fmt.Sprintf("r%d-k%d", round, k))
				}
				if k == 1 {
					for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
						rows[i], rows[j] = rows[j], rows[i]
					}
				}
				got, err := im.run(im.start(store.ImportSpec{ListID: list.ID}), []store.ImportBatch{batch(rows)}, nil)
				if err != nil {
					mu.Lock()
					failures++
					mu.Unlock()
					t.Logf("round %d import %d: %s %v", round, k, got.Status, err)
				}
			}()
		}
		wg.Wait()
	}
	if failures > 0 {
		t.Fatalf("%d of 10 concurrent imports failed", failures)
	}
}

// TestImportIntoAListDeletedMeanwhile: the list goes while the file arrives; the next chunk
// is refused by the foreign key and the import ends as not found, not as a fault.
func TestImportIntoAListDeletedMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "doomed")
		im := &importer{t: t, s: s, org: org.ID}
		imp := im.start(store.ImportSpec{ListID: list.ID})
		first := phones(t, im, 0, 2)
		second := phones(t, im, 2, 2)
		n := 0
		got, err := s.RunImport(ctx, imp, func() (store.ImportBatch, error) {
			n++
			switch n {
			case 1:
				return batch(first), nil
			case 2:
				// Batches are read ahead of the writers, on a goroutine of the store's (so no
				// t.Fatal here): the list goes once the first chunk has committed.
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
					rec, err := s.Import(ctx, org.ID, imp.ID)
					if err == nil && rec.Created == 2 {
						break
					}
					if time.Now().After(deadline) {
						return store.ImportBatch{}, fmt.Errorf("the first chunk did not commit: %v", err)
					}
				}
				if err := s.DeleteContactList(ctx, org.ID, list.ID); err != nil {
					return store.ImportBatch{}, err
				}
				return batch(second), nil
			}
			return store.ImportBatch{}, io.EOF
		})
		if store.ErrorCode(err) != store.ENOTFOUND || got.Status != store.ImportFailed || got.Created != 2 {
			t.Fatalf("import into a deleted list: %s created %d, %v", got.Status, got.Created, err)
		}
	})
}

// TestConcurrentImportsOfNewPhones: two imports bring the same phones, new to the list, at
// once. One's COPY waits on the other's uncommitted rows and then finds them taken (a unique
// violation): its chunk is tried again, meets those contacts, and updates them. Between
// them every phone is created once.
func TestConcurrentImportsOfNewPhones(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "a")
		list := newList(t, s, org.ID, "main")
		var wg sync.WaitGroup
		results := make([]store.Import, 2)
		for k := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				im := &importer{t: t, s: s, org: org.ID}
				rows := phones(t, im, 0, 3000)
				if k == 1 {
					slices.Reverse(rows)
				}
				got, err := im.run(im.start(store.ImportSpec{ListID: list.ID, OnConflict: store.ConflictSkip}), []store.ImportBatch{batch(rows)}, nil)
				if err != nil {
					t.Errorf("import %d: %v", k, err)
				}
				results[k] = got
			}()
		}
		wg.Wait()
		created, skipped := results[0].Created+results[1].Created, results[0].Skipped+results[1].Skipped
		if created != 3000 || skipped != 3000 {
			t.Fatalf("created %d and skipped %d between the two imports, want 3000 each (%v, %v)", created, skipped, importCounts(results[0]), importCounts(results[1]))
		}
		if n := must[store.ContactPage](t)(s.QueryContacts(ctx, org.ID, store.ContactQuery{ListIDs: []int64{list.ID}}, nil, 1, true)).Total; *n != 3000 {
			t.Fatalf("%d contacts in the list, want 3000", *n)
		}
	})
}
