package whatsapp

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// WhatsApp says "rate-overlimit" without saying for how long. The first one pauses the
// session's lookups for overLimitPause, at least one full refill of a per-minute bucket
// and about what other clients of the same servers report waiting out; each further one
// while it persists doubles the pause, up to maxOverLimitPause, because asking again too soon
// is what turns a rate limit into a ban (whatsmeow #478). A successful call resets it.
const (
	overLimitPause    = time.Minute
	maxOverLimitPause = 16 * time.Minute
)

// limiters holds one token bucket per session: a token is one number asked of WhatsApp.
type limiters struct {
	perSecond rate.Limit
	burst     int

	mu       sync.Mutex
	sessions map[string]*sessionLimit
}

func newLimiters(perMinute float64, burst int) *limiters {
	return &limiters{perSecond: rate.Limit(perMinute / 60), burst: burst, sessions: map[string]*sessionLimit{}}
}

// of is the session's limit, made full on first use.
func (ls *limiters) of(sessionID string) *sessionLimit {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	s, ok := ls.sessions[sessionID]
	if !ok {
		s = &sessionLimit{bucket: rate.NewLimiter(ls.perSecond, ls.burst)}
		ls.sessions[sessionID] = s
	}
	return s
}

func (ls *limiters) forget(sessionID string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.sessions, sessionID)
}

// sessionLimit is one session's bucket and WhatsApp's pause on it.
type sessionLimit struct {
	mu          sync.Mutex // makes counting the tokens and reserving them one step
	bucket      *rate.Limiter
	pausedUntil time.Time // after WhatsApp's rate-overlimit, nothing is asked before this
	overLimits  int       // rate-overlimit answers since the last successful call
}

// grant is the part of a request for tokens that can be served within the wait allowed.
type grant struct {
	n     int           // tokens reserved: the first n numbers may be asked
	delay time.Duration // wait this long before asking
	retry time.Duration // when n is short of the request: when the rest could be asked
	res   *rate.Reservation
}

// take reserves as many of want tokens (at most the burst) as are available within
// maxWait of now, counting WhatsApp's pause. Tokens reserved and then not used must be
// handed back with release.
func (s *sessionLimit) take(now time.Time, want int, maxWait time.Duration) grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	pause := max(s.pausedUntil.Sub(now), 0)
	g := grant{}
	if pause <= maxWait {
		// Tokens by now+maxWait; the bucket never holds more than its burst.
		avail := min(float64(s.bucket.Burst()), s.bucket.TokensAt(now)+float64(s.bucket.Limit())*maxWait.Seconds())
		for n := min(want, int(math.Floor(avail))); n > 0; n-- {
			r := s.bucket.ReserveN(now, n)
			if r.OK() && r.DelayFrom(now) <= maxWait {
				g.n, g.res, g.delay = n, r, max(r.DelayFrom(now), pause)
				break
			}
			r.CancelAt(now) // float rounding at the edge: one fewer
		}
	}
	if g.n < want {
		rest := min(want-g.n, s.bucket.Burst())
		deficit := float64(rest) - s.bucket.TokensAt(now)
		wait := time.Duration(deficit / float64(s.bucket.Limit()) * float64(time.Second))
		g.retry = ceilSecond(max(wait, pause, time.Nanosecond))
	}
	return g
}

// release hands back the tokens of a grant that was not used.
func (s *sessionLimit) release(g grant, now time.Time) {
	if g.res == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g.res.CancelAt(now)
}

// overLimit records WhatsApp's rate-overlimit at now and returns how long the session's
// lookups now pause.
func (s *sessionLimit) overLimit(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := overLimitPause << min(s.overLimits, 4)
	d = min(d, maxOverLimitPause)
	s.overLimits++
	s.pausedUntil = now.Add(d)
	return d
}

// answered records a call WhatsApp answered: its limit is no longer hit.
func (s *sessionLimit) answered() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overLimits = 0
}

// ceilSecond rounds d up to whole seconds: Retry-After is in seconds, and a client that
// retries after the rounded-down value would be refused again.
func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}
