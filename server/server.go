// Package server is wagate's HTTP layer: thin handlers implementing the strict interface
// generated from openapi/openapi.yaml, and the middleware every request crosses: request ids
// and access logs, panic recovery, authentication (before the body is read or its size
// judged), a body-size limit, validation of the request against the spec, and the one error
// envelope.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
)

// DefaultMaxBodyBytes is the body-size limit when Config leaves it zero.
const DefaultMaxBodyBytes = 1 << 20

// DefaultImportMaxBytes is the import's body-size limit when Config leaves it zero: a
// million rows of a CRM export, with room to spare.
const DefaultImportMaxBytes = 512 << 20

// Config is what the HTTP layer needs.
type Config struct {
	Store *store.Store
	// Sessions runs the WhatsApp sessions and Lookups asks WhatsApp through them; both are
	// required (the server answers the session operations with them).
	Sessions *whatsapp.Manager
	Lookups  *whatsapp.Lookups
	Logger   *slog.Logger
	// Logins verifies login JWTs; nil accepts API keys only.
	Logins *loginjwt.Verifier
	// Roles maps a login token's role to the capabilities it grants.
	Roles map[string]store.Capabilities
	// MaxBodyBytes bounds request bodies; larger ones get a 413.
	MaxBodyBytes int64
	// ImportMaxBytes bounds the body of a contact import, which is streamed; zero means
	// DefaultImportMaxBytes.
	ImportMaxBytes int64
	// CredentialTTL is how long a key or organization read from the database is trusted;
	// zero means credentialTTL.
	CredentialTTL time.Duration
	// Draining, when set and true, makes /readyz answer 503 so that load balancers stop
	// sending requests, while every other request is still served.
	Draining func() bool
	// CORSAllowedOrigins are the origins whose pages may call the API from a browser (exact
	// origins such as https://crm.example.com, or the single entry "*" for any); empty is
	// CORS off. See CheckCORSOrigins.
	CORSAllowedOrigins []string
	// Background, when set, counts the goroutines New starts (the revocation listener on
	// PostgreSQL), which run until New's ctx ends: wait on it after ending ctx.
	Background *sync.WaitGroup
	// Metrics, when set, count every request; with ServeMetrics they are also served at
	// /metrics, which otherwise answers 404 (they are served elsewhere, or not at all).
	Metrics      *Metrics
	ServeMetrics bool
}

// New builds the HTTP handler: an Echo instance with every route of the spec. ctx is the
// server's lifetime, not only its construction's: the revocation listener runs until it ends.
func New(ctx context.Context, cfg Config) (*echo.Echo, error) {
	if cfg.Sessions == nil || cfg.Lookups == nil {
		return nil, errors.New("the server needs the WhatsApp session manager and lookups (Config.Sessions, Config.Lookups)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ImportMaxBytes <= 0 {
		cfg.ImportMaxBytes = DefaultImportMaxBytes
	}
	spec, err := openapi.Spec()
	if err != nil {
		return nil, fmt.Errorf("load the spec: %w", err)
	}
	auth, err := newAuthenticator(spec, cfg.Store, cfg.Logger, cfg.Logins, cfg.Roles)
	if err != nil {
		return nil, err
	}
	// The authenticator has copied what it needs of the spec (operations): the validator may
	// have it now, without the credentials it no longer checks (it also drops the servers entry).
	withoutSecurity(spec)
	secret, err := cfg.Store.ServerSecret(ctx, cursorSecretName)
	if err != nil {
		return nil, fmt.Errorf("read the cursor signing key: %w", err)
	}
	cors, err := newCORSPolicy(cfg.CORSAllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("CORS allowed origins: %w", err)
	}
	docs, err := newSystemDocs()
	if err != nil {
		return nil, err
	}
	if cfg.CredentialTTL > 0 {
		auth.keys.ttl, auth.orgs.ttl = cfg.CredentialTTL, cfg.CredentialTTL
	}
	h := &handlers{store: cfg.Store, sessions: cfg.Sessions, lookups: cfg.Lookups, keys: auth.keys, cursors: cursors{key: secret}, system: docs, draining: cfg.Draining,
		log: cfg.Logger, exportPageSize: exportPageSize}
	if cfg.ServeMetrics {
		h.metrics = cfg.Metrics
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(cfg.Logger)
	metricLabels := map[route]string{} // filled once the routes are
	if cfg.Metrics != nil {
		e.Use(cfg.Metrics.instrument(metricLabels))
	}
	e.Use(
		requestIDs(),
		answerHeaders,
		accessLog(cfg.Logger),
		recoverPanics(cfg.Logger),
		cors.cors, // before authentication: a preflight carries no credentials
		refuseUnroutedMethods,
		auth.operations.refuseShadowedMethods(),
		headAsGet,
		auth.authenticate, // before anything reads the body, or judges its size
		limitBody(auth.operations, cfg.MaxBodyBytes, cfg.ImportMaxBytes),
		longTransfers(auth.operations),
		strictQuery(auth.operations),
		strictBody(auth.operations),
		newValidator(spec, auth.operations),
		refuseNUL,
	)
	routes := headRoutes{e}
	gen.RegisterHandlers(routes, gen.NewStrictHandler(h, []gen.StrictMiddlewareFunc{servedFrom}))
	routes.GET("/docs/*", docsAssets)
	if err := auth.operations.checkRoutes(e.Routes()); err != nil {
		return nil, err
	}
	auth.operations.addMetricLabels(metricLabels, e.Routes())
	if cfg.Store.AnnouncesRevocations() {
		background := cfg.Background
		if background == nil {
			background = new(sync.WaitGroup)
		}
		background.Go(func() { auth.keys.followRevocations(ctx) })
	}
	return e, nil
}
