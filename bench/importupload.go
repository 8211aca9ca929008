package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wagate/wagate/gen"
)

const (
	importPath      = "/api/v1/contacts/import"
	importsPath     = "/api/v1/imports"
	contactListPath = "/api/v1/contact-lists/"
	// progressEvery is how often an upload polls the import's record: its counts move as each
	// chunk commits, which shows where the time goes without a profiler in the server.
	progressEvery = time.Second
	// uploadLimit bounds one upload: far above the 60 s target, since the figure is a
	// measurement (a million rows took 6.5 minutes on two cores when the store's join
	// scanned the list per chunk).
	uploadLimit = 30 * time.Minute
)

// importTarget is a running wagate and a key of its organization with write access.
type importTarget struct {
	srv    *server
	apiKey string
}

// importRun is one upload of the import's CSV file.
type importRun struct {
	took     time.Duration // from the body's first byte read to the answer read
	bodySent time.Duration // from the first byte to the last one handed to the connection
	bytes    int64
	rec      gen.Import // the answer; on a failed upload, the record as last polled, if any
	rssPeak  int64      // kB, the highest VmRSS sample
	hwm      int64      // kB, VmHWM at the end
	hwmNote  string
	samples  int
	cpu      cpuUse
	progress []progressPoint
}

// progressPoint is the record's counts at one poll.
type progressPoint struct {
	at            time.Duration // since the first byte
	read, applied int64
}

// applied is every row the record has decided: in exactly one of its five counts.
func applied(r gen.Import) int64 { return r.Created + r.Updated + r.Unchanged + r.Skipped + r.Failed }

func (r importRun) rowsPerSecond() float64 { return float64(applied(r.rec)) / r.took.Seconds() }

// timedBody is the upload's body: it notes when the transport read the first byte and the
// last, so that the time counts from the first byte sent, as the figure does.
type timedBody struct {
	r           io.Reader
	first, last time.Time
	n           int64
}

func (b *timedBody) Read(p []byte) (int, error) {
	if b.first.IsZero() {
		b.first = time.Now()
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err == io.EOF && b.last.IsZero() {
		b.last = time.Now()
	}
	return n, err
}

// uploadImport streams the CSV file at path to t's POST /api/v1/contacts/import with query,
// sampling the server's RSS every rssEvery and polling the record every progressEvery. The
// record polled is the newest one of the list whose id is not skipID (an earlier import of the
// same list). A non-200 answer is an error, returned with the run as far as it got.
func uploadImport(ctx context.Context, t importTarget, path string, query url.Values, skipID string) (importRun, error) {
	var run importRun
	f, err := os.Open(path)
	if err != nil {
		return run, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return run, err
	}
	ctx, cancel := context.WithTimeout(ctx, uploadLimit)
	defer cancel()
	body := &timedBody{r: f}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+t.srv.addr+importPath+"?"+query.Encode(), body)
	if err != nil {
		return run, err
	}
	req.ContentLength = fi.Size()
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-API-Key", t.apiKey)
	// No client timeout: the answer comes when the last chunk has committed.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer hc.CloseIdleConnections()

	pid := t.srv.pid()
	rss := sampleRSS(pid)
	run.hwmNote = rss.hwmNote()
	before := sampleCPU(pid)
	start := time.Now()
	poll := startProgressPoll(t, start, listOf(query), skipID)

	resp, err := hc.Do(req)
	var answer []byte
	status := 0
	if err == nil {
		status = resp.StatusCode
		answer, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	end := time.Now()
	run.cpu = cpuBetween(before, sampleCPU(pid))
	var serr error
	run.rssPeak, run.hwm, serr = rss.stop()
	run.samples = rss.samples
	var last gen.Import
	run.progress, last = poll.stop()
	first := body.first
	if first.IsZero() {
		first = start
	}
	run.took, run.bytes = end.Sub(first), body.n
	if !body.last.IsZero() {
		run.bodySent = body.last.Sub(first)
	}
	run.rec = last
	if err != nil {
		return run, fmt.Errorf("upload: %w", err)
	}
	if status != http.StatusOK {
		return run, fmt.Errorf("upload -> %d %.500s", status, answer)
	}
	if err := json.Unmarshal(answer, &run.rec); err != nil {
		return run, fmt.Errorf("the import's answer: %w", err)
	}
	return run, serr
}

// listOf is the list a query names, by id or by name, to find its import among the records.
func listOf(query url.Values) func(gen.Import) bool {
	if id := query.Get("contactListId"); id != "" {
		return func(r gen.Import) bool { return strconv.FormatInt(r.ContactListId, 10) == id }
	}
	name := query.Get("contactListName")
	return func(r gen.Import) bool { return r.ContactListName == name }
}

// progressPoll polls GET /api/v1/imports for the upload's record while the upload runs.
type progressPoll struct {
	stopc  chan struct{}
	wg     sync.WaitGroup
	points []progressPoint
	last   gen.Import
}

func startProgressPoll(t importTarget, start time.Time, ours func(gen.Import) bool, skipID string) *progressPoll {
	p := &progressPoll{stopc: make(chan struct{})}
	hc := &http.Client{Timeout: 5 * time.Second}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer hc.CloseIdleConnections()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-p.stopc:
				return
			case <-tick.C:
			}
			// A failed poll (the server busy past the timeout) only loses a point.
			if rec, ok := newestImport(hc, t, ours, skipID); ok {
				p.last = rec
				p.points = append(p.points, progressPoint{at: time.Since(start), read: rec.RowsRead, applied: applied(rec)})
			}
		}
	}()
	return p
}

func (p *progressPoll) stop() ([]progressPoint, gen.Import) {
	close(p.stopc)
	p.wg.Wait()
	return p.points, p.last
}

// newestImport is the newest record of the organization's first page that is the upload's.
func newestImport(hc *http.Client, t importTarget, ours func(gen.Import) bool, skipID string) (gen.Import, bool) {
	req, err := http.NewRequest(http.MethodGet, "http://"+t.srv.addr+importsPath+"?limit=10", nil)
	if err != nil {
		return gen.Import{}, false
	}
	req.Header.Set("X-API-Key", t.apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		return gen.Import{}, false
	}
	defer resp.Body.Close()
	var page gen.ImportPage
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&page) != nil {
		return gen.Import{}, false
	}
	for _, r := range page.Items {
		if r.Id != skipID && ours(r) {
			return r, true
		}
	}
	return gen.Import{}, false
}

// deleteList deletes a contact list (and, by cascade, its contacts) and says how long it took.
func deleteList(ctx context.Context, t importTarget, id int64) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+t.srv.addr+contactListPath+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-API-Key", t.apiKey)
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("delete list %d: %w", id, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusNoContent {
		return took, fmt.Errorf("delete list %d -> %d %s", id, resp.StatusCode, body)
	}
	return took, nil
}

// progressNote is the record's counts at about ten moments of the upload (at least every
// 5 s apart): rows read by the server and rows committed. Their pace over time shows whether
// a chunk costs the same at the end of the file as at its start.
func progressNote(points []progressPoint) string {
	every := 5 * time.Second
	if len(points) > 0 {
		every = max(every, (points[len(points)-1].at / 10).Round(time.Second))
	}
	var parts []string
	next := every
	for _, p := range points {
		if p.at >= next {
			parts = append(parts, fmt.Sprintf("%ds %s/%s", int(p.at.Round(time.Second)/time.Second), kilo(p.read), kilo(p.applied)))
			next = p.at.Truncate(every) + every
		}
	}
	if len(parts) == 0 {
		return "no progress polled"
	}
	return strings.Join(parts, ", ")
}

// kilo is n in thousands, rounded: 950k.
func kilo(n int64) string { return strconv.FormatInt((n+500)/1000, 10) + "k" }
