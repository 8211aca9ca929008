package server

import (
	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"log/slog"
)

// handlers implements the generated strict interface. Each method only translates: it reads
// the generated request, calls the store, the session manager or the lookups (or the phone parser), and returns a response of the
// generated interface: the generated types, or for contacts and lookups the plain-pointer
// types of contactjson.go. Errors go back to Echo's error handler, which writes the envelope.
type handlers struct {
	store *store.Store
	// sessions runs the WhatsApp sessions' lifecycles; lookups asks WhatsApp through them.
	sessions *whatsapp.Manager
	lookups  *whatsapp.Lookups
	keys     *apiKeyCache
	cursors  cursors
	system   systemDocs
	// draining says the server is being taken out of service (Config.Draining); may be nil.
	draining func() bool
	// metrics are served at /metrics when set (Config.ServeMetrics).
	metrics *Metrics
	// log is for what happens after an answer's status went out (an export cut short).
	log *slog.Logger
	// exportPageSize is how many contacts an export reads at a time (exportPageSize).
	exportPageSize int
}

var _ gen.StrictServerInterface = (*handlers)(nil)
