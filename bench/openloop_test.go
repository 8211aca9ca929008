package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenLoopKeepsTheSchedule sends at 1000/s for 200 ms recorded after 100 ms of warmup:
// every scheduled request is sent once, only the recorded ones are counted, and a failure
// counts as an error.
func TestOpenLoopKeepsTheSchedule(t *testing.T) {
	var sent atomic.Int64
	res, err := openLoop(context.Background(), openOpts{rate: 1000, warmup: 100 * time.Millisecond, duration: 200 * time.Millisecond, inFlight: 64},
		func(ctx context.Context, i int) error {
			sent.Add(1)
			if i%50 == 0 {
				return errors.New("boom")
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Load() != 300 || res.requests() != 200 {
		t.Fatalf("sent %d and recorded %d, want 300 and 200", sent.Load(), res.requests())
	}
	if res.errors != 4 { // i = 100, 150, 200, 250
		t.Fatalf("%d errors, want 4", res.errors)
	}
}

// TestOpenLoopMeasuresFromTheSchedule serves one request at a time, 10 ms each, against a
// schedule of one every millisecond: the requests queue in the client, and their latencies,
// counted from the scheduled start, grow with the queue (a closed loop would report 10 ms).
// Each waited for the one slot in flight, so each is late.
func TestOpenLoopMeasuresFromTheSchedule(t *testing.T) {
	res, err := openLoop(context.Background(), openOpts{rate: 1000, duration: 50 * time.Millisecond, inFlight: 1},
		func(ctx context.Context, i int) error {
			time.Sleep(10 * time.Millisecond)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.requests() != 50 {
		t.Fatalf("recorded %d, want 50", res.requests())
	}
	// Request 49 is due at 49 ms and starts after the 49 before it: about 490 ms.
	if worst := res.percentile(1); worst < 400*time.Millisecond {
		t.Fatalf("worst latency %s: the queue behind the slow server does not show", worst)
	}
	if res.late < 45 || res.full < 45 {
		t.Fatalf("%d late, %d waiting for a slot: want nearly all 50", res.late, res.full)
	}
}
