package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
)

// The kinds of the adapter's errors. They are the codes a caller maps to its answers (the
// API has one row per kind); each is prefixed so that it cannot collide with another
// package's kind of the same meaning, which the API may answer differently.
const (
	ENOTCONNECTED = "whatsapp_not_connected" // the session has no live, logged-in connection
	ERATELIMITED  = "whatsapp_rate_limited"  // ours or WhatsApp's limit: retry after RetryAfter
	ETIMEOUT      = "whatsapp_timeout"       // WhatsApp did not answer in time
	EINVALID      = "whatsapp_invalid"       // the input cannot be sent to WhatsApp
	ECONFLICT     = "whatsapp_conflict"      // the session's state forbids the action
	ENOTFOUND     = "whatsapp_not_found"     // no such session or device
	EUPSTREAM     = "whatsapp_upstream"      // WhatsApp answered with an error of its own
	EUNAVAILABLE  = "whatsapp_unavailable"   // the service cannot run sessions now (it is stopping)
)

// Error is a failure of the adapter: a kind, words fit for an API client, and the cause,
// kept for logs (whatsmeow's words name internals a client cannot act on).
type Error struct {
	Code    string
	Message string
	// Retry is how long to wait before trying again, for ERATELIMITED (and zero otherwise).
	Retry time.Duration
	Cause error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Cause }

// Kind returns Code.
func (e *Error) Kind() string { return e.Code }

// RetryAfter says when to try again; zero when the error does not say.
func (e *Error) RetryAfter() time.Duration { return e.Retry }

// RateLimited is an ERATELIMITED error that asks the caller to wait d.
func RateLimited(d time.Duration, cause error) *Error {
	return &Error{Code: ERATELIMITED, Message: fmt.Sprintf("too many WhatsApp lookups; retry in %s", d.Round(time.Second)), Retry: d, Cause: cause}
}

// KindOf is err's adapter kind, or "" when err is not an adapter error.
func KindOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// liveCallError is the adapter's error for a live call that failed, by what failed; doing
// completes "WhatsApp did not answer in time to ...".
func liveCallError(doing string, err error) error {
	switch {
	case errors.Is(err, whatsmeow.ErrPhoneNumberTooShort), errors.Is(err, whatsmeow.ErrPhoneNumberIsNotInternational):
		return &Error{Code: EINVALID, Message: "the phone number must be international, with its country code, and longer than 6 digits", Cause: err}
	case errors.Is(err, whatsmeow.ErrIQRateOverLimit):
		return &Error{Code: ERATELIMITED, Message: fmt.Sprintf("WhatsApp limits how often this session may %s; retry in %s", doing, rateOverLimitWait),
			Retry: rateOverLimitWait, Cause: err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, whatsmeow.ErrIQTimedOut):
		return &Error{Code: ETIMEOUT, Message: fmt.Sprintf("WhatsApp did not answer in time to %s", doing), Cause: err}
	case errors.Is(err, whatsmeow.ErrNotConnected), errors.Is(err, whatsmeow.ErrNotLoggedIn):
		return &Error{Code: ENOTCONNECTED, Message: fmt.Sprintf("the session's connection to WhatsApp dropped before it could %s; try again once it is connected", doing), Cause: err}
	}
	return &Error{Code: EUPSTREAM, Message: fmt.Sprintf("WhatsApp failed to %s", doing), Cause: err}
}

// rateOverLimitWait is how long to wait after WhatsApp answered rate-overlimit, which says
// no time: a minute, the refill period of the lookups' own limit.
const rateOverLimitWait = time.Minute
