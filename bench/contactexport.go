package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wagate/wagate/store"
)

// Figure d of issue 9: GET /api/v1/contacts/export of every contact as CSV, beside a COPY of
// the same columns in the same order straight out of PostgreSQL.

const exportPath = "/api/v1/contacts/export"

// rssEvery is how often the export's RSS is sampled.
const rssEvery = 50 * time.Millisecond

// lineCounter counts the bytes and the lines written to it. The data set's cells hold no
// line breaks, so a line is a row.
type lineCounter struct{ bytes, lines int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// exportRun is one export, through wagate or straight out of PostgreSQL.
type exportRun struct {
	took        time.Duration
	rows, bytes int64 // rows without the header
	rssPeak     int64 // kB: the highest 50 ms sample of VmRSS
	hwm         int64 // kB: VmHWM at the end, reset before the export when the kernel allows
	hwmReset    bool
	rssSamples  int
	cpu         cpuUse
}

func (r exportRun) rowsPerSecond() float64 { return float64(r.rows) / r.took.Seconds() }

// exportFigures measures the export through wagate, then the COPY.
func exportFigures(ctx context.Context, env contactEnv) (section, error) {
	sec := section{title: "contact export, every contact as CSV (GET " + exportPath + ")"}
	fmt.Printf("Exporting %s contacts through wagate, then with COPY...\n", thousands(env.d.contacts))
	w, err := exportThroughWagate(ctx, env)
	if err != nil {
		return sec, err
	}
	sql, args, err := env.st.ContactQuerySQL(env.sd.org.ID, store.ContactQuery{}, nil, env.d.contacts)
	if err != nil {
		return sec, err
	}
	copySQL, err := inlineArgs(sql, args)
	if err != nil {
		return sec, err
	}
	c, err := copyOut(ctx, env, "COPY ("+copySQL+") TO STDOUT WITH (FORMAT csv, HEADER)")
	if err != nil {
		return sec, err
	}
	hwm := "VmHWM since the process started (the kernel refused the reset)"
	if w.hwmReset {
		hwm = "VmHWM reset just before the export (clear_refs 5)"
	}
	sec.notes = append(sec.notes,
		fmt.Sprintf("wagate  %s rows, %.1f MB in %s: %s rows/s; RSS peak %s (%d samples every %s), %s %s; other processes %.2f cores",
			thousands(int(w.rows)), float64(w.bytes)/1e6, w.took.Round(10*time.Millisecond), thousands(int(w.rowsPerSecond())),
			mb(w.rssPeak), w.rssSamples, rssEvery, hwm, mb(w.hwm), w.cpu.otherCores()),
		fmt.Sprintf("COPY    %s rows, %.1f MB in %s: %s rows/s (one statement: the store's page statement for every contact, as CSV)",
			thousands(int(c.rows)), float64(c.bytes)/1e6, c.took.Round(10*time.Millisecond), thousands(int(c.rowsPerSecond()))),
		"        wagate reads it 1,000 contacts at a time (ContactPages; the server's exportPageSize), each page its own keyset query")
	sec.figures = append(sec.figures,
		figure{name: "d. export time", wagate: w.took.Round(10 * time.Millisecond).String(), direct: c.took.Round(10 * time.Millisecond).String(),
			ratio: ratioOf(w.took.Seconds(), c.took.Seconds())},
		figure{name: "d. export rows/s", wagate: thousands(int(w.rowsPerSecond())), direct: thousands(int(c.rowsPerSecond())),
			ratio: ratioOf(w.rowsPerSecond(), c.rowsPerSecond())},
		figure{name: "d. export rows", wagate: thousands(int(w.rows)), direct: thousands(int(c.rows)),
			target: "= " + thousands(env.d.contacts), met: verdict(w.rows == int64(env.d.contacts) && c.rows == int64(env.d.contacts))},
		figure{name: "d. export peak RSS (50 ms samples)", wagate: mb(w.rssPeak)},
		figure{name: "d. export peak RSS (VmHWM)", wagate: mb(w.hwm)},
	)
	return sec, nil
}

// exportThroughWagate downloads the export, counting its rows, while wagate's RSS is sampled.
func exportThroughWagate(ctx context.Context, env contactEnv) (exportRun, error) {
	var run exportRun
	pid := env.wagate.pid()
	rss := sampleRSS(pid)
	run.hwmReset = rss.hwmReset

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+env.wagate.addr+exportPath+"?format=csv", nil)
	if err != nil {
		rss.stop()
		return run, err
	}
	req.Header.Set("X-API-Key", env.sd.apiKey)
	before := sampleCPU(pid)
	start := time.Now()
	var lc lineCounter
	resp, err := env.hc.Do(req)
	if err == nil {
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			err = fmt.Errorf("export -> %d %s", resp.StatusCode, body)
		} else {
			_, err = io.Copy(&lc, resp.Body)
		}
		resp.Body.Close()
	}
	run.took = time.Since(start)
	run.cpu = cpuBetween(before, sampleCPU(pid))
	var serr error
	run.rssPeak, run.hwm, serr = rss.stop()
	run.rssSamples = rss.samples
	if err != nil {
		return run, fmt.Errorf("export through wagate: %w", err)
	}
	run.rows, run.bytes = lc.lines-1, lc.bytes // the header
	return run, serr
}

// copyOut runs a COPY ... TO STDOUT on one of the pool's connections, counting its rows.
func copyOut(ctx context.Context, env contactEnv, sql string) (exportRun, error) {
	var run exportRun
	conn, err := env.pool.Acquire(ctx)
	if err != nil {
		return run, err
	}
	defer conn.Release()
	var lc lineCounter
	start := time.Now()
	if _, err := conn.Conn().PgConn().CopyTo(ctx, &lc, sql); err != nil {
		return run, fmt.Errorf("COPY: %w", err)
	}
	run.took = time.Since(start)
	run.rows, run.bytes = lc.lines-1, lc.bytes
	return run, nil
}

// placeholder is a PostgreSQL parameter: $1, $2, ...
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// inlineArgs writes args into query as literals, for COPY, which takes no parameters. One
// pass, so that a literal holding "$2" is never read as a placeholder. Only the types the
// store's page statement binds without filters are handled.
func inlineArgs(query string, args []any) (string, error) {
	var err error
	out := placeholder.ReplaceAllStringFunc(query, func(m string) string {
		n, _ := strconv.Atoi(m[1:])
		if n < 1 || n > len(args) {
			err = fmt.Errorf("the statement has %s but %d arguments", m, len(args))
			return m
		}
		switch v := args[n-1].(type) {
		case string:
			return quoteLiteral(v)
		case int:
			return strconv.Itoa(v)
		case int64:
			return strconv.FormatInt(v, 10)
		}
		err = fmt.Errorf("cannot inline a %T argument", args[n-1])
		return m
	})
	return out, err
}

// quoteLiteral is v as a standard SQL string literal (standard_conforming_strings is on by
// default since PostgreSQL 9.1: a backslash is a backslash).
func quoteLiteral(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}
