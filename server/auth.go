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
	"github.com/getkin/kin-openapi/openapi3filter"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

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

// echoPrincipalKey carries the principal from the validator's authentication callback, which
// only sees the Echo context, to the middleware that puts it on the request context.
const echoPrincipalKey = "wagate.principal"

// errNoCredentials answers a request that presented no credentials for a scheme.
var errNoCredentials = newAPIError(http.StatusUnauthorized, gen.ErrorCodeUnauthorized,
	"credentials are missing: send Authorization: Bearer <API key or login token>, or X-API-Key: <API key>")

// authenticator turns credentials into a Principal and checks the capability each operation
// requires. It is the validator's AuthenticationFunc, so the spec decides which operations need
// credentials at all.
type authenticator struct {
	store    *store.Store
	logins   *loginjwt.Verifier // nil when no JWKS is configured
	roles    map[string]store.Capabilities
	keys     *apiKeyCache
	orgs     *orgCache
	required map[string]store.Capability // by operationId
}

func newAuthenticator(spec *openapi3.T, s *store.Store, log *slog.Logger, logins *loginjwt.Verifier, roles map[string]store.Capabilities) (*authenticator, error) {
	required, err := requiredCapabilities(spec)
	if err != nil {
		return nil, err
	}
	return &authenticator{
		store: s, logins: logins, roles: roles, required: required,
		keys: newAPIKeyCache(s, log), orgs: newOrgCache(s),
	}, nil
}

// requiredCapabilities reads x-required-capability from every operation that has a security
// requirement, and refuses a spec where one lacks it: an operation must never be reachable
// with credentials but without a capability check.
func requiredCapabilities(spec *openapi3.T) (map[string]store.Capability, error) {
	out := map[string]store.Capability{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			security := spec.Security
			if op.Security != nil {
				security = *op.Security
			}
			if len(security) == 0 {
				continue
			}
			raw, _ := op.Extensions[capabilityExtension].(string)
			c := store.Capability(raw)
			if !store.AllCapabilities.Has(c) {
				return nil, fmt.Errorf("%s %s: %s must be read, write or admin, not %q", method, path, capabilityExtension, raw)
			}
			out[op.OperationID] = c
		}
	}
	return out, nil
}

// authenticate is the openapi3filter.AuthenticationFunc. kin-openapi calls it once per
// scheme the operation accepts, until one succeeds.
func (a *authenticator) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	c := echomiddleware.GetEchoContext(ctx)
	if c == nil {
		return errors.New("authentication ran outside an Echo request")
	}
	req := c.Request()
	var p *Principal
	var err error
	switch in.SecuritySchemeName {
	case bearerScheme:
		p, err = a.bearer(req)
	case apiKeyScheme:
		p, err = a.apiKeyHeader(req)
	default:
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	if err != nil {
		return err
	}
	op := in.RequestValidationInput.Route.Operation.OperationID
	need := a.required[op]
	if !p.Capabilities.Has(need) {
		return newAPIError(http.StatusForbidden, gen.ErrorCodeForbidden,
			"this operation requires the %s capability", need).with("required", need)
	}
	c.Set(echoPrincipalKey, p)
	return nil
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
	return newAPIError(http.StatusUnauthorized, gen.ErrorCodeUnauthorized, format, args...)
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
	if errors.Is(err, loginjwt.ErrKeysUnavailable) {
		return nil, &apiError{Status: http.StatusServiceUnavailable, Code: gen.ErrorCodeUnavailable,
			Message: "the identity provider's signing keys cannot be fetched; retry later", Cause: err}
	}
	var refused *loginjwt.Error
	if errors.As(err, &refused) {
		return nil, unauthorized("the login token is refused: %s", refused.Reason)
	}
	if err != nil {
		return nil, err
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
