package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
)

// startWagate serves a real wagate (the server package over SQLite in a fresh directory) on
// httptest, with an organization and an API key that may do everything. The client package
// itself never imports the server: only its tests do.
func startWagate() (baseURL, apiKey string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	dir, err := os.MkdirTemp("", "wagate-client-example")
	if err != nil {
		panic(err)
	}
	s, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		panic(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		panic(err)
	}
	org, err := s.CreateOrganization(ctx, "acme", "AR")
	if err != nil {
		panic(err)
	}
	_, key, err := s.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: "example", Capabilities: store.AllCapabilities})
	if err != nil {
		panic(err)
	}
	// The WhatsApp sessions, with whatsmeow's own clients: these tests connect none.
	devices, err := whatsapp.NewDevices(s.Pool(), string(s.Dialect()), nil)
	if err != nil {
		panic(err)
	}
	if _, _, err := devices.Upgrade(ctx); err != nil {
		panic(err)
	}
	sessions, err := whatsapp.NewManager(ctx, whatsapp.ManagerConfig{Store: s, Devices: devices})
	if err != nil {
		panic(err)
	}
	lookups, err := whatsapp.NewLookups(whatsapp.LookupConfig{Sessions: sessions, Cache: s})
	if err != nil {
		panic(err)
	}
	e, err := server.New(ctx, server.Config{Store: s, Sessions: sessions, Lookups: lookups, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(e)
	return srv.URL, key, func() {
		srv.Close()
		sessions.Close()
		cancel()
		s.Close()
		os.RemoveAll(dir)
	}
}
