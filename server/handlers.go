package server

import (
	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// handlers implements the generated strict interface. Each method only translates: it reads
// the generated request, calls the store (or the phone parser), and returns a response of the
// generated interface: the generated types, or for contacts and lookups the plain-pointer
// types of contactjson.go. Errors go back to Echo's error handler, which writes the envelope.
type handlers struct {
	store   *store.Store
	keys    *apiKeyCache
	cursors cursors
	system  systemDocs
	// draining says the server is being taken out of service (Config.Draining); may be nil.
	draining func() bool
	// metrics are served at /metrics when set (Config.ServeMetrics).
	metrics *Metrics
}

var _ gen.StrictServerInterface = (*handlers)(nil)
