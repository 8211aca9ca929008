package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
)

// capabilityExtension is the spec extension naming the capability an operation requires.
const capabilityExtension = "x-required-capability"

// Security scheme names, as the spec declares them.
const (
	bearerScheme = "bearerAuth"
	apiKeyScheme = "apiKeyAuth"
)

// errNoCredentials answers a request that presented no credentials for a scheme.
var errNoCredentials = newError(kindUnauthorized,
	"credentials are missing: send Authorization: Bearer <API key or login token>, or X-API-Key: <API key>")

// authenticator turns credentials into a Principal and checks the capability each operation
// requires. The spec decides which operations need credentials at all, and which.
type authenticator struct {
	store      *store.Store
	logins     *loginjwt.Verifier // nil when no JWKS is configured
	roles      map[string]store.Capabilities
	keys       *apiKeyCache
	orgs       *orgCache
	operations operations
}

func newAuthenticator(spec *openapi3.T, s *store.Store, log *slog.Logger, logins *loginjwt.Verifier, roles map[string]store.Capabilities) (*authenticator, error) {
	ops, err := newOperations(spec)
	if err != nil {
		return nil, err
	}
	return &authenticator{
		store: s, logins: logins, roles: roles, operations: ops,
		keys: newAPIKeyCache(s, log), orgs: newOrgCache(s),
	}, nil
}

// authenticate checks a request's credentials against its operation's security requirements
// before anything reads the body: a caller without credentials learns nothing about its input,
// and costs no more than its headers. Requests that match no operation, or an operation whose
// security is empty (health, the spec, the docs), pass untouched.
func (a *authenticator) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		op := a.operations.of(c)
		if op == nil || len(op.security) == 0 {
			return next(c)
		}
		p, err := a.satisfy(c.Request(), op)
		if err != nil {
			return err
		}
		c.SetRequest(c.Request().WithContext(withPrincipal(c.Request().Context(), p)))
		return next(c)
	}
}

// satisfy tries the operation's security requirements in order, as OpenAPI reads them: the
// first whose schemes all accept the credentials wins. When none does, the most telling of
// the refusals is the answer (see pickAuthError).
func (a *authenticator) satisfy(req *http.Request, op *operation) (*Principal, error) {
	var errs []error
	for _, schemes := range op.security {
		p, err := a.satisfyAll(req, op, schemes)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
	}
	return nil, pickAuthError(errs)
}

// satisfyAll checks every scheme of one requirement (in name order, as kin-openapi did).
func (a *authenticator) satisfyAll(req *http.Request, op *operation, schemes []string) (*Principal, error) {
	var p *Principal
	for _, name := range schemes {
		var err error
		if p, err = a.scheme(req, name); err != nil {
			return nil, err
		}
		if !p.Capabilities.Has(op.need) {
			return nil, newError(kindForbidden,
				"this operation requires the %s capability", op.need).with("required", op.need)
		}
	}
	if p == nil {
		return nil, fmt.Errorf("operation %s has a security requirement naming no scheme", op.id)
	}
	return p, nil
}

// scheme reads the credentials one security scheme of the spec names.
func (a *authenticator) scheme(req *http.Request, name string) (*Principal, error) {
	switch name {
	case bearerScheme:
		return a.bearer(req)
	case apiKeyScheme:
		return a.apiKeyHeader(req)
	}
	return nil, fmt.Errorf("unknown security scheme %q", name)
}

func (a *authenticator) bearer(req *http.Request) (*Principal, error) {
	h := req.Header.Get("Authorization")
	if h == "" {
		return nil, errNoCredentials
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, unauthorized("the Authorization header must be \"Bearer <token>\"")
	}
	if strings.HasPrefix(token, store.APIKeyPrefix) || !loginjwt.LooksLikeJWT(token) {
		return a.fromAPIKey(req.Context(), token)
	}
	return a.fromLogin(req.Context(), token)
}

func (a *authenticator) apiKeyHeader(req *http.Request) (*Principal, error) {
	key := strings.TrimSpace(req.Header.Get("X-API-Key"))
	if key == "" {
		return nil, errNoCredentials
	}
	return a.fromAPIKey(req.Context(), key)
}

func unauthorized(format string, args ...any) *apiError {
	return newError(kindUnauthorized, format, args...)
}

func (a *authenticator) fromAPIKey(ctx context.Context, secret string) (*Principal, error) {
	if !store.LooksLikeAPIKey(secret) {
		return nil, unauthorized("the API key is malformed: keys are %s followed by 40 letters and digits", store.APIKeyPrefix)
	}
	e, err := a.keys.get(ctx, secret)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return nil, unauthorized("the API key is not valid")
	}
	if err != nil {
		return nil, err
	}
	now := a.store.Now()
	switch {
	case e.key.RevokedAt != nil:
		return nil, unauthorized("the API key has been revoked")
	case e.key.ExpiresAt != nil && !now.Before(*e.key.ExpiresAt):
		return nil, unauthorized("the API key expired at %s", e.key.ExpiresAt.Format(time.RFC3339))
	}
	a.keys.touch(ctx, e, now)
	return &Principal{Org: e.org, Type: gen.PrincipalTypeApiKey, ID: e.key.ID, Name: e.key.Name, Capabilities: e.key.Capabilities}, nil
}

func (a *authenticator) fromLogin(ctx context.Context, token string) (*Principal, error) {
	if a.logins == nil {
		return nil, unauthorized("login tokens are not accepted: this server has no JWKS configured")
	}
	claims, err := a.logins.Verify(ctx, token)
	if err != nil {
		return nil, loginRefused(err)
	}
	org, err := a.orgs.get(ctx, claims.Org)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return nil, unauthorized("the login token names organization %q, which does not exist", claims.Org)
	}
	if err != nil {
		return nil, err
	}
	var caps store.Capabilities
	for _, role := range claims.Roles {
		caps = append(caps, a.roles[role]...)
	}
	return &Principal{Org: org, Type: gen.PrincipalTypeUser, ID: claims.Subject, Name: claims.Name, Capabilities: caps.Normal()}, nil
}

// loginRefused words a login token Verify did not accept, by the kind of its error.
func loginRefused(err error) error {
	var k kinded
	if !errors.As(err, &k) {
		return err
	}
	var ae *apiError
	switch k.Kind() {
	case loginjwt.EKEYSUNAVAILABLE:
		ae = newError(loginjwt.EKEYSUNAVAILABLE, "the identity provider's signing keys cannot be fetched; retry later")
	case loginjwt.EREFUSED:
		reason := "it is not accepted"
		var refused *loginjwt.Error
		if errors.As(err, &refused) {
			reason = refused.Reason
		}
		ae = newError(loginjwt.EREFUSED, "the login token is refused: %s", reason)
	default:
		return err
	}
	ae.Cause = err
	return ae
}

// pickAuthError chooses, among the errors of the schemes that all failed, the one that tells
// the caller most: a good credential lacking a capability, then a provider outage, then a
// credential that was presented and refused, and only then "no credentials".
func pickAuthError(errs []error) error {
	rank := func(err error) int {
		var ae *apiError
		switch {
		case !errors.As(err, &ae):
			return 4 // an unexpected failure: a 500 must not hide behind a 401
		case ae.Status == http.StatusForbidden:
			return 3
		case ae.Status == http.StatusServiceUnavailable:
			return 2
		case ae != errNoCredentials:
			return 1
		}
		return 0
	}
	best := error(errNoCredentials)
	for _, err := range errs {
		if rank(err) > rank(best) {
			best = err
		}
	}
	return best
}
