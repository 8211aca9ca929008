package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// revocationsChannel is the PostgreSQL channel on which a revoke announces the key's id. The
// channel is database-wide, not per schema: deployments sharing a database in different schemas
// hear each other's revokes, which is harmless, since key ids are unique and a key id that is
// not cached is simply ignored.
const revocationsChannel = "wagate_api_key_revoked"

// Reconnecting backs off from firstRetry, doubling up to maxRetry: long enough not to hammer a
// database that is restarting, short enough that the key caches are not left on their TTL alone
// for long.
const (
	firstRetry = 100 * time.Millisecond
	maxRetry   = 5 * time.Second
)

// listenConnectTimeout bounds one attempt to open the listen connection.
const listenConnectTimeout = 10 * time.Second

// listenCheckEvery is how long the listener waits for a notification before it pings the
// connection: a connection lost without a word (a network cut) would otherwise wait forever.
const listenCheckEvery = 30 * time.Second

// RevocationWatcher is told what WatchRevocations hears. Its functions are called from the one
// goroutine running WatchRevocations, never at the same time.
type RevocationWatcher struct {
	// Listening is called each time the listen connection is (re)opened and listening.
	// Revokes announced while it was down were missed: the caller must forget every key it
	// holds. backendPID identifies the connection in pg_stat_activity.
	Listening func(backendPID uint32)
	// Revoked is called with the id of each key revoked by any process on the database.
	Revoked func(keyID string)
	// Lost is called when the connection fails or cannot be opened; the next attempt is in
	// retryIn.
	Lost func(err error, retryIn time.Duration)
}

// AnnouncesRevocations reports whether revokes reach other processes (PostgreSQL's
// LISTEN/NOTIFY). An SQLite file has one process, which knows its own revokes.
func (s *Store) AnnouncesRevocations() bool { return s.dialect == Postgres }

// WatchRevocations listens for the revokes of every process sharing this PostgreSQL database
// until ctx ends, on a connection of its own (a pool connection would be returned to the pool
// with the LISTEN on it). It reconnects, with capped backoff, whenever the connection is lost.
// On SQLite it returns at once.
func (s *Store) WatchRevocations(ctx context.Context, w RevocationWatcher) {
	if !s.AnnouncesRevocations() {
		return
	}
	retry := firstRetry
	for ctx.Err() == nil {
		listened, err := s.listenOnce(ctx, w)
		if ctx.Err() != nil {
			return
		}
		if listened {
			retry = firstRetry
		}
		w.Lost(err, retry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, maxRetry)
	}
}

// listenOnce opens the listen connection and delivers its notifications until it fails or ctx
// ends. listened says whether it got as far as listening.
func (s *Store) listenOnce(ctx context.Context, w RevocationWatcher) (listened bool, err error) {
	connectCtx, cancel := context.WithTimeout(ctx, listenConnectTimeout)
	conn, err := pgx.Connect(connectCtx, s.dsn)
	cancel()
	if err != nil {
		return false, fmt.Errorf("open the revocation listener: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+revocationsChannel); err != nil {
		return false, fmt.Errorf("listen for revocations: %w", err)
	}
	w.Listening(conn.PgConn().PID())
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenCheckEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pingCtx, cancel := context.WithTimeout(ctx, listenConnectTimeout)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil && ctx.Err() == nil {
				return true, fmt.Errorf("the revocation listener stopped answering: %w", err)
			}
		case err != nil:
			return true, fmt.Errorf("the revocation listener was lost: %w", err)
		case n.Channel == revocationsChannel:
			w.Revoked(n.Payload)
		}
	}
}
