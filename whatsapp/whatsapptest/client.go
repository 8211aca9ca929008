// Package whatsapptest is a whatsmeow client with no network, for tests of the adapter and
// of everything above it: it satisfies whatsapp.Live, takes the events a test feeds it to
// the handlers the code under test registered, and answers lookups as the test says.
package whatsapptest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/whatsapp"
)

var _ whatsapp.Live = (*Client)(nil)

// Client plays *whatsmeow.Client. Its behaviour is set through the fields before the code
// under test uses it; a nil func answers as the comment on it says. Events reach the
// handlers only through Dispatch (or OnConnect): nothing happens by itself.
type Client struct {
	// Device is the device the client was made for, as whatsmeow's Client.Store.
	Device *wastore.Device

	// Connect answers ConnectContext; nil connects at once. After a successful connect the
	// events of OnConnect are dispatched on a goroutine of their own, as whatsmeow
	// dispatches its connection events.
	Connect   func(ctx context.Context) error
	OnConnect []any
	// IsOnWhatsAppFunc, GetUserInfoFunc, PairPhoneFunc and LogoutFunc answer the calls of
	// those names; nil answers whatsmeow's "not connected" error (PairPhone, Logout: see
	// their methods).
	IsOnWhatsAppFunc func(ctx context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error)
	GetUserInfoFunc  func(ctx context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error)
	PairPhoneFunc    func(ctx context.Context, phone string) (string, error)
	// GetJoinedGroupsFunc answers GetJoinedGroups; nil answers no groups.
	GetJoinedGroupsFunc func(ctx context.Context) ([]*types.GroupInfo, error)
	LogoutFunc          func(ctx context.Context) error

	// Calls counts the calls by method name ("ConnectContext", "IsOnWhatsApp", ...).
	calls sync.Map // string → *atomic.Int64

	mu        sync.Mutex
	handlers  map[uint32]func(any) bool
	nextID    uint32
	connected bool
	loggedIn  bool
	qr        chan whatsmeow.QRChannelItem
	wg        sync.WaitGroup
}

// New is a client for dev, as a factory of live clients would make one.
func New(dev *wastore.Device) *Client { return &Client{Device: dev} }

// ErrNotConnected is what the lookups answer when the test set no answer: the error
// whatsmeow wraps when its websocket is down.
var ErrNotConnected = whatsmeow.ErrNotConnected

func (c *Client) count(name string) {
	n, _ := c.calls.LoadOrStore(name, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// Calls is how many times the method name was called.
func (c *Client) Calls(name string) int {
	n, ok := c.calls.Load(name)
	if !ok {
		return 0
	}
	return int(n.(*atomic.Int64).Load())
}

func (c *Client) ConnectContext(ctx context.Context) error {
	c.count("ConnectContext")
	if c.Connect != nil {
		if err := c.Connect(ctx); err != nil {
			return err
		}
	}
	c.mu.Lock()
	if c.connected {
		c.mu.Unlock()
		return whatsmeow.ErrAlreadyConnected
	}
	c.connected = true
	c.mu.Unlock()
	if len(c.OnConnect) > 0 {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for _, evt := range c.OnConnect {
				c.Dispatch(evt)
			}
		}()
	}
	return nil
}

// Wait waits for the events OnConnect dispatches.
func (c *Client) Wait() { c.wg.Wait() }

func (c *Client) Disconnect() {
	c.count("Disconnect")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connected, c.loggedIn = false, false
}

func (c *Client) IsConnected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected
}

func (c *Client) IsLoggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loggedIn
}

// Logout answers LogoutFunc; nil answers as whatsmeow does: ErrNotLoggedIn for an unpaired
// device, else success, after which the client is disconnected.
func (c *Client) Logout(ctx context.Context) error {
	c.count("Logout")
	if c.LogoutFunc != nil {
		if err := c.LogoutFunc(ctx); err != nil {
			return err
		}
	} else if c.Device == nil || c.Device.ID == nil {
		return whatsmeow.ErrNotLoggedIn
	}
	c.Disconnect()
	return nil
}

// GetQRChannel hands out a channel the test feeds with EmitQR, as whatsmeow's refuses a
// paired device or a connected client.
func (c *Client) GetQRChannel(ctx context.Context) (<-chan whatsmeow.QRChannelItem, error) {
	c.count("GetQRChannel")
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.connected:
		return nil, whatsmeow.ErrQRAlreadyConnected
	case c.Device != nil && c.Device.ID != nil:
		return nil, whatsmeow.ErrQRStoreContainsID
	case c.qr != nil:
		return nil, errors.New("whatsapptest: GetQRChannel called twice on one client")
	}
	c.qr = make(chan whatsmeow.QRChannelItem, 8)
	return c.qr, nil
}

// EmitQR sends item on the QR channel, and closes it after an item that ends pairing (any
// but a code), as whatsmeow does; a timeout also disconnects the client. It reports false
// when there is no channel (GetQRChannel was not called) or it is closed.
func (c *Client) EmitQR(item whatsmeow.QRChannelItem) bool {
	c.mu.Lock()
	ch := c.qr
	if ch == nil {
		c.mu.Unlock()
		return false
	}
	if item.Event != whatsmeow.QRChannelEventCode {
		c.qr = nil // closed below; a second EmitQR reports false
		if item == whatsmeow.QRChannelTimeout {
			c.connected = false
		}
	}
	c.mu.Unlock()
	ch <- item
	if item.Event != whatsmeow.QRChannelEventCode {
		close(ch)
	}
	return true
}

func (c *Client) PairPhone(ctx context.Context, phone string, _ bool, _ whatsmeow.PairClientType, _ string) (string, error) {
	c.count("PairPhone")
	if c.PairPhoneFunc == nil {
		return "", whatsmeow.ErrNotConnected
	}
	return c.PairPhoneFunc(ctx, phone)
}

func (c *Client) AddEventHandler(handler whatsmeow.EventHandler) uint32 {
	return c.AddEventHandlerWithSuccessStatus(func(evt any) bool { handler(evt); return true })
}

func (c *Client) AddEventHandlerWithSuccessStatus(handler whatsmeow.EventHandlerWithSuccessStatus) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handlers == nil {
		c.handlers = map[uint32]func(any) bool{}
	}
	c.nextID++
	c.handlers[c.nextID] = handler
	return c.nextID
}

func (c *Client) RemoveEventHandler(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.handlers[id]
	delete(c.handlers, id)
	return ok
}

// Dispatch hands evt to every handler, in the order they were added, as whatsmeow does,
// and reports whether all of them handled it. Connected logs the client in; the events
// that end a connection log it out and disconnect it, as whatsmeow's state would follow.
func (c *Client) Dispatch(evt any) bool {
	c.mu.Lock()
	switch evt.(type) {
	case *events.Connected:
		c.connected, c.loggedIn = true, true
	case *events.Disconnected, *events.LoggedOut, *events.StreamReplaced, *events.TemporaryBan,
		*events.ClientOutdated, *events.ConnectFailure, *events.StreamError:
		c.connected, c.loggedIn = false, false
	}
	ids := make([]uint32, 0, len(c.handlers))
	for id := range c.handlers {
		ids = append(ids, id)
	}
	hs := make([]func(any) bool, 0, len(ids))
	slices.Sort(ids)
	for _, id := range ids {
		hs = append(hs, c.handlers[id])
	}
	c.mu.Unlock()
	ok := true
	for _, h := range hs {
		ok = h(evt) && ok
	}
	return ok
}

func (c *Client) IsOnWhatsApp(ctx context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	c.count("IsOnWhatsApp")
	if c.IsOnWhatsAppFunc == nil {
		return nil, whatsmeow.ErrNotConnected
	}
	return c.IsOnWhatsAppFunc(ctx, phones)
}

func (c *Client) GetUserInfo(ctx context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error) {
	c.count("GetUserInfo")
	if c.GetUserInfoFunc == nil {
		return nil, whatsmeow.ErrNotConnected
	}
	return c.GetUserInfoFunc(ctx, jids)
}

func (c *Client) GetJoinedGroups(ctx context.Context) ([]*types.GroupInfo, error) {
	c.count("GetJoinedGroups")
	if c.GetJoinedGroupsFunc == nil {
		return nil, nil
	}
	return c.GetJoinedGroupsFunc(ctx)
}
