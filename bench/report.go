package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets for wagate. They are printed as met or not met; nothing fails on them, since a
// figure from a shared two-core box is a measurement, not a verdict.
const (
	targetRatio = 0.6
	targetP99   = 20 * time.Millisecond
	targetRSSKB = 150 * 1024
)

// noisyCores is how much CPU the rest of the machine may use during a run before the summary
// warns that the figures are disturbed (another build on a shared box, say).
const noisyCores = 0.15

// report is everything the summary prints.
type report struct {
	cfg      config
	d        dataset
	seed     seeded
	replies  int
	wagate   driveResult
	baseline driveResult
	open     [2]openResult // wagate's and the baseline's open loops at -rate
	check    checkResult
	// wagateLog says where wagate's log went; prewarm, what was read into memory.
	wagateLog string
	prewarm   string
}

func (r report) print(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "\n=== wagate contact-lookup benchmark: summary ===\n")
	fmt.Fprintf(w, "workload  GET %s?phone=... with X-API-Key; %d keep-alive connections; %s warmup + %s measured per server",
		lookupPath, c.concurrency, c.warmup, c.duration)
	if c.rounds > 1 {
		fmt.Fprintf(w, ", %d alternating rounds pooled", c.rounds)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "          95%% phones of contacts, 5%% phones in no list; spellings %s\n", spellingMix())
	fmt.Fprintf(w, "data      %s contacts in %d lists (%s phones, %s in two lists), %s reply records; %s\n",
		thousands(r.d.contacts), r.d.lists, thousands(r.d.phones), thousands(r.d.contacts-r.d.phones), thousands(r.replies), r.seed.note)
	fmt.Fprintf(w, "host      %s\ncache     %s\n", hostLine(), r.prewarm)
	if c.wagateBin == "" {
		fmt.Fprintf(w, "wagate    ./cmd/wagate, default configuration: access logging ON (LOG_LEVEL=info, one line per request, to %s)\n", r.wagateLog)
	} else {
		fmt.Fprintf(w, "wagate    %s (-wagate-bin), default environment; its output to %s\n", c.wagateBin, r.wagateLog)
	}
	fmt.Fprintf(w, "baseline  ./bench/baseline: net/http + pgxpool (%d connections, wagate's pool size), one query per request,\n", c.baselineConns)
	fmt.Fprintf(w, "          phone.Parse, API key compared in memory (SHA-256 + compare, as cheap as wagate's key cache), no logging\n\n")

	row := func(name string, f func(driveResult) string) {
		fmt.Fprintf(w, "  %-40s %12s %12s\n", name, f(r.wagate), f(r.baseline))
	}
	fmt.Fprintf(w, "  %-40s %12s %12s\n", "", "wagate", "baseline")
	row("requests/s", func(d driveResult) string { return thousands(int(d.rate() + 0.5)) })
	row("requests measured", func(d driveResult) string { return thousands(d.requests()) })
	row("latency p50", func(d driveResult) string { return ms(d.percentile(0.50)) })
	row("latency p99", func(d driveResult) string { return ms(d.percentile(0.99)) })
	row("latency max", func(d driveResult) string { return ms(d.percentile(1)) })
	row("errors (non-200)", func(d driveResult) string { return thousands(d.errors) })
	row("RSS after warmup", func(d driveResult) string { return mb(d.rssWarm) })
	row("peak RSS (VmHWM)", func(d driveResult) string { return mb(d.rssPeak) })
	row("CPU per request: server", func(d driveResult) string { return perRequest(d, d.cpu.server) })
	row("CPU per request: PostgreSQL (all)", func(d driveResult) string { return perRequest(d, d.cpu.postgres) })
	row("CPU per request: load generator", func(d driveResult) string { return perRequest(d, d.cpu.loader) })
	row("CPU per request: kernel irq/softirq", func(d driveResult) string { return perRequest(d, d.cpu.irq) })
	row("CPU per request: other processes", func(d driveResult) string { return perRequest(d, d.cpu.other()) })
	row("cores busy (of "+strconv.Itoa(runtime.NumCPU())+")", func(d driveResult) string {
		return fmt.Sprintf("%.2f", float64(d.cpu.box)/float64(d.cpu.wall))
	})

	for _, d := range []struct {
		name string
		res  driveResult
	}{{"wagate", r.wagate}, {"baseline", r.baseline}} {
		if cores := d.res.cpu.otherCores(); cores > noisyCores {
			fmt.Fprintf(w, "  ! during the %s run, other processes used %.2f cores: its figures are disturbed; run again on a quiet machine\n", d.name, cores)
		}
	}
	for _, e := range [][]string{prefixed("wagate error", r.wagate.samples), prefixed("baseline error", r.baseline.samples)} {
		for _, line := range e {
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintf(w, "\n  %s\n", r.open[0].opts.scheduleNote())
	fmt.Fprintf(w, "  %-40s %12s %12s\n", "", "wagate", "baseline")
	openRow := func(name string, f func(openResult) string) {
		fmt.Fprintf(w, "  %-40s %12s %12s\n", name, f(r.open[0]), f(r.open[1]))
	}
	openRow("requests recorded", func(o openResult) string { return thousands(o.requests()) })
	openRow("latency p50", func(o openResult) string { return ms(o.percentile(0.50)) })
	openRow("latency p95", func(o openResult) string { return ms(o.percentile(0.95)) })
	openRow("latency p99", func(o openResult) string { return ms(o.percentile(0.99)) })
	openRow("latency max", func(o openResult) string { return ms(o.percentile(1)) })
	openRow("errors", func(o openResult) string { return thousands(o.errors) })
	openRow("started > "+lateAfter.String()+" late", func(o openResult) string { return thousands(o.late) })
	openRow("  of which waited for an in-flight slot", func(o openResult) string { return thousands(o.full) })
	openRow("worst start delay", func(o openResult) string { return ms(o.maxLag) })
	openRow("other processes (cores)", func(o openResult) string { return fmt.Sprintf("%.2f", o.cpu.otherCores()) })
	for i, name := range []string{"wagate", "baseline"} {
		for _, e := range r.open[i].samples {
			fmt.Fprintf(w, "  %s open-loop error: %s\n", name, e)
		}
	}

	ch := r.check
	fmt.Fprintf(w, "\nanswers   %d/%d identical between wagate and the baseline (found %d, replied %d, window open %d)\n",
		ch.identical, ch.compared, ch.found, ch.replied, ch.windows)
	for _, p := range ch.problems {
		fmt.Fprintln(w, "  ! "+p)
	}

	ratio := 0.0
	if r.baseline.rate() > 0 {
		ratio = r.wagate.rate() / r.baseline.rate()
	}
	fmt.Fprintf(w, "\ntargets\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "  throughput ratio wagate/baseline\t%.3f\t>= %.1f\t%s\n", ratio, targetRatio, met(ratio >= targetRatio))
	p99 := r.wagate.percentile(0.99)
	fmt.Fprintf(tw, "  wagate p99, closed loop\t%s\t< %s\t%s\n", ms(p99), ms(targetP99), met(p99 < targetP99))
	openP99 := r.open[0].percentile(0.99)
	fmt.Fprintf(tw, "  wagate p99, open loop at %s/s (baseline %s)\t%s\t< %s\t%s\n", thousands(int(c.rate)),
		ms(r.open[1].percentile(0.99)), ms(openP99), ms(targetP99), met(openP99 < targetP99 && r.open[0].errors == 0))
	fmt.Fprintf(tw, "  wagate peak RSS\t%s\t< %s\t%s\n", mb(r.wagate.rssPeak), mb(targetRSSKB), met(r.wagate.rssPeak < targetRSSKB))
	tw.Flush()
	if rate := r.wagate.rate(); p99 >= targetP99 && rate > 0 {
		// Little's law: closed-loop clients keep every connection busy, so the mean latency
		// is connections over throughput, whatever the server does with its time.
		mean := time.Duration(float64(c.concurrency) / rate * float64(time.Second))
		fmt.Fprintf(w, "  note: %d closed-loop connections at %s requests/s mean a mean latency of %s (Little's law:\n"+
			"        connections / throughput), most of it queueing; p99 < %s needs more throughput or a lower -c\n",
			c.concurrency, thousands(int(rate)), ms(mean), ms(targetP99))
	}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func prefixed(label string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + label + ": " + l
	}
	return out
}

func spellingMix() string {
	parts := make([]string, len(spellings))
	for i, s := range spellings {
		parts[i] = fmt.Sprintf("%s %d%%", s.name, s.weight)
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func perRequest(d driveResult, cpu time.Duration) string {
	if d.requests() == 0 {
		return "-"
	}
	return fmt.Sprintf("%d µs", cpu.Microseconds()/int64(d.requests()))
}

// thousands writes n with thin separators: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
