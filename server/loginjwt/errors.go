package loginjwt

import (
	"errors"
	"fmt"
)

// Kinds of failure, for callers that answer the errors of several packages by kind (an API
// answers EREFUSED with a 401 and EKEYSUNAVAILABLE with a 503).
const (
	EREFUSED         = "token_refused"    // the token is refused: an *Error
	EKEYSUNAVAILABLE = "keys_unavailable" // the signing keys cannot be had: wraps ErrKeysUnavailable
)

// Error is a refused token. Reason says why in words that are safe to show the client (it
// never contains key material, URLs or library internals); the underlying cause, if any, is
// reachable with errors.Unwrap for logging.
type Error struct {
	Reason string
	cause  error
}

func (e *Error) Error() string { return e.Reason }

// Kind returns EREFUSED.
func (e *Error) Kind() string { return EREFUSED }

// Unwrap returns what go-jose or the claim decoder reported, for logs only.
func (e *Error) Unwrap() error { return e.cause }

// ErrKeysUnavailable is wrapped by the error Verify returns when the JWKS cannot be fetched or
// parsed. It is not the token's fault, so the server answers 503 rather than 401; the wrapping
// message names the URL and the failure and is meant for logs, not clients.
var ErrKeysUnavailable = errors.New("loginjwt: token signing keys are unavailable")

// Reasons that do not depend on the token or the configuration.
const (
	reasonMalformed      = "token is malformed"
	reasonNoAlg          = "token has no alg header"
	reasonAlgNotAllowed  = "token algorithm is not allowed"
	reasonUnknownKey     = "token signing key is unknown"
	reasonAmbiguousKey   = "token has no kid and more than one signing key could have signed it"
	reasonBadSignature   = "token signature is invalid"
	reasonBadIssuer      = "token issuer is not accepted"
	reasonBadAudience    = "token audience is not accepted"
	reasonNoExpiry       = "token has no exp claim"
	reasonExpired        = "token has expired"
	reasonNotYetValid    = "token is not valid yet"
	reasonIssuedInFuture = "token is issued in the future"
	reasonNoSubject      = "token has no sub claim"
)

func refuse(reason string, cause error) *Error {
	return &Error{Reason: reason, cause: cause}
}

func refusef(cause error, format string, args ...any) *Error {
	return &Error{Reason: fmt.Sprintf(format, args...), cause: cause}
}

// keysUnavailable wraps a fetch failure so that errors.Is(err, ErrKeysUnavailable) holds;
// format may itself use %w to keep the cause (a context error, say) inspectable.
func keysUnavailable(format string, args ...any) error {
	return unavailableError{fmt.Errorf("%w: "+format, append([]any{ErrKeysUnavailable}, args...)...)}
}

// unavailableError is a failure to get the signing keys, of kind EKEYSUNAVAILABLE.
type unavailableError struct{ error }

func (e unavailableError) Unwrap() error { return e.error }

// Kind returns EKEYSUNAVAILABLE.
func (e unavailableError) Kind() string { return EKEYSUNAVAILABLE }
