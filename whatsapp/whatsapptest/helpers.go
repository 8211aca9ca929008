package whatsapptest

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	waE2E "go.mau.fi/whatsmeow/proto/waE2E"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/whatsapp"
)

// These let tests above the adapter (the HTTP server's) drive clients without naming
// whatsmeow's types, which only whatsapp/ may import.

// Factory is a whatsapp.ManagerConfig.NewClient making clients with New; each is handed to
// made (to set it up, and keep it) before the manager uses it.
func Factory(made func(*Client)) func(*wastore.Device) whatsapp.Live {
	return func(dev *wastore.Device) whatsapp.Live {
		c := New(dev)
		made(c)
		return c
	}
}

// LogInOnConnect makes the client log in as soon as it connects, as a paired phone's does.
func (c *Client) LogInOnConnect() { c.OnConnect = []any{&events.Connected{}} }

// ShowQR dispatches the event of a connection that shows QR codes.
func (c *Client) ShowQR(codes ...string) bool { return c.Dispatch(&events.QR{Codes: codes}) }

// EmitCode hands code on the QR channel, to be shown for timeout.
func (c *Client) EmitCode(code string, timeout time.Duration) bool {
	return c.EmitQR(whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: code, Timeout: timeout})
}

// PairAndLogIn dispatches a pairing with the account of user (its digits) as device number
// device, then the login; it returns the device's JID.
func (c *Client) PairAndLogIn(user string, device uint16) string {
	jid := types.JID{User: user, Device: device, Server: types.DefaultUserServer}
	c.Dispatch(&events.PairSuccess{ID: jid, Platform: "android"})
	c.Dispatch(&events.Connected{})
	return jid.String()
}

// ErrRateOverLimit is WhatsApp's "slow down" (rate-overlimit), as whatsmeow returns it.
var ErrRateOverLimit = whatsmeow.ErrIQRateOverLimit

// Directory is WhatsApp's view of who has an account, for the lookups of the clients it
// serves: one answer per query, IsIn for an account, its about text. Safe for concurrent use.
type Directory struct {
	mu       sync.Mutex
	accounts map[string]string // about, by user (digits)
	err      error
}

// Add gives the numbers (E.164) an account with the about text.
func (d *Directory) Add(about string, e164 ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.accounts == nil {
		d.accounts = map[string]string{}
	}
	for _, n := range e164 {
		d.accounts[strings.TrimPrefix(n, "+")] = about
	}
}

// Fail makes every lookup fail with err from now on; nil answers again.
func (d *Directory) Fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.err = err
}

// Serve makes c answer its lookups from d.
func (d *Directory) Serve(c *Client) {
	c.IsOnWhatsAppFunc = d.isOnWhatsApp
	c.GetUserInfoFunc = d.userInfo
}

func (d *Directory) isOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	out := make([]types.IsOnWhatsAppResponse, 0, len(phones))
	for _, q := range phones {
		user := strings.TrimPrefix(q, "+")
		_, in := d.accounts[user]
		out = append(out, types.IsOnWhatsAppResponse{Query: q, JID: types.NewJID(user, types.DefaultUserServer), IsIn: in})
	}
	return out, nil
}

func (d *Directory) userInfo(_ context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	out := map[types.JID]types.UserInfo{}
	for _, j := range jids {
		if about, ok := d.accounts[j.User]; ok {
			out[j] = types.UserInfo{Status: about}
		}
	}
	return out, nil
}

// Receive dispatches a text message from the phone user (its digits) at the time at, in a
// direct chat with the session or, when group is set, in that group (its id, digits); it
// reports whether the handlers took it (false leaves it unacknowledged for WhatsApp).
func (c *Client) Receive(user, group string, at time.Time) bool {
	sender := types.NewJID(user, types.DefaultUserServer)
	chat := sender
	if group != "" {
		chat = types.NewJID(group, types.GroupServer)
	}
	text := "hola"
	return c.Dispatch(&events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsGroup: group != ""},
			ID:            "3EB0" + user + at.UTC().Format("150405.000000"), Timestamp: at,
		},
		Message: &waE2E.Message{Conversation: &text},
	})
}
