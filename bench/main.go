// Command bench measures wagate's contact lookup (GET /api/v1/contact-lookup/) against a
// minimal server doing the same database work (./bench/baseline), on a PostgreSQL database of
// a million contacts. It prints figures and the targets they meet; it asserts nothing and exits
// 0 unless something failed to run.
//
//	go run ./bench [-c 32] [-d 20s] [-warmup 3s] [-db postgres://...]
//
// It creates database wagate_bench beside the one -db names (BENCH_DATABASE_URL), loads it
// once (about 35 seconds on two cores; later runs check a marker and reuse it), builds
// ./cmd/wagate and ./bench/baseline into a temporary directory, runs each as its own process
// and drives them in turn over loopback. CPU figures read /proc, so PostgreSQL must run on
// this machine for its column to mean anything.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/wagate/wagate/store"
)

type config struct {
	adminURL      string
	dbName        string
	contacts      int
	lists         int
	concurrency   int
	duration      time.Duration
	warmup        time.Duration
	reload        bool
	keep          bool
	wagateBin     string
	baselineConns int
	checks        int
	rounds        int
}

func parseFlags() config {
	var c config
	flag.StringVar(&c.adminURL, "db", envOr("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL of a maintenance database; the benchmark creates its own beside it (env BENCH_DATABASE_URL)")
	flag.StringVar(&c.dbName, "dbname", "wagate_bench", "the benchmark's database, created (and dropped when stale) by the benchmark")
	flag.IntVar(&c.contacts, "contacts", 1_000_000, "contacts to load")
	flag.IntVar(&c.lists, "lists", 20, "contact lists to spread them over (at least 2)")
	flag.IntVar(&c.concurrency, "c", envInt("BENCH_CONCURRENCY", 32), "concurrent keep-alive connections, at least 32 as the issue asks (env BENCH_CONCURRENCY)")
	flag.DurationVar(&c.duration, "d", envDuration("BENCH_DURATION", 20*time.Second), "measured duration per server (env BENCH_DURATION)")
	flag.DurationVar(&c.warmup, "warmup", envDuration("BENCH_WARMUP", 3*time.Second), "unmeasured warmup per server (env BENCH_WARMUP)")
	flag.BoolVar(&c.reload, "reload", false, "drop and reload the data set even if it is loaded")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory (binaries, server logs)")
	flag.StringVar(&c.wagateBin, "wagate-bin", "", "run this wagate binary instead of building ./cmd/wagate (e.g. a profiling build)")
	flag.IntVar(&c.baselineConns, "baseline-conns", 16, "the baseline's pool size (wagate's store default is 16)")
	flag.IntVar(&c.checks, "check", 300, "requests whose answers are compared between the servers before the runs")
	flag.IntVar(&c.rounds, "rounds", envInt("BENCH_ROUNDS", 1),
		"alternate wagate and the baseline this many times and pool the figures, to even out a noisy machine (env BENCH_ROUNDS)")
	flag.Parse()
	return c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, parseFlags()); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	if cfg.lists < 2 || cfg.contacts < 100 || cfg.concurrency < 1 || cfg.duration <= 0 || cfg.warmup < 0 || cfg.rounds < 1 {
		return fmt.Errorf("need -lists >= 2, -contacts >= 100, -c >= 1, -d > 0, -warmup >= 0, -rounds >= 1")
	}
	started := time.Now()
	d := newDataset(cfg.contacts, cfg.lists)
	fmt.Printf("wagate contact-lookup benchmark\nhost      %s\n\n", hostLine())

	if err := verifyPhones(d.allPhones(), 1000); err != nil {
		return fmt.Errorf("the phone generator disagrees with phone.Parse: %w", err)
	}
	fmt.Printf("Phone generator checked against phone.Parse: 1000 phones, %d spellings each.\n", len(spellings))

	sd, err := seed(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer revokeKey(sd)
	fmt.Printf("Data set: %s (database %s).\n", sd.note, redact(sd.url))

	dir, err := os.MkdirTemp("", "wagate-bench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Printf("Keeping %s.\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	wagateBin, baselineBin, err := buildServers(ctx, cfg, dir)
	if err != nil {
		return err
	}
	warm, err := prewarm(ctx, sd.url)
	if err != nil {
		return err
	}
	fmt.Printf("Cache: %s.\n", warm)
	wagateLog := filepath.Join(dir, "wagate.log")
	wagate, baseline, err := startServers(ctx, cfg, sd, wagateBin, baselineBin, wagateLog)
	if err != nil {
		return err
	}
	defer wagate.stop()
	defer baseline.stop()

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
	rep.print(os.Stdout)
	fmt.Printf("\nTotal time %s (data set: %s).\n", time.Since(started).Round(time.Second), sd.note)
	return nil
}

// revokeKey revokes the run's API key, so that runs do not pile up live admin keys.
func revokeKey(sd seeded) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, store.Config{URL: sd.url})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: revoking the run's API key:", err)
		return
	}
	defer st.Close()
	if err := st.RevokeAPIKey(ctx, sd.org.ID, sd.keyID); err != nil {
		fmt.Fprintln(os.Stderr, "bench: revoking the run's API key:", err)
	}
}

func hostLine() string {
	return fmt.Sprintf("%d CPU cores (GOMAXPROCS %d) shared by the load generator, the server under test and PostgreSQL:\n"+
		"          the figures compare the two servers, they do not measure capacity", runtime.NumCPU(), runtime.GOMAXPROCS(0))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func envInt(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return fallback
}

func envDuration(name string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return fallback
}
