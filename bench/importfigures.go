package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wagate/wagate/store"
)

// The import figures of issue 9: the data set as one CSV file (importcsv.go) uploaded to
// POST /api/v1/contacts/import, on PostgreSQL beside the same rows COPY'd through pgx
// (importcopy.go), then again into the same list, then on SQLite.

// Issue 9's targets for a 1,000,000-row import.
const (
	targetImportTime  = 60 * time.Second
	targetImportRSSKB = 250 * 1024
)

// importFigures measures the import; -import=false skips it.
func importFigures(ctx context.Context, env contactEnv) (section, error) {
	sec := section{title: "contact import, the data set as one CSV file (POST " + importPath + ", text/csv, streamed)"}
	if !env.cfg.importRun {
		sec.notes = append(sec.notes, "skipped (-import=false)")
		return sec, nil
	}
	n := env.d.contacts
	pg := importTarget{srv: env.wagate, apiKey: env.sd.apiKey}
	name := "bench-import-" + time.Now().UTC().Format("20060102-150405.000")
	warm, err := warmContacts(ctx, env)
	if err != nil {
		return sec, err
	}
	fmt.Printf("Importing %s rows into wagate on PostgreSQL (list %q)...\n", thousands(n), name)
	first, err := uploadImport(ctx, pg, env.importCSV, url.Values{"contactListName": {name}}, "")
	listID := first.rec.ContactListId
	var again importRun
	if err == nil {
		fmt.Printf("Importing them again into the same list (onConflict=update)...\n")
		again, err = uploadImport(ctx, pg, env.importCSV,
			url.Values{"contactListId": {strconv.FormatInt(listID, 10)}, "onConflict": {"update"}}, first.rec.Id)
	}
	// The list goes whatever happened, an interrupted run included (wagate is stopped only
	// after this section), so that runs do not grow the database.
	var delTook time.Duration
	if listID != 0 {
		fmt.Printf("Deleting list %d...\n", listID)
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		var derr error
		delTook, derr = deleteList(dctx, pg, listID)
		if derr == nil {
			// The deleted rows stay as dead tuples until a vacuum: without one, the next run's
			// queries would read through millions of them.
			fmt.Printf("VACUUM (ANALYZE) contacts...\n")
			_, derr = env.pool.Exec(dctx, "VACUUM (ANALYZE) contacts")
		}
		cancel()
		if derr != nil {
			err = errors.Join(err, derr)
		}
	}
	if err != nil {
		return sec, err
	}
	warmCopy, err := warmContacts(ctx, env)
	if err != nil {
		return sec, err
	}
	fmt.Printf("COPY of the same rows through pgx...\n")
	cp, err := copyImportCSV(ctx, env.st, env.pool, env.importCSV, env.sd.org.ID, n)
	if err != nil {
		return sec, err
	}
	fmt.Printf("Importing %s rows into a second wagate on SQLite...\n", thousands(n))
	lite, err := importOnSQLite(ctx, env)
	if err != nil {
		return sec, err
	}

	rec, rows := first.rec, thousands(n)
	countsOK := rec.Created+rec.Updated == int64(n) && rec.Failed == 0
	sec.notes = append(sec.notes,
		fmt.Sprintf("cache   contacts and every index of it read with pg_prewarm before each import and the COPY (%s, then %s): each writes all over them,", warm, warmCopy),
		"        and a page the OS must read from disk first would time the disk, not the import",
		"wagate on PostgreSQL (the data set's database), into a new list by contactListName:",
		fmt.Sprintf("        its default configuration: IMPORT_WRITERS=%d, that many chunks of 5,000 rows applied at once, each on a connection of its own", store.DefaultImportWriters),
		importNote("wagate", first),
		fmt.Sprintf("        record %s: created %s, updated %s, unchanged %s, skipped %s, failed %s (created+updated %s)",
			rec.Id, thousands(int(rec.Created)), thousands(int(rec.Updated)), thousands(int(rec.Unchanged)),
			thousands(int(rec.Skipped)), thousands(int(rec.Failed)), thousands(int(rec.Created+rec.Updated))),
		"        the file repeats 5% of its phones (the data set's second lists): a phone's second row updates the contact its first created",
		importNote("again", again),
		fmt.Sprintf("        same file into the same list, onConflict=update: created %s, updated %s, unchanged %s, failed %s",
			thousands(int(again.rec.Created)), thousands(int(again.rec.Updated)), thousands(int(again.rec.Unchanged)), thousands(int(again.rec.Failed))),
		"        (a repeated phone's two rows differ: each sets the contact back to its own values, so those rows count as updated)",
		fmt.Sprintf("delete  DELETE %s%d: %s (the list and, by cascade, its %s contacts)", contactListPath, listID,
			delTook.Round(10*time.Millisecond), thousands(int(rec.Created))),
		fmt.Sprintf("COPY    %s rows in %s: %s rows/s; encoding/csv + pgx CopyFrom (binary) in one statement into contacts itself",
			thousands(int(cp.rows)), cp.took.Round(10*time.Millisecond), thousands(int(cp.rowsPerSecond()))),
		"        (the data set's organization, two new lists: every index, the foreign key); no phone parsing, no checks, no upsert, one transaction on one connection, no record",
		"a second wagate on SQLite, the same file into a new list:",
		importNote("SQLite", lite),
		fmt.Sprintf("        a second wagate, first start on an empty WAGATE_DATA_DIR; created %s, updated %s, failed %s",
			thousands(int(lite.rec.Created)), thousands(int(lite.rec.Updated)), thousands(int(lite.rec.Failed))),
	)
	sec.figures = append(sec.figures,
		figure{name: "i. import " + rows + " rows, PostgreSQL: time", wagate: secs(first.took), direct: secs(cp.took),
			ratio: ratioOf(first.took.Seconds(), cp.took.Seconds()), target: "< " + targetImportTime.String(),
			met: verdict(first.took < targetImportTime)},
		figure{name: "i. import rows/s, PostgreSQL", wagate: thousands(int(first.rowsPerSecond())), direct: thousands(int(cp.rowsPerSecond())),
			ratio: ratioOf(first.rowsPerSecond(), cp.rowsPerSecond())},
		figure{name: "i. import created+updated, failed", wagate: thousands(int(rec.Created+rec.Updated)) + ", " + thousands(int(rec.Failed)),
			direct: thousands(int(cp.rows)), target: "= " + thousands(n) + ", 0", met: verdict(countsOK)},
		figure{name: "i. import peak RSS (50 ms samples)", wagate: mb(first.rssPeak), target: "< " + mb(targetImportRSSKB),
			met: verdict(first.rssPeak < targetImportRSSKB)},
		figure{name: "i. import peak RSS (VmHWM)", wagate: mb(first.hwm), target: "< " + mb(targetImportRSSKB),
			met: verdict(first.hwm < targetImportRSSKB)},
		figure{name: "i. import again, same list (unchanged)", wagate: secs(again.took), target: "reported"},
		figure{name: "i. delete the imported list", wagate: secs(delTook), target: "reported"},
		figure{name: "i. import " + rows + " rows, SQLite: time", wagate: secs(lite.took), target: "reported"},
		figure{name: "i. import rows/s, SQLite", wagate: thousands(int(lite.rowsPerSecond())), target: "reported"},
		figure{name: "i. import peak RSS, SQLite (50 ms / VmHWM)", wagate: mb(lite.rssPeak) + " / " + mb(lite.hwm), target: "reported"},
	)
	return sec, nil
}

// importOnSQLite uploads the file to a wagate of its own on SQLite, stopped (and its data
// removed, unless -keep) afterwards.
func importOnSQLite(ctx context.Context, env contactEnv) (importRun, error) {
	t, dataDir, err := startSQLiteWagate(ctx, env.wagateBin, env.dir)
	if !env.cfg.keep {
		defer os.RemoveAll(dataDir)
	}
	if err != nil {
		return importRun{}, err
	}
	defer t.srv.stop()
	run, err := uploadImport(ctx, t, env.importCSV, url.Values{"contactListName": {"bench-import"}}, "")
	if err != nil {
		return run, fmt.Errorf("SQLite: %w", err)
	}
	return run, nil
}

// importNote is one upload's figures on a line, then its progress on the next.
func importNote(label string, r importRun) string {
	return fmt.Sprintf("%-7s %s rows, %.1f MB in %s (body sent after %s): %s rows/s; RSS peak %s (%d samples every %s), %s %s\n"+
		"        CPU: wagate %s, PostgreSQL %s, other processes %.2f cores; progress read/committed: %s",
		label, thousands(int(applied(r.rec))), float64(r.bytes)/1e6, secs(r.took), secs(r.bodySent),
		thousands(int(r.rowsPerSecond())), mb(r.rssPeak), r.samples, rssEvery, r.hwmNote, mb(r.hwm),
		secs(r.cpu.server), secs(r.cpu.postgres), r.cpu.otherCores(), progressNote(r.progress))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// warmContacts reads contacts and all its indexes into the OS's cache (pg_prewarm 'read'),
// and says how much and how long it took.
func warmContacts(ctx context.Context, env contactEnv) (string, error) {
	start := time.Now()
	var blocks int64
	err := env.pool.QueryRow(ctx, `SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c
WHERE c.oid = 'contacts'::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'contacts'::regclass)`).Scan(&blocks)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42883" { // undefined_function: see prewarm
		return "skipped: pg_prewarm is not available", nil
	}
	if err != nil {
		return "", fmt.Errorf("pg_prewarm contacts: %w", err)
	}
	return fmt.Sprintf("%d MB in %s", blocks*8/1024, time.Since(start).Round(10*time.Millisecond)), nil
}
