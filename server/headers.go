package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// docsPolicy is the Content-Security-Policy of the docs page and its files: Swagger UI runs
// from this server's own files (docs.html has no inline script or style) and reads the spec
// and calls the API on this server; its stylesheet draws icons from data: URLs. No page may
// frame it.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// answerHeaders sets, before anything can answer, the headers every answer carries: nosniff,
// so that no browser runs a JSON answer (or a user's value in it) as HTML or script;
// no-store under /api/, whose answers are one caller's data and, once, a new API key's secret;
// and the docs page's Content-Security-Policy.
func answerHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		path := c.Request().URL.Path
		switch {
		case strings.HasPrefix(path, "/api/"):
			h.Set(echo.HeaderCacheControl, "no-store")
		case path == "/docs" || strings.HasPrefix(path, "/docs/"):
			h.Set(echo.HeaderContentSecurityPolicy, docsPolicy)
		}
		return next(c)
	}
}

// refuseUnroutedMethods answers a method the path does not take with a 405 listing, in Allow,
// the methods it does take. Echo's router knows them, but says so itself only where no
// middleware answers first (the validator answers /api/ paths without Allow); and it answers
// OPTIONS with a 204 the spec does not declare, which this makes a 405 like any other method
// no route takes.
func refuseUnroutedMethods(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		allow, ok := routedMethods(c)
		if !ok {
			return next(c) // the method has a route, or the path has none (a 404)
		}
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
		return echo.ErrMethodNotAllowed
	}
}

// routedMethods are the methods Echo's router found routes for on the request's path, when the
// request's own method has none (ok is false when it has one, or the path has none). OPTIONS
// is left out: no route of the spec serves it.
func routedMethods(c echo.Context) (methods []string, ok bool) {
	routed, ok := c.Get(echo.ContextKeyHeaderAllow).(string)
	if !ok {
		return nil, false
	}
	for m := range strings.SplitSeq(routed, ",") {
		if m = strings.TrimSpace(m); m != "" && m != http.MethodOptions {
			methods = append(methods, m)
		}
	}
	return methods, true
}

// refuseShadowedMethods answers with a 405 a method that a path without parameters does not
// take, where Echo's router would instead hand the request to a route with a parameter in
// the same place: GET /api/v1/contacts/query is not getContact of a contact called "query"
// (a 400) but a method the query does not take. Allow lists the methods the path takes.
func (ops operations) refuseShadowedMethods() echo.MiddlewareFunc {
	static := map[string][]string{}
	for r := range ops {
		if !strings.Contains(r.path, ":") {
			static[r.path] = append(static[r.path], r.method)
			if r.method == http.MethodGet {
				static[r.path] = append(static[r.path], http.MethodHead)
			}
		}
	}
	for path := range static {
		slices.Sort(static[path])
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			path := c.Request().URL.Path
			takes, ok := static[path]
			if !ok || c.Path() == path || slices.Contains(takes, c.Request().Method) {
				return next(c)
			}
			c.Response().Header().Set(echo.HeaderAllow, strings.Join(takes, ", "))
			return echo.ErrMethodNotAllowed
		}
	}
}
