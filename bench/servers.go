package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// buildServers builds wagate (unless -wagate-bin names one) and the baseline into dir.
func buildServers(ctx context.Context, cfg config, dir string) (wagate, baseline string, err error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", "", err
	}
	start := time.Now()
	wagate = cfg.wagateBin
	if wagate == "" {
		if wagate, err = build(ctx, root, "./cmd/wagate", dir, "wagate"); err != nil {
			return "", "", err
		}
	}
	if baseline, err = build(ctx, root, "./bench/baseline", dir, "baseline"); err != nil {
		return "", "", err
	}
	fmt.Printf("Built the servers in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return wagate, baseline, nil
}

// startServers starts both servers on free loopback ports. wagate gets its default
// configuration, access log included (to wagateLog): only where its database is and where to
// listen. The baseline gets the organization and the key that wagate finds in the database.
func startServers(ctx context.Context, cfg config, sd seeded, wagateBin, baselineBin, wagateLog string) (wagate, baseline *server, err error) {
	wagateAddr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	if cfg.keep {
		fmt.Printf("wagate's log: %s\n", wagateLog)
	}
	wagate, err = startServer(ctx, "wagate", wagateBin, wagateAddr, wagateLog,
		"DATABASE_URL="+sd.url, "LISTEN_ADDR="+wagateAddr)
	if err != nil {
		return nil, nil, err
	}
	baselineAddr, err := freeAddr()
	if err == nil {
		baseline, err = startServer(ctx, "baseline", baselineBin, baselineAddr, filepath.Join(filepath.Dir(wagateLog), "baseline.log"),
			"DATABASE_URL="+sd.url, "LISTEN_ADDR="+baselineAddr, "BASELINE_ORG_ID="+sd.org.ID,
			"BASELINE_REGION="+sd.org.DefaultRegion, "BASELINE_API_KEY="+sd.apiKey,
			"BASELINE_MAX_CONNS="+strconv.Itoa(cfg.baselineConns))
	}
	if err != nil {
		wagate.stop()
		return nil, nil, err
	}
	return wagate, baseline, nil
}
