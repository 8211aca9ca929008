package whatsapp

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/whatsapp/phone"
)

// About is a number's "about" text as WhatsApp shows it.
type About struct {
	Phone     string // the number asked, E.164
	JID       string // the account, user@s.whatsapp.net
	About     string // "" when the account hides it (or has none)
	CheckedAt time.Time
}

// About returns the "about" text of the account of n, asking through the organization's
// session. The account comes from a check, with all of Check's rules (the session first,
// the cache, the rate limit, both spellings); a number not on WhatsApp is an ENOTFOUND
// error. Then WhatsApp is asked for the account's info, which takes one more token of the
// session's limit and is never cached: an about text changes at its owner's whim. A LID
// WhatsApp tells on the way is recorded in the cache.
func (l *Lookups) About(ctx context.Context, orgID, sessionID string, n phone.Number) (About, error) {
	if err := validNumber(n); err != nil {
		return About{}, err
	}
	live, err := l.cfg.Sessions.Live(ctx, orgID, sessionID)
	if err != nil {
		return About{}, err
	}
	checked, err := l.check(ctx, live, orgID, sessionID, []phone.Number{n})
	if err != nil {
		return About{}, err
	}
	c := checked[0] // one number and no error: answered
	if c.State != StateOnWhatsApp {
		return About{}, &Error{Code: ENOTFOUND, Message: fmt.Sprintf("%s is not on WhatsApp", n.E164)}
	}
	jid, err := types.ParseJID(c.JID)
	if err != nil || jid.User == "" {
		return About{}, &Error{Code: EUPSTREAM, Message: fmt.Sprintf("WhatsApp gave %s an account id that cannot be read", n.E164), Cause: err}
	}

	lim := l.limiters.of(sessionID)
	got, retry, err := l.acquire(ctx, lim, 1)
	if err != nil {
		return About{}, err
	}
	if got == 0 {
		return About{}, RateLimited(retry, nil)
	}
	callCtx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	infos, err := live.GetUserInfo(callCtx, []types.JID{jid})
	cancel()
	if err != nil {
		return About{}, l.liveError(ctx, callCtx, lim, sessionID, err)
	}
	lim.answered()
	at := l.now()
	// The map is keyed by the JID WhatsApp sends back, which need not be the one asked
	// (a device suffix, another server): the account is the one whose user part is ours.
	for k, info := range infos {
		if k.ToNonAD().User != jid.User {
			continue
		}
		if lid := info.LID.ToNonAD(); lid.User != "" && lid.String() != c.LID {
			l.recordLID(ctx, orgID, n.MatchKey, c.JID, lid.String())
		}
		return About{Phone: n.E164, JID: c.JID, About: info.Status, CheckedAt: at}, nil
	}
	return About{}, &Error{Code: EUPSTREAM, Message: "WhatsApp did not answer for this number"}
}

// recordLID keeps the account's LID in the organization's cache entry. Like the answers, it
// is kept even if the request has just ended, and a failure is logged: the about text is
// right without it.
func (l *Lookups) recordLID(ctx context.Context, orgID, matchKey, jid, lid string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
	defer cancel()
	if err := l.cfg.Cache.SetCheckLID(ctx, orgID, matchKey, jid, lid); err != nil {
		l.log.Warn("could not record a LID in the check cache", "org", orgID, "error", err)
	}
}
