package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wagate/wagate/store"
)

// contactSections are the contact figures, in the order they run and print. The import runs
// last: it adds a list of a million contacts to the organization (deleted again at its end),
// which the query and export figures must not see.
var contactSections = []sectionFunc{queryFigures, deepPageFigures, exportFigures, importFigures}

// runContacts measures the contact query, export and import figures against wagate, each
// beside the same work straight through pgx, and prints the summary.
func runContacts(ctx context.Context, cfg config, d dataset, sd seeded, wagate *server, files contactFiles) error {
	st, err := store.Open(ctx, store.Config{URL: sd.url})
	if err != nil {
		return err
	}
	defer st.Close()
	pc, err := pgxpool.ParseConfig(sd.url)
	if err != nil {
		return err
	}
	// As many connections as wagate's store (the baseline's -baseline-conns, 16 by default).
	pc.MaxConns = int32(cfg.baselineConns)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	hc := openClient(cfg.inFlight)
	defer hc.CloseIdleConnections()

	env := contactEnv{cfg: cfg, d: d, sd: sd, wagate: wagate, st: st, pool: pool, hc: hc, contactFiles: files}
	sections := contactSections
	if cfg.mode == "import" {
		sections = []sectionFunc{importFigures}
	}
	settings, err := serverSettings(ctx, pool)
	if err != nil {
		return err
	}
	var secs []section
	for _, measure := range sections {
		sec, err := measure(ctx, env)
		if err != nil {
			return fmt.Errorf("%s: %w", sec.title, err)
		}
		secs = append(secs, sec)
	}
	fmt.Println()
	fmt.Printf("=== wagate contact query, export and import: how it ran ===\n")
	fmt.Printf("data      %s contacts in %d lists, %d tags, %d categories, %d sources, %d last-call statuses; %s\n",
		thousands(d.contacts), d.lists, len(tagPool), len(categories), len(sources), len(callResults), sd.note)
	fmt.Printf("host      %s\nload      %s\n", hostLine(), loadAverage())
	fmt.Printf("postgres  %s\n", settings)
	fmt.Printf("queries   %s\n", openOpts{rate: cfg.queryRate, warmup: cfg.queryWarmup, duration: cfg.queryDuration, inFlight: cfg.inFlight}.scheduleNote())
	fmt.Printf("direct    the statement store.ContactQuerySQL builds (the one QueryContacts runs), through a pgxpool of %d\n"+
		"          connections, QueryExecModeExec as the store, rows read off the wire but not decoded\n", cfg.baselineConns)
	printSections(os.Stdout, "wagate contact query, export and import: summary", secs)
	return nil
}
