package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// An open loop sends requests on a fixed schedule, whatever the answers do: request i is due
// at start + i/rate (fixed intervals, not Poisson: the same schedule on every run and for
// every server, so that two figures differ only by the server). Each latency is measured from
// the request's SCHEDULED time, so when the server falls behind, the queue it builds shows
// in the latencies instead of slowing the client down (no coordinated omission: a closed loop
// would simply send less).

// lateAfter is how far behind its scheduled time a request may start before it counts as
// late: the dispatcher's own jitter on a busy two-core machine, not a server's doing.
const lateAfter = time.Millisecond

// openOpts is one open-loop run.
type openOpts struct {
	rate     float64       // requests per second
	warmup   time.Duration // sent on schedule, not recorded
	duration time.Duration // recorded
	inFlight int           // requests that may be outstanding at once
	// exited, when not nil, ends the run with an error if it closes (the server died).
	exited <-chan struct{}
	// cpuPID is the process whose CPU the run's cpuUse charges as the server (0: none).
	cpuPID int
}

// openResult is what an open-loop run measured, its recorded window only.
type openResult struct {
	opts      openOpts
	latencies []time.Duration // sorted, from each request's scheduled start to its answer's end
	errors    int
	samples   []string // the first few errors
	// late counts the recorded requests that started over lateAfter behind schedule; full,
	// those of them held back because inFlight requests were outstanding (the client, not
	// the scheduler, was the limit). maxLag is the worst start delay.
	late, full int
	maxLag     time.Duration
	cpu        cpuUse
}

func (r openResult) requests() int { return len(r.latencies) }

func (r openResult) percentile(p float64) time.Duration {
	return percentileOf(r.latencies, p)
}

// percentileOf is the latency under which p (0..1) of the sorted latencies fall.
func percentileOf(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// openLoop runs do on the schedule of o: request i calls do(ctx, i). do returns a short
// description of a failure (a non-200, a transport error), or nil. It waits for every request
// it sent before returning.
func openLoop(ctx context.Context, o openOpts, do func(ctx context.Context, i int) error) (openResult, error) {
	if o.rate <= 0 || o.duration <= 0 || o.inFlight < 1 {
		return openResult{}, fmt.Errorf("an open loop needs a rate, a duration and room for one request in flight")
	}
	interval := time.Duration(float64(time.Second) / o.rate)
	skip := int(o.warmup / interval) // the warmup's requests
	total := skip + max(1, int(o.duration/interval))

	res := openResult{opts: o}
	lat := make([]time.Duration, total)
	var mu sync.Mutex // errors and samples
	var wg sync.WaitGroup
	slots := make(chan struct{}, o.inFlight)
	var before cpuSample

	start := time.Now()
	var stopErr error
dispatch:
	for i := range total {
		if i == skip {
			before = sampleCPU(o.cpuPID)
		}
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				stopErr = ctx.Err()
				break dispatch
			case <-o.exited:
				t.Stop()
				stopErr = fmt.Errorf("the server exited during the run")
				break dispatch
			}
		}
		full := false
		select {
		case slots <- struct{}{}:
		default:
			full = true
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				stopErr = ctx.Err()
				break dispatch
			}
		}
		if lag := time.Since(due); i >= skip {
			res.maxLag = max(res.maxLag, lag)
			if lag > lateAfter {
				res.late++
				if full {
					res.full++
				}
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := do(ctx, i)
			lat[i] = time.Since(due)
			<-slots
			if err != nil && i >= skip {
				mu.Lock()
				res.errors++
				if len(res.samples) < 3 {
					res.samples = append(res.samples, err.Error())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if stopErr != nil {
		return res, stopErr
	}
	// The window ends when the last request is answered: a server that fell behind takes
	// longer than the schedule, and its CPU for the backlog counts.
	res.cpu = cpuBetween(before, sampleCPU(o.cpuPID))
	res.latencies = lat[skip:]
	slices.Sort(res.latencies)
	return res, nil
}

// scheduleNote is the run's description for the report.
func (o openOpts) scheduleNote() string {
	return fmt.Sprintf("open loop, %s requests/s at fixed intervals, %s warmup + %s recorded, up to %d in flight; latency from each request's scheduled start",
		thousands(int(o.rate)), o.warmup, o.duration, o.inFlight)
}

// lateNote says how many requests could not start on time, or "" when all did.
func (r openResult) lateNote() string {
	if r.late == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d requests started over %s late (worst %s); %d of them waited for a free in-flight slot",
		r.late, r.requests(), lateAfter, ms(r.maxLag), r.full)
}
