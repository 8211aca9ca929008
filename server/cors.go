package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// The request headers a browser on another origin may send (credentials, the body's type,
// its own request id) and the answer headers its script may read.
const (
	corsRequestHeaders = "Authorization, Content-Type, X-API-Key, X-Request-Id"
	corsExposedHeaders = "Retry-After, X-Request-Id"
	corsMaxAge         = "600" // seconds a browser may reuse a preflight's answer
)

// corsPolicy is which other origins' pages may call the API from a browser. The zero value
// allows none: CORS is off and no answer carries Access-Control-* headers.
type corsPolicy struct {
	anyOrigin bool            // "*": any page, answered Access-Control-Allow-Origin: *
	origins   map[string]bool // exact origins, lowercase, such as https://crm.example.com
}

// CheckCORSOrigins says what is wrong with a list of allowed origins, if anything: each is a
// scheme and host (and port), with nothing after them, or the list is the single entry "*".
func CheckCORSOrigins(origins []string) error {
	_, err := newCORSPolicy(origins)
	return err
}

func newCORSPolicy(origins []string) (corsPolicy, error) {
	p := corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		if o == "*" {
			if len(origins) > 1 {
				return corsPolicy{}, fmt.Errorf(`"*" allows every origin and cannot be listed with others`)
			}
			p.anyOrigin = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
			return corsPolicy{}, fmt.Errorf("%q is not an origin: write scheme and host, and the port if it is not the default, such as https://crm.example.com or http://localhost:3000, with no path or trailing slash", o)
		}
		if (u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80") {
			// A browser leaves the default port out of Origin, so this spelling would never match.
			return corsPolicy{}, fmt.Errorf("%q names its scheme's default port, which a browser leaves out of Origin: write %s", o, strings.TrimSuffix(o, ":"+u.Port()))
		}
		p.origins[strings.ToLower(o)] = true
	}
	return p, nil
}

func (p corsPolicy) on() bool { return p.anyOrigin || len(p.origins) > 0 }

// allowOrigin is the Access-Control-Allow-Origin an answer to origin carries, or "" for none.
func (p corsPolicy) allowOrigin(origin string) string {
	switch {
	case origin == "":
		return ""
	case p.anyOrigin:
		return "*"
	case p.origins[strings.ToLower(origin)]:
		return origin
	}
	return ""
}

// cors answers a browser's preflight from an allowed origin (204, with the methods the path
// takes and the headers it may send) and marks every other answer to such an origin as
// readable by its script. It runs before authentication, since a preflight carries no
// credentials, and before refuseUnroutedMethods, which answers every other OPTIONS with a 405:
// so does a preflight from an origin not allowed, or with CORS off, exactly as on a server
// that knows no CORS (the browser reports the failure either way, and the 405's Allow still
// tells a person what the path takes). No answer ever carries Access-Control-Allow-Credentials:
// wagate's credentials are headers a script sets itself, never cookies.
func (p corsPolicy) cors(next echo.HandlerFunc) echo.HandlerFunc {
	if !p.on() {
		return next
	}
	return func(c echo.Context) error {
		req, h := c.Request(), c.Response().Header()
		if !p.anyOrigin {
			h.Add(echo.HeaderVary, echo.HeaderOrigin) // the answer depends on it, for caches
		}
		allow := p.allowOrigin(req.Header.Get(echo.HeaderOrigin))
		if allow == "" {
			return next(c)
		}
		h.Set(echo.HeaderAccessControlAllowOrigin, allow)
		if req.Method != http.MethodOptions || req.Header.Get(echo.HeaderAccessControlRequestMethod) == "" {
			h.Set(echo.HeaderAccessControlExposeHeaders, corsExposedHeaders)
			return next(c)
		}
		methods, ok := routedMethods(c)
		if !ok {
			return next(c) // no such path: the 404 a browser shows as a failed preflight
		}
		h.Set(echo.HeaderAccessControlAllowMethods, strings.Join(methods, ", "))
		h.Set(echo.HeaderAccessControlAllowHeaders, corsRequestHeaders)
		h.Set(echo.HeaderAccessControlMaxAge, corsMaxAge)
		return c.NoContent(http.StatusNoContent)
	}
}
