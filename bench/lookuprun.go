package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"
)

// runLookup measures the contact lookup on wagate and the baseline: the answers compared, the
// closed loop (capacity), then the open loop at -rate (latency), and prints the summary.
func runLookup(ctx context.Context, cfg config, d dataset, sd seeded, wagate, baseline *server, wagateLog, warm string) error {
	pool := targets(d, 200_000)
	check, err := checkAnswers(wagate, baseline, sd.apiKey, d, pool, cfg.checks)
	if err != nil {
		return fmt.Errorf("comparing answers: %w", err)
	}
	fmt.Printf("Answers: %d/%d identical between the servers.\n", check.identical, check.compared)

	rep := report{cfg: cfg, d: d, seed: sd, replies: d.replyRows(), check: check, wagateLog: wagateLog, prewarm: warm}
	if !cfg.keep {
		rep.wagateLog = "a file, deleted after the run (-keep keeps it)"
	}
	var rounds [2][]driveResult
	for round := 1; round <= cfg.rounds; round++ {
		for i, srv := range []*server{wagate, baseline} {
			fmt.Printf("Driving %s (round %d of %d): %d connections, %s warmup, %s measured...\n",
				srv.name, round, cfg.rounds, cfg.concurrency, cfg.warmup, cfg.duration)
			res, err := drive(ctx, srv, sd.apiKey, pool, cfg.concurrency, cfg.warmup, cfg.duration)
			if err != nil {
				return err
			}
			fmt.Printf("  %s requests/s, p99 %s, %d errors; other processes used %.2f cores\n",
				thousands(int(res.rate())), ms(res.percentile(0.99)), res.errors, res.cpu.otherCores())
			rounds[i] = append(rounds[i], res)
		}
	}
	rep.wagate, rep.baseline = merge(rounds[0]), merge(rounds[1])

	hc := openClient(cfg.inFlight)
	defer hc.CloseIdleConnections()
	for i, srv := range []*server{wagate, baseline} {
		fmt.Printf("Driving %s in an open loop: %s requests/s, %s warmup, %s recorded...\n",
			srv.name, thousands(int(cfg.rate)), cfg.warmup, cfg.duration)
		o := openOpts{rate: cfg.rate, warmup: cfg.warmup, duration: cfg.duration, inFlight: cfg.inFlight, exited: srv.exited, cpuPID: srv.pid()}
		res, err := openLoop(ctx, o, lookupRequest(hc, srv, sd.apiKey, pool))
		if err != nil {
			return fmt.Errorf("%s, open loop: %w", srv.name, err)
		}
		fmt.Printf("  p50 %s, p99 %s, %d errors, %d late; other processes used %.2f cores\n",
			ms(res.percentile(0.5)), ms(res.percentile(0.99)), res.errors, res.late, res.cpu.otherCores())
		rep.open[i] = res
	}
	rep.print(os.Stdout)
	return nil
}

// openClient is the HTTP client of the open loops: a keep-alive connection for every request
// that may be in flight, so that the client never queues a request behind another.
func openClient(inFlight int) *http.Client {
	tr := &http.Transport{MaxIdleConns: inFlight, MaxIdleConnsPerHost: inFlight, DisableCompression: true}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// lookupRequest is request i of the lookup's open loop: the pool's phones in turn, the same
// sequence for both servers.
func lookupRequest(hc *http.Client, s *server, apiKey string, pool []target) func(context.Context, int) error {
	base := "http://" + s.addr + lookupPath + "?"
	return func(ctx context.Context, i int) error {
		t := pool[i%len(pool)]
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+t.query, nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-API-Key", apiKey)
		status, body, err := roundTrip(hc, req)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("%s (%s) -> %d %.200s", t.query, t.spelling, status, body)
		}
		return err
	}
}
