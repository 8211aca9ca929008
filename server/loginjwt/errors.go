package loginjwt

import (
	"errors"
	"fmt"
)

// Error is a refused token. Reason says why in words that are safe to show the client (it
// never contains key material, URLs or library internals); the underlying cause, if any, is
// reachable with errors.Unwrap for logging.
type Error struct {
	Reason string
	cause  error
}

func (e *Error) Error() string { return e.Reason }

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
	return fmt.Errorf("%w: "+format, append([]any{ErrKeysUnavailable}, args...)...)
}
