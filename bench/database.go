package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// benchDatabaseURL is adminURL with its database replaced by name: the benchmark's own database
// on the same server, with the same credentials and options.
func benchDatabaseURL(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("the database URL must be a postgres:// URL, got %q", adminURL)
	}
	if strings.TrimPrefix(u.Path, "/") == name {
		return "", fmt.Errorf("the database URL names %s itself; point it at a maintenance database such as postgres, the benchmark creates %s beside it", name, name)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// ensureDatabase creates database name unless it exists; with fresh it drops it first. Only
// the benchmark's own database is ever dropped: its name is fixed by a flag, never a guess.
func ensureDatabase(ctx context.Context, adminURL, name string, fresh bool) (created bool, err error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return false, fmt.Errorf("connect to PostgreSQL (%s): %w", redact(adminURL), err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if fresh {
		// FORCE ends the sessions of a server left over from an interrupted run.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			return false, fmt.Errorf("drop database %s: %w", name, err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

// redact hides a password in a URL that is about to be printed.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// metaTable is the benchmark's marker, beside wagate's tables: which data set is loaded, for
// which organization, and when its reply times were last anchored.
const metaTable = `CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)`

// readMeta returns bench_meta as a map; empty when the table does not exist.
func readMeta(ctx context.Context, conn querier) (map[string]string, error) {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('bench_meta') IS NOT NULL").Scan(&exists); err != nil {
		return nil, err
	}
	meta := map[string]string{}
	if !exists {
		return meta, nil
	}
	rows, err := conn.Query(ctx, "SELECT key, value FROM bench_meta")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		meta[k] = v
	}
	return meta, rows.Err()
}

// querier is what readMeta needs of a connection or pool.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// errStale says the database does not hold the expected data set; the caller reloads it.
var errStale = errors.New("stale data set")
