package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// Live is the part of *whatsmeow.Client the gateway uses: a session's life and its live
// lookups. Everything above the adapter goes through it, so tests drive the adapter with a
// fake and no network; the assertion below keeps it honest against the pinned whatsmeow.
type Live interface {
	// Lifecycle. ConnectContext takes the service's context, never a request's: the
	// connection outlives the request that asked for it.
	ConnectContext(ctx context.Context) error
	Disconnect()
	IsConnected() bool // the websocket is up, not necessarily authenticated
	IsLoggedIn() bool  // authenticated: live lookups can run
	Logout(ctx context.Context) error
	// GetQRChannel must be called before connecting, and only on an unpaired device.
	GetQRChannel(ctx context.Context) (<-chan whatsmeow.QRChannelItem, error)
	PairPhone(ctx context.Context, phone string, showPushNotification bool, clientType whatsmeow.PairClientType, clientDisplayName string) (string, error)
	AddEventHandler(handler whatsmeow.EventHandler) uint32
	// AddEventHandlerWithSuccessStatus is for a handler that must see an event through
	// (whatsmeow redelivers what it reports as not handled).
	AddEventHandlerWithSuccessStatus(handler whatsmeow.EventHandlerWithSuccessStatus) uint32
	// RemoveEventHandler deadlocks if called from inside a handler; call it from another
	// goroutine there.
	RemoveEventHandler(id uint32) bool

	// Lookups. IsOnWhatsApp may answer fewer entries than asked, in any order: match them
	// by Query, never by position.
	IsOnWhatsApp(ctx context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error)
	GetUserInfo(ctx context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error)
	// GetJoinedGroups lists the groups the account is in, with their participants.
	GetJoinedGroups(ctx context.Context) ([]*types.GroupInfo, error)
}

var _ Live = (*whatsmeow.Client)(nil)
