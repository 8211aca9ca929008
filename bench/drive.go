package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one phone to request.
type target struct {
	query    string // "phone=..." escaped
	k        int    // the generator's index of the phone: what the answer must say
	spelling string // which of spellings wrote it, for error reports
}

// targets draws n requests from the data set: 95% phones of contacts, 5% strangers (phones in
// no list), each written in a random spelling. Both servers are driven with the same pool.
func targets(d dataset, n int) []target {
	r := rand.New(rand.NewPCG(42, 7))
	out := make([]target, n)
	for i := range out {
		k := r.IntN(d.phones)
		if r.IntN(100) < 5 {
			k = d.phones + r.IntN(d.strangers)
		}
		s := pickSpelling(r)
		out[i] = target{query: "phone=" + url.QueryEscape(s.format(numberAt(k))), k: k, spelling: s.name}
	}
	return out
}

// lookupPath is the operation under test: GET /api/v1/contact-lookup/.
const lookupPath = "/api/v1/contact-lookup/"

// phase is where a drive is: requests that start while measuring are recorded.
const (
	warming int32 = iota
	measuring
	stopping
)

// driveResult is what one server did in the measured window.
type driveResult struct {
	window    time.Duration
	latencies []time.Duration // sorted
	errors    int             // non-200 answers and failed requests
	samples   []string        // the first few errors, for the printout
	rssWarm   int64           // kB, after warmup
	rssPeak   int64           // kB, VmHWM at the end
	cpu       cpuUse
}

func (r driveResult) requests() int { return len(r.latencies) }

// merge pools the rounds of one server: latencies, errors, windows and CPU add up; memory is
// the first round's after warmup and the highest peak.
func merge(rounds []driveResult) driveResult {
	var out driveResult
	for i, r := range rounds {
		out.window += r.window
		out.latencies = append(out.latencies, r.latencies...)
		out.errors += r.errors
		if len(out.samples) < 5 {
			out.samples = append(out.samples, r.samples...)
		}
		if i == 0 {
			out.rssWarm = r.rssWarm
		}
		out.rssPeak = max(out.rssPeak, r.rssPeak)
		out.cpu.wall += r.cpu.wall
		out.cpu.server += r.cpu.server
		out.cpu.postgres += r.cpu.postgres
		out.cpu.loader += r.cpu.loader
		out.cpu.irq += r.cpu.irq
		out.cpu.box += r.cpu.box
	}
	slices.Sort(out.latencies)
	return out
}

func (r driveResult) rate() float64 { return float64(r.requests()) / r.window.Seconds() }

// percentile is the latency under which p (0..1) of the requests completed.
func (r driveResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p*float64(len(r.latencies))+0.5) - 1
	return r.latencies[max(0, min(i, len(r.latencies)-1))]
}

// drive runs c closed-loop clients against s for warmup, then measures for dur. Each client
// owns one keep-alive connection (its own Transport), so the server sees exactly c connections.
func drive(ctx context.Context, s *server, apiKey string, pool []target, c int, warmup, dur time.Duration) (driveResult, error) {
	var phase atomic.Int32
	var mu sync.Mutex
	var res driveResult
	base := "http://" + s.addr + lookupPath + "?"

	var wg sync.WaitGroup
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, errs, samples := client(&phase, base, apiKey, pool, uint64(w))
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errors += errs
			if len(res.samples) < 5 {
				res.samples = append(res.samples, samples...)
			}
			mu.Unlock()
		}()
	}

	stopAll := func() { phase.Store(stopping); wg.Wait() }
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
		stopAll()
		return res, ctx.Err()
	case <-s.exited:
		stopAll()
		return res, fmt.Errorf("%s exited during warmup: %v", s.name, s.err)
	}
	var err error
	if res.rssWarm, err = memKB(s.pid(), "VmRSS"); err != nil {
		stopAll()
		return res, err
	}
	before := sampleCPU(s.pid())
	phase.Store(measuring)
	select {
	case <-time.After(dur):
	case <-ctx.Done():
		stopAll()
		return res, ctx.Err()
	case <-s.exited:
		stopAll()
		return res, fmt.Errorf("%s exited during the run: %v", s.name, s.err)
	}
	after := sampleCPU(s.pid())
	stopAll()
	res.window = after.at.Sub(before.at)
	res.cpu = cpuBetween(before, after)
	if res.rssPeak, err = memKB(s.pid(), "VmHWM"); err != nil {
		return res, err
	}
	slices.Sort(res.latencies)
	return res, nil
}

// client is one closed-loop client: it sends a request as soon as the previous answer is read,
// until the phase says stop. It records the latency of every request that started while
// measuring.
func client(phase *atomic.Int32, base, apiKey string, pool []target, seed uint64) (lat []time.Duration, errs int, samples []string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	r := rand.New(rand.NewPCG(seed, 99))
	lat = make([]time.Duration, 0, 1<<14)
	for {
		p := phase.Load()
		if p == stopping {
			return lat, errs, samples
		}
		t := pool[r.IntN(len(pool))]
		req, err := http.NewRequest(http.MethodGet, base+t.query, nil)
		if err != nil {
			panic(err) // the pool only holds escaped queries
		}
		req.Header.Set("X-API-Key", apiKey)
		start := time.Now()
		status, body, err := roundTrip(hc, req)
		elapsed := time.Since(start)
		if p != measuring {
			continue
		}
		lat = append(lat, elapsed)
		if err != nil || status != http.StatusOK {
			errs++
			if len(samples) < 2 {
				samples = append(samples, fmt.Sprintf("%s (%s) -> %d %v %.200s", t.query, t.spelling, status, err, body))
			}
		}
	}
}

// roundTrip sends req and reads the whole answer, so that the connection is reused. The body
// is kept only when the answer is not a 200.
func roundTrip(hc *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return resp.StatusCode, body, nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil, err
}
