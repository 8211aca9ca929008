package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// CheckState is what a check found out about a number.
type CheckState string

const (
	StateOnWhatsApp    CheckState = "on_whatsapp"
	StateNotOnWhatsApp CheckState = "not_on_whatsapp"
	// StateUnknown: WhatsApp could not be asked or did not answer; Err says why. Never cached.
	StateUnknown CheckState = "unknown"
)

// CheckResult is the answer for one number of a Check.
type CheckResult struct {
	Phone     string // the number asked, E.164
	State     CheckState
	JID       string    // user@s.whatsapp.net as WhatsApp confirmed it, when on WhatsApp
	LID       string    // the account's @lid when known, else ""
	CheckedAt time.Time // when WhatsApp answered (for a cached answer, when it did then)
	Cached    bool
	Err       error // for StateUnknown only: why, as an *Error (ERATELIMITED, ETIMEOUT, EUPSTREAM, ENOTCONNECTED)
}

// Check answers, in input order, whether each number is on WhatsApp, asking through the
// organization's session. 1 to MaxCheckBatch numbers, else EINVALID; numbers that are the
// same (one MatchKey, whatever the spelling) are asked once and each slot answered.
//
// The session is checked first, always, even when every answer is cached: the session
// must be the organization's (else its ENOTFOUND) and connected (else ENOTCONNECTED), as
// seed 001 says, so whether a request succeeds never depends on what happens to be cached.
// Then the organization's cache answers what it holds, costing nothing; only the rest is
// asked of WhatsApp, in one query with every WhatsApp spelling of each number
// (phone.Number.WhatsAppSpellings), after taking one token per number from the session's
// rate limit. Numbers the tokens available within MaxWait do not cover are answered
// StateUnknown with an ERATELIMITED Err saying when to retry.
//
// Check fails as a whole only when no slot could be answered (nothing cached, nothing
// confirmed by WhatsApp): its error is then the first slot's reason, which for a single
// number is that number's (ERATELIMITED with a retry, ETIMEOUT, ENOTCONNECTED when the
// connection dropped, EUPSTREAM). So a nil error always comes with at least one answer,
// and for one number with that number's answer. Failing to read the cache is an error too:
// asking WhatsApp instead would spend the account's standing on answers already paid for.
func (l *Lookups) Check(ctx context.Context, orgID, sessionID string, numbers []phone.Number) ([]CheckResult, error) {
	if len(numbers) == 0 || len(numbers) > MaxCheckBatch {
		return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("check 1 to %d numbers at a time, not %d", MaxCheckBatch, len(numbers))}
	}
	for i, n := range numbers {
		if err := validNumber(n); err != nil {
			return nil, fmt.Errorf("number %d: %w", i+1, err)
		}
	}
	live, err := l.cfg.Sessions.Live(ctx, orgID, sessionID)
	if err != nil {
		return nil, err
	}
	return l.check(ctx, live, orgID, sessionID, numbers)
}

// validNumber refuses a Number that phone.Parse did not make.
func validNumber(n phone.Number) error {
	if len(n.E164) < 2 || n.E164[0] != '+' || n.MatchKey == "" {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("%q is not a phone number in E.164", n.E164)}
	}
	return nil
}

// answer is what is known of one distinct number.
type answer struct {
	state     CheckState
	jid, lid  string
	checkedAt time.Time
	cached    bool
	err       error
}

func (l *Lookups) check(ctx context.Context, live Live, orgID, sessionID string, numbers []phone.Number) ([]CheckResult, error) {
	// One question per distinct number, in input order; its first spelling is the one asked
	// and cached.
	var keys []string
	first := map[string]phone.Number{}
	for _, n := range numbers {
		if _, ok := first[n.MatchKey]; !ok {
			first[n.MatchKey] = n
			keys = append(keys, n.MatchKey)
		}
	}
	cached, err := l.cfg.Cache.CachedChecks(ctx, orgID, keys, l.now())
	if err != nil {
		return nil, fmt.Errorf("read the check cache: %w", err)
	}
	answers := make(map[string]answer, len(keys))
	var misses []phone.Number
	for _, k := range keys {
		if c, ok := cached[k]; ok {
			answers[k] = fromCache(c)
		} else {
			misses = append(misses, first[k])
		}
	}
	if len(misses) > 0 {
		if err := l.ask(ctx, live, orgID, sessionID, misses, answers); err != nil {
			return nil, err
		}
	}

	results := make([]CheckResult, len(numbers))
	answered := false
	for i, n := range numbers {
		a := answers[n.MatchKey]
		results[i] = CheckResult{Phone: n.E164, State: a.state, JID: a.jid, LID: a.lid, CheckedAt: a.checkedAt, Cached: a.cached, Err: a.err}
		answered = answered || a.state != StateUnknown
	}
	if !answered {
		return nil, results[0].Err
	}
	return results, nil
}

func fromCache(c store.CachedCheck) answer {
	a := answer{state: StateNotOnWhatsApp, checkedAt: c.CheckedAt, cached: true}
	if c.OnWhatsApp {
		a.state, a.jid, a.lid = StateOnWhatsApp, c.JID, c.LID
	}
	return a
}

// ask puts WhatsApp's answers for misses (or why there is none) into answers, and caches
// the answers. It returns an error only when the request itself ended (ctx).
func (l *Lookups) ask(ctx context.Context, live Live, orgID, sessionID string, misses []phone.Number, answers map[string]answer) error {
	lim := l.limiters.of(sessionID)
	n, retry, err := l.acquire(ctx, lim, len(misses))
	if err != nil {
		return err
	}
	for _, m := range misses[n:] {
		answers[m.MatchKey] = answer{state: StateUnknown, err: RateLimited(retry, nil)}
	}
	asked := misses[:n]
	if len(asked) == 0 {
		return nil
	}

	// Every spelling of every number, each once, in one query; the answers are matched
	// back by the query they carry, never by position: WhatsApp may leave numbers out.
	var queries []string
	owner := map[string]int{}
	for i, m := range asked {
		for _, s := range m.WhatsAppSpellings() {
			if _, dup := owner[s]; !dup {
				owner[s] = i
				queries = append(queries, s)
			}
		}
	}
	callCtx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	resp, err := live.IsOnWhatsApp(callCtx, queries)
	cancel()
	if err != nil {
		err = l.liveError(ctx, callCtx, lim, sessionID, err)
		if errors.Is(err, context.Canceled) {
			return err
		}
		for _, m := range asked {
			answers[m.MatchKey] = answer{state: StateUnknown, err: err}
		}
		return nil
	}
	lim.answered()
	at := l.now()

	heard := make([]bool, len(asked))
	confirmed := make([]*types.IsOnWhatsAppResponse, len(asked))
	for i := range resp {
		r := &resp[i]
		idx, ok := owner["+"+strings.TrimPrefix(r.Query, "+")]
		if !ok {
			continue // not a query of ours: nothing to match it to
		}
		heard[idx] = true
		// Both spellings confirmed: the number's own spelling is the account asked for.
		if r.IsIn && (confirmed[idx] == nil || r.Query == asked[idx].E164) {
			confirmed[idx] = r
		}
	}
	var toCache []store.CachedCheck
	for i, m := range asked {
		a := answer{state: StateUnknown, err: &Error{Code: EUPSTREAM, Message: "WhatsApp did not answer for this number"}}
		c := store.CachedCheck{MatchKey: m.MatchKey, Phone: m.E164, CheckedAt: at}
		switch {
		case confirmed[i] != nil:
			jid, lid := confirmedJID(*confirmed[i])
			a = answer{state: StateOnWhatsApp, jid: jid, lid: lid, checkedAt: at}
			c.OnWhatsApp, c.JID, c.LID, c.ExpiresAt = true, jid, lid, at.Add(l.cfg.PositiveTTL)
			toCache = append(toCache, c)
		case heard[i]:
			// WhatsApp answered for at least one spelling and confirmed none. A spelling it
			// left out is one it considers invalid, so the answer stands.
			a = answer{state: StateNotOnWhatsApp, checkedAt: at}
			c.ExpiresAt = at.Add(l.cfg.NegativeTTL)
			toCache = append(toCache, c)
		}
		answers[m.MatchKey] = a
	}
	l.cache(ctx, orgID, toCache)
	return nil
}

// confirmedJID is the account WhatsApp confirmed, as user@s.whatsapp.net, and its LID when
// the answer is in LID addressing (newer WhatsApp servers answer the @lid as the JID).
func confirmedJID(r types.IsOnWhatsAppResponse) (jid, lid string) {
	j := r.JID.ToNonAD()
	switch {
	case j.Server == types.HiddenUserServer:
		return types.NewJID(strings.TrimPrefix(r.Query, "+"), types.DefaultUserServer).String(), j.String()
	case j.User == "":
		return types.NewJID(strings.TrimPrefix(r.Query, "+"), types.DefaultUserServer).String(), ""
	}
	return j.String(), ""
}

// cache stores answers WhatsApp gave. They were paid for, so they are stored even if the
// request has just ended; a failure to store them is logged, not returned: the answers are
// right, and the next check asks again.
func (l *Lookups) cache(ctx context.Context, orgID string, checks []store.CachedCheck) {
	if len(checks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
	defer cancel()
	if err := l.cfg.Cache.CacheChecks(ctx, orgID, checks); err != nil {
		l.log.Warn("could not cache WhatsApp check answers", "org", orgID, "count", len(checks), "error", err)
	}
}

// liveError is the adapter's error for a failed call to WhatsApp made under callCtx, a
// child of the request's ctx. WhatsApp's own rate limit also pauses the session.
func (l *Lookups) liveError(ctx, callCtx context.Context, lim *sessionLimit, sessionID string, err error) error {
	switch {
	case errors.Is(err, whatsmeow.ErrIQRateOverLimit):
		d := lim.overLimit(l.now())
		l.log.Warn("WhatsApp rate-limited the session's lookups; pausing them", "session", sessionID, "pause", d)
		return RateLimited(d, err)
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err() // the client left; nobody reads the answer
	case errors.Is(callCtx.Err(), context.DeadlineExceeded):
		err = errors.Join(err, context.DeadlineExceeded) // whatsmeow may have said it otherwise
	}
	return liveCallError("answer the lookup", err)
}
