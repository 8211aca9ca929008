package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wagate/wagate/store"
)

// Figures a-c of issue 9: POST /api/v1/contacts/query on the data set, each beside the
// statement the store builds for it (store.ContactQuerySQL) run straight through pgx at the
// same rate, with the same arguments and the same exec mode as the store.

const (
	queryPath = "/api/v1/contacts/query"
	pageLimit = 50
	// targetQueryP95 is issue 9's bound on a query's p95 at a fixed rate; targetDeepRatio,
	// on page 1,000's p95 over page 1's.
	targetQueryP95  = 50 * time.Millisecond
	targetDeepRatio = 1.5
	deepPage        = 1000
)

// stmt is a statement and its arguments, as the store runs it.
type stmt struct {
	sql  string
	args []any
}

// queryVariant is one query of a workload: its body for POST /contacts/query and the
// statement the store runs for it.
type queryVariant struct {
	label string
	body  []byte
	stmt  stmt
}

// queryBody is the part of POST /contacts/query's body the figures use.
type queryBody struct {
	Tags             []string `json:"tags,omitempty"`
	Categories       []string `json:"categories,omitempty"`
	LastCallStatuses []string `json:"lastCallStatuses,omitempty"`
	Q                string   `json:"q,omitempty"`
	Limit            int      `json:"limit"`
	Cursor           string   `json:"cursor,omitempty"`
}

// pageAnswer is the part of a contact page the figures read.
type pageAnswer struct {
	Items []struct {
		ID        int64     `json:"id"`
		CreatedAt time.Time `json:"createdAt"`
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func (p pageAnswer) ids() []int64 {
	out := make([]int64, len(p.Items))
	for i, c := range p.Items {
		out[i] = c.ID
	}
	return out
}

// variant builds the body and the statement of q, after a position (sent to wagate as the
// cursor that stands for it).
func (env contactEnv) variant(label string, q store.ContactQuery, after *store.ContactPosition, cursor string) (queryVariant, error) {
	sql, args, err := env.st.ContactQuerySQL(env.sd.org.ID, q, after, pageLimit)
	if err != nil {
		return queryVariant{}, err
	}
	if sql == "" {
		return queryVariant{}, fmt.Errorf("%s: the store says no contact can match", label)
	}
	body, err := json.Marshal(queryBody{Tags: q.Tags, Categories: q.Categories, LastCallStatuses: q.LastCallStatuses,
		Q: q.Q, Limit: pageLimit, Cursor: cursor})
	return queryVariant{label: label, body: body, stmt: stmt{sql, args}}, err
}

// filterQueries are figure a's: two tags, one or two categories and one last-call status,
// drawn from the data set's pools, a few hundred matches each.
func filterQueries() []store.ContactQuery {
	out := make([]store.ContactQuery, 12)
	for v := range out {
		h := mix(v, 0xF117)
		t1 := int(h % uint64(len(tagPool)))
		t2 := (t1 + 1 + int(h>>8%uint64(len(tagPool)-1))) % len(tagPool)
		c1 := int(h >> 16 % uint64(len(categories)))
		q := store.ContactQuery{Tags: []string{tagPool[t1], tagPool[t2]}, Categories: []string{categories[c1]},
			LastCallStatuses: []string{callResults[h>>32%uint64(len(callResults))]}}
		if h>>20%2 == 0 {
			q.Categories = append(q.Categories, categories[(c1+1+int(h>>24%uint64(len(categories)-1)))%len(categories)])
		}
		out[v] = q
	}
	return out
}

// surnameParts are figure b's name searches: a few letters of a surname, in any case. Each
// surname is one in 24 of the contacts', so each part matches tens of thousands.
var surnameParts = []string{"Rodr", "mart", "GONZ", "herre", "sosa", "agui", "medin", "flor"}

// phoneDigitQueries are figure b's phone searches: seven digits of a contact's phone, which
// match that contact and the few others whose phone holds the same run.
func phoneDigitQueries(d dataset) []store.ContactQuery {
	out := make([]store.ContactQuery, 8)
	for v := range out {
		e164 := numberAt(int(mix(v, 0x9A0E) % uint64(d.phones))).E164()
		out[v] = store.ContactQuery{Q: e164[len(e164)-9 : len(e164)-2]}
	}
	return out
}

// workload is a set of query variants sent in turn, to wagate and straight to PostgreSQL.
type workload struct {
	name     string
	variants []queryVariant
}

// queryRun is what one workload measured on both sides.
type queryRun struct {
	w              workload
	wagate, direct openResult
	identical      int // variants whose page was the same through wagate and through pgx
}

// measureQueries checks that wagate and the statement answer each variant with the same
// contacts, then drives each side for the configured window at the configured rate.
func measureQueries(ctx context.Context, env contactEnv, w workload) (queryRun, error) {
	run := queryRun{w: w}
	for _, v := range w.variants {
		page, err := env.postQuery(ctx, v.body)
		if err != nil {
			return run, fmt.Errorf("%s, %s: %w", w.name, v.label, err)
		}
		ids, err := runStmt(ctx, env.pool, v.stmt, true)
		if err != nil {
			return run, fmt.Errorf("%s, %s, straight through pgx: %w", w.name, v.label, err)
		}
		if slices.Equal(page.ids(), ids[:min(len(ids), pageLimit)]) {
			run.identical++
		}
	}
	fmt.Printf("Driving %s: wagate, then the same SQL through pgx (%s/s, %s each)...\n", w.name, thousands(int(env.cfg.queryRate)), env.cfg.queryDuration)
	o := openOpts{rate: env.cfg.queryRate, warmup: env.cfg.queryWarmup, duration: env.cfg.queryDuration,
		inFlight: env.cfg.inFlight, exited: env.wagate.exited, cpuPID: env.wagate.pid()}
	url := "http://" + env.wagate.addr + queryPath
	var err error
	run.wagate, err = openLoop(ctx, o, func(ctx context.Context, i int) error {
		v := w.variants[i%len(w.variants)]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(v.body))
		if err != nil {
			return err
		}
		req.Header.Set("X-API-Key", env.sd.apiKey)
		req.Header.Set("Content-Type", "application/json")
		status, body, err := roundTrip(env.hc, req)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("%s -> %d %.200s", v.label, status, body)
		}
		return err
	})
	if err != nil {
		return run, err
	}
	o.exited, o.cpuPID = nil, 0
	run.direct, err = openLoop(ctx, o, func(ctx context.Context, i int) error {
		_, err := runStmt(ctx, env.pool, w.variants[i%len(w.variants)].stmt, false)
		return err
	})
	return run, err
}

// postQuery sends one query to wagate and reads its page.
func (env contactEnv) postQuery(ctx context.Context, body []byte) (pageAnswer, error) {
	var page pageAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+env.wagate.addr+queryPath, bytes.NewReader(body))
	if err != nil {
		return page, err
	}
	req.Header.Set("X-API-Key", env.sd.apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.hc.Do(req)
	if err != nil {
		return page, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return page, err
	}
	if resp.StatusCode != http.StatusOK {
		return page, fmt.Errorf("%s -> %d %.300s", body, resp.StatusCode, raw)
	}
	return page, json.Unmarshal(raw, &page)
}

// runStmt runs s as the store does on PostgreSQL (an unnamed statement, planned with these
// values) and reads every row; withIDs returns their id column.
func runStmt(ctx context.Context, pool *pgxpool.Pool, s stmt, withIDs bool) ([]int64, error) {
	rows, err := pool.Query(ctx, s.sql, append([]any{pgx.QueryExecModeExec}, s.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	idAt := -1
	if withIDs {
		for i, f := range rows.FieldDescriptions() {
			if f.Name == "id" {
				idAt = i
			}
		}
		if idAt < 0 {
			return nil, fmt.Errorf("the statement selects no id column")
		}
	}
	var ids []int64
	for rows.Next() {
		if idAt < 0 {
			continue // the rows are read off the wire; decoding them is the server's business
		}
		values, err := rows.Values()
		if err != nil {
			return nil, err
		}
		id, ok := values[idAt].(int64)
		if !ok {
			return nil, fmt.Errorf("id is a %T", values[idAt])
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// followCursor pages through body's query from the first page to page n (n-1 cursors
// followed) and returns page n-1's answer, whose nextCursor leads to page n.
func (env contactEnv) followCursor(ctx context.Context, q queryBody, n int) (pageAnswer, error) {
	var page pageAnswer
	for p := 1; p < n; p++ {
		body, _ := json.Marshal(q) // strings and ints
		var err error
		if page, err = env.postQuery(ctx, body); err != nil {
			return page, fmt.Errorf("page %d: %w", p, err)
		}
		if page.NextCursor == "" {
			return page, fmt.Errorf("page %d is the last: the query has under %d pages", p, n)
		}
		q.Cursor = page.NextCursor
	}
	return page, nil
}

// queryFigures measures figures a and b: the filters, and q on a surname and on phone digits.
func queryFigures(ctx context.Context, env contactEnv) (section, error) {
	sec := section{title: "contact query, first page of " + strconv.Itoa(pageLimit) + " (POST " + queryPath + ")"}
	build := func(name string, qs []store.ContactQuery) (workload, error) {
		w := workload{name: name}
		for i, q := range qs {
			v, err := env.variant(fmt.Sprintf("%s #%d", name, i+1), q, nil, "")
			if err != nil {
				return w, err
			}
			w.variants = append(w.variants, v)
		}
		return w, nil
	}
	var surnames []store.ContactQuery
	for _, p := range surnameParts {
		surnames = append(surnames, store.ContactQuery{Q: p})
	}
	for _, spec := range []struct {
		fig, name, what string
		qs              []store.ContactQuery
	}{
		{"a", "filters", "tags (2 values) AND categories (1-2) AND lastCallStatuses (1)", filterQueries()},
		{"b", "q: part of a surname", "q alone, " + fmt.Sprint(surnameParts), nil},
		{"b", "q: phone digits", "q alone, 7 digits of a contact's phone", phoneDigitQueries(env.d)},
	} {
		if spec.qs == nil {
			spec.qs = surnames
		}
		w, err := build(spec.name, spec.qs)
		if err != nil {
			return sec, err
		}
		run, err := measureQueries(ctx, env, w)
		if err != nil {
			return sec, err
		}
		sec.notes = append(sec.notes, run.describe(spec.fig+". "+spec.name+": "+spec.what)...)
		sec.figures = append(sec.figures, run.p95Figure(spec.fig+". "+spec.name+", p95"),
			identicalFigure(spec.fig+". "+spec.name+", same page as pgx", run.identical, len(w.variants)))
	}
	return sec, nil
}

// deepPageFigures measures figure c: page 1,000 of every contact by createdAt (cursors
// followed 999 times) against page 1.
func deepPageFigures(ctx context.Context, env contactEnv) (section, error) {
	sec := section{title: fmt.Sprintf("contact query, page %s against page 1 (no filter, sort createdAt, %d a page)", thousands(deepPage), pageLimit)}
	start := time.Now()
	before, err := env.followCursor(ctx, queryBody{Limit: pageLimit}, deepPage)
	if err != nil {
		return sec, fmt.Errorf("following the cursor to page %d: %w", deepPage, err)
	}
	last := before.Items[len(before.Items)-1]
	at := last.CreatedAt.UTC()
	pos := store.ContactPosition{At: &at, ID: last.ID}
	sec.notes = append(sec.notes, fmt.Sprintf("followed nextCursor %d times in %s to reach page %s; the statement starts after contact %d (%s)",
		deepPage-1, time.Since(start).Round(100*time.Millisecond), thousands(deepPage), last.ID, at.Format(time.RFC3339Nano)))

	first, err := env.variant("page 1", store.ContactQuery{}, nil, "")
	if err != nil {
		return sec, err
	}
	deep, err := env.variant("page "+thousands(deepPage), store.ContactQuery{}, &pos, before.NextCursor)
	if err != nil {
		return sec, err
	}
	var runs [2]queryRun
	for i, v := range []queryVariant{first, deep} {
		if runs[i], err = measureQueries(ctx, env, workload{name: v.label, variants: []queryVariant{v}}); err != nil {
			return sec, err
		}
		sec.notes = append(sec.notes, runs[i].describe("c. "+v.label)...)
	}
	p95 := func(r openResult) float64 { return float64(r.percentile(0.95)) }
	wr, dr := p95(runs[1].wagate)/max(1, p95(runs[0].wagate)), p95(runs[1].direct)/max(1, p95(runs[0].direct))
	sec.figures = append(sec.figures,
		runs[0].p95Figure("c. page 1, p95"),
		runs[1].p95Figure("c. page "+thousands(deepPage)+", p95"),
		figure{name: "c. page " + thousands(deepPage) + " / page 1, p95", wagate: fmt.Sprintf("%.3f", wr), direct: fmt.Sprintf("%.3f", dr),
			target: fmt.Sprintf("<= %.1f", targetDeepRatio), met: verdict(wr <= targetDeepRatio)},
		identicalFigure("c. page "+thousands(deepPage)+", same page as pgx", runs[1].identical, 1))
	return sec, nil
}

// describe is the run's lines for the report: percentiles of both sides, errors, lateness
// and the rest of the machine's CPU.
func (r queryRun) describe(title string) []string {
	out := []string{title}
	for _, side := range []struct {
		name string
		res  openResult
	}{{"wagate", r.wagate}, {"direct", r.direct}} {
		res := side.res
		out = append(out, fmt.Sprintf("  %-7s p50 %s, p95 %s, p99 %s, max %s; %s requests, %d errors; other processes %.2f cores",
			side.name, ms(res.percentile(0.5)), ms(res.percentile(0.95)), ms(res.percentile(0.99)), ms(res.percentile(1)),
			thousands(res.requests()), res.errors, res.cpu.otherCores()))
		if n := res.lateNote(); n != "" {
			out = append(out, "          ! "+n)
		}
		for _, s := range res.samples {
			out = append(out, "          error: "+s)
		}
	}
	return out
}

func (r queryRun) p95Figure(name string) figure {
	w, d := r.wagate.percentile(0.95), r.direct.percentile(0.95)
	return figure{name: name, wagate: ms(w), direct: ms(d), ratio: ratioOf(float64(w), float64(d)),
		target: "< " + ms(targetQueryP95), met: verdict(w < targetQueryP95 && r.wagate.errors == 0)}
}

func identicalFigure(name string, same, of int) figure {
	return figure{name: name, wagate: fmt.Sprintf("%d/%d", same, of), target: "all", met: verdict(same == of)}
}
