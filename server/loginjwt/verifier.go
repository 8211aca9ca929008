package loginjwt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Config says where the signing keys are and what a token must claim.
type Config struct {
	// JWKSURL is where the issuer publishes its public keys. It must be https, except for a
	// loopback host during development: whoever can alter the set in transit can mint tokens.
	JWKSURL string
	// Issuer must equal the token's iss claim exactly.
	Issuer string
	// Audience lists the accepted aud values; the token's aud (a string or an array) must
	// contain at least one of them.
	Audience []string
	// OrgClaim names the claim holding the organization id, e.g. "org_id". A dotted path such
	// as "app.org" reaches into nested objects when no top-level claim has that exact name.
	OrgClaim string
	// RoleClaim names the claim holding the role, e.g. "role" (same path rules as OrgClaim).
	// It may be a string or an array of strings. Empty means tokens carry no roles.
	RoleClaim string
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means 30 seconds.
	Leeway time.Duration
	// HTTPClient fetches the JWKS. Nil means a client with a 5 second timeout; a client
	// without a timeout still gets 5 seconds per fetch.
	HTTPClient *http.Client
	// MinRefreshInterval is the least time between two JWKS fetches, so that tokens with
	// made-up kids cannot turn into a flood of requests to the issuer. Zero means 1 minute.
	MinRefreshInterval time.Duration
	// CacheTTL is the age after which a request refreshes the JWKS in the background, so
	// that keys the issuer removed stop verifying. Zero means 1 hour.
	CacheTTL time.Duration
}

// Claims is what wagate needs to know about the caller of a verified token.
type Claims struct {
	Subject   string    // sub
	Name      string    // the name claim, or email when there is no name; may be empty
	Org       string    // the organization id from Config.OrgClaim
	Roles     []string  // from Config.RoleClaim; nil when the token has none
	ExpiresAt time.Time // exp
}

// Verifier checks login JWTs. It is safe for concurrent use.
type Verifier struct {
	cfg  Config
	keys *keyCache
	// now is the clock. Tests in this package replace it right after New, before any Verify.
	now func() time.Time
}

const (
	defaultLeeway      = 30 * time.Second
	defaultTimeout     = 5 * time.Second
	defaultMinRefresh  = time.Minute
	defaultCacheTTL    = time.Hour
	maxTokenBytes      = 64 << 10 // far above any real login token, well below harm
	maxAlgNameInReason = 32
)

// New checks cfg and returns a Verifier. It does not fetch the JWKS: the first Verify does,
// so that a server can start while the issuer is briefly unreachable.
func New(cfg Config) (*Verifier, error) {
	if err := checkJWKSURL(cfg.JWKSURL); err != nil {
		return nil, err
	}
	if cfg.Issuer == "" {
		return nil, errors.New("loginjwt: Issuer is required")
	}
	if len(cfg.Audience) == 0 {
		return nil, errors.New("loginjwt: Audience needs at least one value")
	}
	if slices.Contains(cfg.Audience, "") {
		return nil, errors.New("loginjwt: Audience values must not be empty")
	}
	if cfg.OrgClaim == "" {
		return nil, errors.New("loginjwt: OrgClaim is required")
	}
	if cfg.Leeway < 0 || cfg.MinRefreshInterval < 0 || cfg.CacheTTL < 0 {
		return nil, errors.New("loginjwt: Leeway, MinRefreshInterval and CacheTTL must not be negative")
	}
	cfg.Audience = slices.Clone(cfg.Audience)
	if cfg.Leeway == 0 {
		cfg.Leeway = defaultLeeway
	}
	if cfg.MinRefreshInterval == 0 {
		cfg.MinRefreshInterval = defaultMinRefresh
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = defaultCacheTTL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	timeout := cfg.HTTPClient.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}

	v := &Verifier{cfg: cfg, now: time.Now}
	v.keys = &keyCache{
		url:        cfg.JWKSURL,
		client:     cfg.HTTPClient,
		timeout:    timeout,
		minRefresh: cfg.MinRefreshInterval,
		ttl:        cfg.CacheTTL,
		// Read v.now on every call so that a test clock set after New reaches the cache.
		now: func() time.Time { return v.now() },
	}
	return v, nil
}

func checkJWKSURL(raw string) error {
	if raw == "" {
		return errors.New("loginjwt: JWKSURL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("loginjwt: JWKSURL: %w", err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("loginjwt: JWKSURL %q has no host", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	default:
		return fmt.Errorf("loginjwt: JWKSURL %q must use https (http only for a loopback host)", raw)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Verify checks token and returns who it speaks for. A refused token gives an *Error whose
// Reason may be shown to the client; a JWKS that cannot be fetched gives an error wrapping
// ErrKeysUnavailable.
//
// The order matters: nothing in the payload is looked at before the signature holds, so the
// reasons given for a forged token never depend on what it claims.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if len(token) > maxTokenBytes {
		return Claims{}, refuse(reasonMalformed, fmt.Errorf("token is %d bytes, limit %d", len(token), maxTokenBytes))
	}
	// ParseSigned accepts only the compact serialization and refuses any alg not in the list
	// before it returns, so "none" and HS256 never get as far as choosing a key.
	tok, err := jwt.ParseSigned(token, allowedAlgorithms)
	if err != nil {
		return Claims{}, parseRefusal(err)
	}
	// The compact serialization has exactly one signature. Keys come only from the JWKS:
	// jwk, jku, x5u and x5c headers are ignored, since a token cannot vouch for itself.
	header := tok.Headers[0]
	alg := jose.SignatureAlgorithm(header.Algorithm)
	keys, err := v.signingKeys(ctx, header.KeyID, alg)
	if err != nil {
		return Claims{}, err
	}

	var registered jwt.Claims
	var all map[string]any
	for _, key := range keys {
		// Claims verifies the signature first and decodes only a verified payload.
		err = tok.Claims(key.Key, &registered, &all)
		if !errors.Is(err, jose.ErrCryptoFailure) {
			break
		}
	}
	switch {
	case errors.Is(err, jose.ErrCryptoFailure):
		return Claims{}, refuse(reasonBadSignature, err)
	case err != nil:
		// A critical header we do not understand, or claims of the wrong JSON type.
		return Claims{}, refuse(reasonMalformed, err)
	}
	return v.claims(registered, all)
}

// signingKeys returns the keys that may have signed a token with kid and alg, fetching the
// JWKS again once when the cached set has none: that is how a rotated-in key becomes known.
func (v *Verifier) signingKeys(ctx context.Context, kid string, alg jose.SignatureAlgorithm) ([]jose.JSONWebKey, error) {
	set, err := v.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	keys, refusal := set.match(kid, alg)
	if refusal == nil {
		return keys, nil
	}
	if refusal.Reason == reasonAmbiguousKey {
		// More keys will not make it less ambiguous.
		return nil, refusal
	}
	set, err = v.keys.refresh(ctx, set)
	if err != nil {
		return nil, err
	}
	keys, refusal = set.match(kid, alg)
	if refusal != nil {
		return nil, refusal
	}
	return keys, nil
}

// parseRefusal turns a go-jose parse error into a reason. The alg value comes from the
// client, so it is echoed only when it looks like an algorithm name.
func parseRefusal(err error) *Error {
	var unexpected *jose.ErrUnexpectedSignatureAlgorithm
	if !errors.As(err, &unexpected) {
		return refuse(reasonMalformed, err)
	}
	alg := string(unexpected.Got)
	switch {
	case alg == "":
		return refuse(reasonNoAlg, err)
	case isAlgName(alg):
		return refusef(err, "token algorithm %s is not allowed", alg)
	default:
		return refuse(reasonAlgNotAllowed, err)
	}
}

func isAlgName(s string) bool {
	if len(s) > maxAlgNameInReason {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '+' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}
