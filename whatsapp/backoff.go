package whatsapp

import (
	"errors"
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is how long a session waits between reconnect attempts: First, then each wait
// Factor times the one before, never more than Max, each spread by ±Jitter so that the
// sessions of one service do not all retry at the same instant.
//
// whatsmeow's own reconnect waits 2 s more per attempt without end; the manager reconnects
// itself with this instead, so the wait is capped and shown on the session.
type Backoff struct {
	First  time.Duration
	Factor float64
	Max    time.Duration // the longest wait, jitter included
	Jitter float64       // a fraction of the wait, 0 to under 1
	// Rand returns a number in [0, 1); nil uses math/rand/v2. Tests set it to be exact.
	Rand func() float64
}

// DefaultBackoff: 2 s first, as whatsmeow's first step, to get over a blip at once;
// doubling reaches the cap in 8 attempts (about 8 minutes in); 5 minutes caps what a
// session with no route to WhatsApp costs (one dial per 5 minutes) and how late it notices
// the route is back; ±20 % spreads the sessions that one outage dropped together.
var DefaultBackoff = Backoff{First: 2 * time.Second, Factor: 2, Max: 5 * time.Minute, Jitter: 0.2}

// Validate says what is wrong with a Backoff set by configuration.
func (b Backoff) Validate() error {
	switch {
	case b.First <= 0:
		return errors.New("the first reconnect delay must be positive")
	case b.Factor < 1 || math.IsInf(b.Factor, 0) || math.IsNaN(b.Factor):
		return errors.New("the reconnect delay factor must be 1 or more")
	case b.Max < b.First:
		return errors.New("the longest reconnect delay must not be shorter than the first")
	case !(b.Jitter >= 0 && b.Jitter < 1):
		return errors.New("the reconnect jitter must be a fraction from 0 to under 1")
	}
	return nil
}

// Retry is a session's reconnect state, as the session shows it while reconnecting: how
// many attempts failed, and when the next one runs. The zero Retry is "not retrying".
type Retry struct {
	Attempt int
	Delay   time.Duration // the wait from the failure to At
	At      time.Time
}

// Schedule is the retry after the attempt-th failure in a row (1 for the first), at now.
// The caller counts the failures and starts over from zero (the zero Retry) once a
// connection succeeds (events.Connected): Backoff keeps no state, so that one policy
// serves every session.
func (b Backoff) Schedule(attempt int, now time.Time) Retry {
	d := b.Delay(attempt)
	return Retry{Attempt: attempt, Delay: d, At: now.Add(d)}
}

// Delay is the wait after the attempt-th failure in a row (attempts below 1 count as 1).
func (b Backoff) Delay(attempt int) time.Duration {
	attempt = max(attempt, 1)
	limit := float64(b.Max)
	// In floats: Factor^attempt overflows any integer long before the cap stops mattering.
	d := min(float64(b.First)*math.Pow(b.Factor, float64(attempt-1)), limit)
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	d *= 1 + b.Jitter*(2*r()-1)
	if d > limit {
		// Folded back under the cap rather than cut to it, so that capped retries stay spread.
		d = 2*limit - d
	}
	return time.Duration(d)
}
