package loginjwt

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
)

// claims checks the claims of a token whose signature holds and extracts the caller.
func (v *Verifier) claims(registered jwt.Claims, all map[string]any) (Claims, error) {
	// go-jose skips the expiry check when exp is absent; a login token without one would be
	// valid forever, so it is refused here first.
	if registered.Expiry == nil {
		return Claims{}, refuse(reasonNoExpiry, nil)
	}
	expected := jwt.Expected{
		Issuer:      v.cfg.Issuer,
		AnyAudience: v.cfg.Audience,
		Time:        v.now(),
	}
	if err := registered.ValidateWithLeeway(expected, v.cfg.Leeway); err != nil {
		return Claims{}, validationRefusal(err)
	}
	if registered.Subject == "" {
		return Claims{}, refuse(reasonNoSubject, nil)
	}

	org, err := orgClaim(all, v.cfg.OrgClaim)
	if err != nil {
		return Claims{}, err
	}
	var roles []string
	if v.cfg.RoleClaim != "" {
		if roles, err = roleClaim(all, v.cfg.RoleClaim); err != nil {
			return Claims{}, err
		}
	}
	return Claims{
		Subject:   registered.Subject,
		Name:      displayName(all),
		Org:       org,
		Roles:     roles,
		ExpiresAt: registered.Expiry.Time(),
	}, nil
}

// validationRefusal maps go-jose's validation errors to reasons.
func validationRefusal(err error) *Error {
	switch {
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return refuse(reasonBadIssuer, err)
	case errors.Is(err, jwt.ErrInvalidAudience):
		return refuse(reasonBadAudience, err)
	case errors.Is(err, jwt.ErrExpired):
		return refuse(reasonExpired, err)
	case errors.Is(err, jwt.ErrNotValidYet):
		return refuse(reasonNotYetValid, err)
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return refuse(reasonIssuedInFuture, err)
	default:
		return refuse(reasonMalformed, err)
	}
}

// lookupClaim finds a claim by name. An exact top-level name wins, so a claim literally
// called "app.org" is found as is; otherwise the dotted name is followed through nested
// objects ("app.org" reads {"app": {"org": ...}}). Claim names may contain dots themselves
// (namespaced claims such as "https://wagate.io/claims"), so at each level the longest
// prefix of the remaining path that names a member is taken, which is also what makes the
// exact top-level name win.
func lookupClaim(all map[string]any, name string) (any, bool) {
	obj, rest := all, name
	for {
		key, tail, more := longestMember(obj, rest)
		if key == "" {
			return nil, false
		}
		value := obj[key]
		if !more {
			return value, true
		}
		next, ok := value.(map[string]any)
		if !ok {
			return nil, false
		}
		obj, rest = next, tail
	}
}

// longestMember returns the longest dot-separated prefix of path that is a member of obj,
// and, when that is not all of path, what follows the dot. key is empty when no prefix is a
// member.
func longestMember(obj map[string]any, path string) (key, tail string, more bool) {
	for end := len(path); end > 0; end = strings.LastIndexByte(path[:end], '.') {
		if _, ok := obj[path[:end]]; ok {
			if end == len(path) {
				return path, "", false
			}
			return path[:end], path[end+1:], true
		}
	}
	return "", "", false
}

// orgClaim reads the organization id. Some identity providers emit numeric tenant ids, so an
// integer is accepted and turned into its decimal text; anything else that is not a
// non-empty string is refused rather than guessed at.
func orgClaim(all map[string]any, name string) (string, error) {
	raw, ok := lookupClaim(all, name)
	if !ok || raw == nil || raw == "" {
		return "", refusef(nil, "token is missing the %s claim", name)
	}
	switch v := raw.(type) {
	case string:
		return v, nil
	case float64:
		// JSON numbers decode as float64; only integers that float64 holds exactly are ids.
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return strconv.FormatInt(int64(v), 10), nil
		}
	}
	return "", refusef(nil, "token has an invalid %s claim", name)
}

// roleClaim reads the roles: a string is one role, an array of strings is all of them. A
// missing claim means no roles, and what that allows is the server's decision. A claim of
// any other shape is refused so that a typo in the issuer's mapping is noticed, not read as
// "no roles".
func roleClaim(all map[string]any, name string) ([]string, error) {
	raw, ok := lookupClaim(all, name)
	if !ok || raw == nil {
		return nil, nil
	}
	invalid := refusef(nil, "token has an invalid %s claim", name)
	switch v := raw.(type) {
	case string:
		if v == "" {
			return nil, nil
		}
		return []string{v}, nil
	case []any:
		var roles []string
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, invalid
			}
			if s != "" {
				roles = append(roles, s)
			}
		}
		return roles, nil
	}
	return nil, invalid
}

// displayName is for showing who is signed in, never for deciding anything.
func displayName(all map[string]any) string {
	for _, name := range []string{"name", "email"} {
		if s, ok := all[name].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
