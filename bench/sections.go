package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wagate/wagate/store"
)

// contactEnv is what the contact figures need: wagate running on the data set, and the same
// statements straight through pgx beside it.
type contactEnv struct {
	cfg    config
	d      dataset
	sd     seeded
	wagate *server
	st     *store.Store  // builds the statements (ContactQuerySQL); runs none of them
	pool   *pgxpool.Pool // runs them: as many connections as the baseline server's
	hc     *http.Client  // wagate's side: room for every request in flight
	contactFiles
}

// contactFiles are the run's files the import's figures use.
type contactFiles struct {
	dir       string // the run's temporary directory
	wagateBin string // to start a second wagate, on SQLite
	importCSV string // the data set as the import's CSV file; "" with -import=false
}

// sectionFunc measures one section of the contact report.
type sectionFunc func(ctx context.Context, env contactEnv) (section, error)

// section is one part of the report: how it was measured, and its figures.
type section struct {
	title   string
	notes   []string
	figures []figure
}

// figure is one measured value through wagate, beside the same work straight through pgx,
// and the target it is held to. A figure without a target prints no verdict.
type figure struct {
	name           string
	wagate, direct string // direct: "" when nothing runs beside it
	ratio          string
	target         string
	met            *bool
}

func verdict(ok bool) *bool { return &ok }

// ratioOf is a/b to three decimals, or "-" when b is nothing.
func ratioOf(a, b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", a/b)
}

// printSections writes the sections and then every figure with its target: the summary.
func printSections(w io.Writer, title string, secs []section) {
	fmt.Fprintf(w, "\n=== %s ===\n", title)
	for _, s := range secs {
		fmt.Fprintf(w, "\n%s\n", s.title)
		for _, n := range s.notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	fmt.Fprintf(w, "\nfigures (direct: the same SQL straight through pgx, for the import a COPY of the same rows; ratio: wagate/direct)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  figure\twagate\tdirect\tratio\ttarget\t")
	for _, s := range secs {
		for _, f := range s.figures {
			v := "-"
			if f.met != nil {
				v = met(*f.met)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", f.name, f.wagate, dash(f.direct), dash(f.ratio), dash(f.target), v)
		}
	}
	tw.Flush()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
