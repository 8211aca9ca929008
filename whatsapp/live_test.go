package whatsapp

import (
	"context"
	"errors"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
)

// TestLiveOfflineClient: a real client that never connected, behind Live, is neither
// connected nor logged in, and its lookups fail with whatsmeow's not-connected error rather
// than an empty answer (the adapter will turn that into ENOTCONNECTED, never a "false").
func TestLiveOfflineClient(t *testing.T) {
	var live Live = whatsmeow.NewClient(&store.Device{}, nil)
	if live.IsConnected() || live.IsLoggedIn() {
		t.Fatal("an offline client says it is connected")
	}
	got, err := live.IsOnWhatsApp(context.Background(), []string{"+15550001111"})
	if !errors.Is(err, whatsmeow.ErrNotConnected) || got != nil {
		t.Fatalf("IsOnWhatsApp offline: %v, %v", got, err)
	}
	if _, err := live.GetUserInfo(context.Background(), []types.JID{types.NewJID("15550001111", types.DefaultUserServer)}); !errors.Is(err, whatsmeow.ErrNotConnected) {
		t.Fatalf("GetUserInfo offline: %v", err)
	}
}
