package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/wagate/wagate/store"
)

// LiveSessions gives the live client of an organization's session.
type LiveSessions interface {
	// Live returns the session's client when it is logged in; a store ENOTFOUND error
	// (store.IsNotFound or the store's kind) for an unknown session or another organization's,
	// and a *whatsapp.Error of kind ENOTCONNECTED (says the status and why) when it is not connected.
	Live(ctx context.Context, orgID, sessionID string) (Live, error)
}

// CheckCache is where an organization's check answers are kept between lookups, and
// between restarts: *store.Store.
type CheckCache interface {
	CachedChecks(ctx context.Context, orgID string, matchKeys []string, now time.Time) (map[string]store.CachedCheck, error)
	CacheChecks(ctx context.Context, orgID string, checks []store.CachedCheck) error
	SetCheckLID(ctx context.Context, orgID, matchKey, jid, lid string) error
}

var _ CheckCache = (*store.Store)(nil)

// MaxCheckBatch is how many numbers one Check may ask.
const MaxCheckBatch = 50

// The defaults of LookupConfig.
const (
	DefaultPerMinute = 20
	DefaultBurst     = 10
	DefaultMaxWait   = 2 * time.Second
	// A number on WhatsApp rarely leaves it (an account is deleted, or a number recycled, on
	// a scale of months), so a week bounds how stale a "yes" gets while the repeated checks
	// of one contact list cost nothing.
	DefaultPositiveTTL = 7 * 24 * time.Hour
	// A number not on WhatsApp may join any day (often just after being asked to), so a
	// "no" goes stale sooner; a day still stops a list checked over and over from asking
	// WhatsApp about the same absent numbers, the pattern that gets accounts banned.
	DefaultNegativeTTL = 24 * time.Hour
	// Generous for one usync query (they answer in well under a second when WhatsApp is
	// healthy), and far below whatsmeow's own 75 s IQ timeout, which would hold a request open.
	DefaultTimeout = 15 * time.Second
)

// LookupConfig configures Lookups. Zero values take the defaults above; negative ones are
// refused.
type LookupConfig struct {
	Sessions LiveSessions
	Cache    CheckCache
	// The per-session token bucket: numbers per minute it refills, and how many it holds.
	PerMinute float64
	Burst     int
	// MaxWait is how long a request may wait for tokens before it is refused (429).
	MaxWait time.Duration
	// How long an answer is cached: on WhatsApp, and not on WhatsApp. Errors never are.
	PositiveTTL, NegativeTTL time.Duration
	// Timeout bounds every call to WhatsApp.
	Timeout time.Duration
	Now     func() time.Time // nil: time.Now
	Logger  *slog.Logger
}

// Lookups answers whether numbers are on WhatsApp and what their "about" says, through an
// organization's session, safely: from the organization's cache when it can, under a
// per-session rate limit when it must ask WhatsApp, with every WhatsApp failure reported as
// one and never as "not on WhatsApp".
type Lookups struct {
	cfg      LookupConfig
	limiters *limiters
	log      *slog.Logger
}

// NewLookups checks cfg and fills in its defaults.
func NewLookups(cfg LookupConfig) (*Lookups, error) {
	switch {
	case cfg.Sessions == nil:
		return nil, errors.New("lookups need the live sessions")
	case cfg.Cache == nil:
		return nil, errors.New("lookups need a check cache")
	case cfg.PerMinute < 0 || math.IsNaN(cfg.PerMinute) || math.IsInf(cfg.PerMinute, 0):
		return nil, fmt.Errorf("lookups per minute must be a positive number, not %v", cfg.PerMinute)
	case cfg.Burst < 0:
		return nil, fmt.Errorf("the lookup burst must be positive, not %d", cfg.Burst)
	case cfg.MaxWait < 0, cfg.PositiveTTL < 0, cfg.NegativeTTL < 0, cfg.Timeout < 0:
		return nil, errors.New("lookup durations (wait, cache lifetimes, timeout) cannot be negative")
	}
	cfg.PerMinute = orDefault(cfg.PerMinute, DefaultPerMinute)
	cfg.Burst = orDefault(cfg.Burst, DefaultBurst)
	cfg.MaxWait = orDefault(cfg.MaxWait, DefaultMaxWait)
	cfg.PositiveTTL = orDefault(cfg.PositiveTTL, DefaultPositiveTTL)
	cfg.NegativeTTL = orDefault(cfg.NegativeTTL, DefaultNegativeTTL)
	cfg.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Lookups{cfg: cfg, limiters: newLimiters(cfg.PerMinute, cfg.Burst), log: log.With("component", "lookups")}, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Forget drops a deleted session's rate-limit state.
func (l *Lookups) Forget(sessionID string) { l.limiters.forget(sessionID) }

func (l *Lookups) now() time.Time { return l.cfg.Now() }

// ctxError is the error of a request whose context ended while it waited: its own deadline
// is a timeout; a cancelled request (the client left) gets the context's error as it is.
func ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Code: ETIMEOUT, Message: "the request ran out of time before WhatsApp could be asked", Cause: ctx.Err()}
	}
	return ctx.Err()
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acquire takes want tokens of the session's limit, waiting for them within MaxWait, and
// says how many it got (the first n numbers may be asked) and, when short, when the rest
// could be. It waits only when it got some, and not past ctx's deadline; ctx ending hands
// them back.
func (l *Lookups) acquire(ctx context.Context, lim *sessionLimit, want int) (n int, retry time.Duration, err error) {
	g := lim.take(l.now(), want, l.cfg.MaxWait)
	if g.n == 0 {
		return 0, g.retry, nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < g.delay {
		// The request would end before its tokens come: refuse it now, as if over MaxWait.
		lim.release(g, l.now())
		return 0, ceilSecond(g.delay), nil
	}
	if err := sleep(ctx, g.delay); err != nil {
		lim.release(g, l.now())
		return 0, 0, ctxError(ctx)
	}
	return g.n, g.retry, nil
}
