package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// reportedSettings are the PostgreSQL settings the write figures depend on most: how much of
// the table and its indexes stays in PostgreSQL's own cache, and how often a checkpoint sets
// off full-page writes. The import's time on one machine moves with them as much as with
// wagate's code, so the report names them.
var reportedSettings = []string{"shared_buffers", "max_wal_size", "checkpoint_timeout", "work_mem", "maintenance_work_mem", "synchronous_commit"}

// serverSettings is the server's version and reportedSettings, as SHOW prints them.
func serverSettings(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var version string
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		return "", fmt.Errorf("read the server's version: %w", err)
	}
	parts := make([]string, 0, len(reportedSettings))
	for _, name := range reportedSettings {
		var v string
		if err := pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			return "", fmt.Errorf("read setting %s: %w", name, err)
		}
		parts = append(parts, name+" "+v)
	}
	return "PostgreSQL " + strings.Fields(version)[0] + ": " + strings.Join(parts, ", "), nil
}
