// Package loginjwt verifies the login JWTs that a frontend mints for its users, so that
// wagate can accept them as bearer credentials next to API keys.
//
// A token is accepted only when it is a compact JWS signed with an asymmetric algorithm by a
// key published in the configured JWKS, its iss, aud, exp, nbf and iat claims hold, and it
// names a subject and an organization. The JWKS is cached, refreshed in the background when
// it grows old, and refetched (at most once per MinRefreshInterval) when a token names a key
// the cache does not know, which is how key rotation reaches the verifier.
//
// Refusals are *Error values whose Reason can be shown to the client. A JWKS that cannot be
// fetched is reported as ErrKeysUnavailable instead, because that is the server's fault, not
// the token's.
package loginjwt
