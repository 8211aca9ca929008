// Package server is wagate's HTTP layer: thin handlers implementing the strict interface
// generated from openapi/openapi.yaml, and the middleware every request crosses: request ids
// and access logs, panic recovery, a body-size limit, validation of the request against the
// spec (credentials included), and the one error envelope.
package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
)

// DefaultMaxBodyBytes is the body-size limit when Config leaves it zero.
const DefaultMaxBodyBytes = 1 << 20

// Config is what the HTTP layer needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Logins verifies login JWTs; nil accepts API keys only.
	Logins *loginjwt.Verifier
	// Roles maps a login token's role to the capabilities it grants.
	Roles map[string]store.Capabilities
	// MaxBodyBytes bounds request bodies; larger ones get a 413.
	MaxBodyBytes int64
}

// New builds the HTTP handler: an Echo instance with every route of the spec.
func New(ctx context.Context, cfg Config) (*echo.Echo, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	// The validator gets a copy of its own: it drops the servers entry of what it is given.
	spec, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("load the embedded spec: %w", err)
	}
	auth, err := newAuthenticator(spec, cfg.Store, cfg.Logger, cfg.Logins, cfg.Roles)
	if err != nil {
		return nil, err
	}
	secret, err := cfg.Store.ServerSecret(ctx, cursorSecretName)
	if err != nil {
		return nil, fmt.Errorf("read the cursor signing key: %w", err)
	}
	docs, err := newSystemDocs()
	if err != nil {
		return nil, err
	}
	h := &handlers{store: cfg.Store, keys: auth.keys, cursors: cursors{key: secret}, system: docs}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(cfg.Logger)
	ops := newOperations(spec)
	e.Use(
		requestIDs(),
		answerHeaders,
		accessLog(cfg.Logger),
		recoverPanics(cfg.Logger),
		refuseUnroutedMethods,
		limitBody(cfg.MaxBodyBytes),
		headAsGet,
		strictQuery(ops),
		strictBody(ops),
		newValidator(spec, auth),
		refuseNUL,
		principalToContext,
	)
	routes := headRoutes{e}
	gen.RegisterHandlers(routes, gen.NewStrictHandler(h, nil))
	routes.GET("/docs/*", docsAssets)
	return e, nil
}
