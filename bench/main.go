// Command bench measures wagate on a PostgreSQL database of a million contacts. It prints
// figures and the targets they meet; it asserts nothing and exits 0 unless something failed
// to run.
//
//   - -mode lookup: the contact lookup (GET /api/v1/contact-lookup/) against a minimal server
//     doing the same database work (./bench/baseline), in a closed loop (capacity) and in an
//     open loop at a fixed rate (latency).
//
//   - -mode contacts: the contact query (POST /api/v1/contacts/query: filters, q, page 1,000)
//     and the CSV export, each beside the same SQL straight through pgx; and the import of the
//     data set as a 1,000,000-row CSV file (POST /api/v1/contacts/import) beside a pgx COPY of
//     the same rows, again into the same list, and on a second wagate on SQLite (-import=false
//     skips it).
//
//   - -mode import: the import's figures alone (a quarter of the contacts run's time).
//
//   - -mode all (the default): lookup and contacts.
//
//     go run ./bench [-mode all] [-c 32] [-d 20s] [-warmup 3s] [-rate 1000] [-query-rate 100] [-db postgres://...]
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
	"strings"
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
	mode          string
	rate          float64 // the lookup's open loop, requests/s
	inFlight      int
	queryRate     float64 // the contact queries' open loops
	queryDuration time.Duration
	queryWarmup   time.Duration
	importCSV     bool
	importRun     bool // the import's figures, in contacts mode
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
	flag.StringVar(&c.mode, "mode", "all", "lookup (the contact lookup), contacts (the contact query, export and import figures), import (the import's alone) or all")
	flag.Float64Var(&c.rate, "rate", float64(envInt("BENCH_RATE", 1000)),
		"the lookup's open loop: requests/s at fixed intervals, well under both servers' capacity (env BENCH_RATE)")
	flag.IntVar(&c.inFlight, "inflight", 512, "open loops: requests that may be outstanding at once (one connection each)")
	flag.Float64Var(&c.queryRate, "query-rate", float64(envInt("BENCH_QUERY_RATE", 20)),
		"the contact queries' open loops: requests/s, through wagate and straight through pgx alike; figure a's statement costs PostgreSQL 30-70 ms on two cores, so 100/s overloads it (env BENCH_QUERY_RATE)")
	flag.DurationVar(&c.queryDuration, "qd", envDuration("BENCH_QUERY_DURATION", 10*time.Second), "recorded duration of each contact query run (env BENCH_QUERY_DURATION)")
	flag.DurationVar(&c.queryWarmup, "qwarmup", 2*time.Second, "unrecorded warmup of each contact query run")
	flag.BoolVar(&c.importCSV, "import-csv", false, "also write the data set as the import's CSV file into the temporary directory (with -keep, to upload it)")
	flag.BoolVar(&c.importRun, "import", true, "contacts mode: measure the import of the data set as a CSV file (on PostgreSQL, again into the same list, on SQLite); -import=false skips it")
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
	if cfg.lists < 2 || cfg.contacts < 100 || cfg.concurrency < 1 || cfg.duration <= 0 || cfg.warmup < 0 || cfg.rounds < 1 ||
		cfg.rate <= 0 || cfg.inFlight < 1 || cfg.queryRate <= 0 || cfg.queryDuration <= 0 || cfg.queryWarmup < 0 {
		return fmt.Errorf("need -lists >= 2, -contacts >= 100, -c >= 1, -d > 0, -warmup >= 0, -rounds >= 1, -rate > 0, -inflight >= 1, -query-rate > 0, -qd > 0, -qwarmup >= 0")
	}
	lookup, contacts := cfg.mode == "all" || cfg.mode == "lookup", cfg.mode == "all" || cfg.mode == "contacts" || cfg.mode == "import"
	if !lookup && !contacts {
		return fmt.Errorf("-mode must be lookup, contacts, import or all, not %q", cfg.mode)
	}
	if cfg.mode == "import" && !cfg.importRun {
		return fmt.Errorf("-mode import measures the import, which -import=false skips")
	}
	started := time.Now()
	d := newDataset(cfg.contacts, cfg.lists)
	fmt.Printf("wagate benchmark (-mode %s)\nhost      %s\nload      %s\n\n", cfg.mode, hostLine(), loadAverage())

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
	// The import's CSV file, written once per run: for the import's figures, or to keep.
	var importCSVPath string
	if cfg.importCSV || (contacts && cfg.importRun) {
		if importCSVPath, err = writeImportCSVNote(d, sd.anchor, dir); err != nil {
			return err
		}
	}
	wagateBin, baselineBin, err := buildServers(ctx, cfg, dir)
	if err != nil {
		return err
	}
	warm, err := prewarm(ctx, sd.url, contacts)
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

	if lookup {
		if err := runLookup(ctx, cfg, d, sd, wagate, baseline, wagateLog, warm); err != nil {
			return err
		}
	}
	if contacts {
		files := contactFiles{dir: dir, wagateBin: wagateBin, importCSV: importCSVPath}
		if err := runContacts(ctx, cfg, d, sd, wagate, files); err != nil {
			return err
		}
	}
	fmt.Printf("\nTotal time %s (data set: %s). Load average at the end: %s.\n", time.Since(started).Round(time.Second), sd.note, loadAverage())
	return nil
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute figures: how busy the shared machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return fmt.Sprintf("%s %s %s (1, 5, 15 min averages of runnable tasks, on %d cores)", f[0], f[1], f[2], runtime.NumCPU())
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
