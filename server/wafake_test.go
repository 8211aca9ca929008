package server_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// The whatsmeow types the tests need, in this one file: the phone shows a QR code; the
// QR channel hands the manager a code; the phone pairs and the device logs in.

func showQR(c *whatsapptest.Client, code string) { c.Dispatch(&events.QR{Codes: []string{code}}) }

func emitCode(c *whatsapptest.Client, code string) bool {
	return c.EmitQR(whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: code, Timeout: time.Minute})
}

// pairAndLogIn pairs the client with the account of user (its digits) as device number
// device, and logs it in; it returns the device's JID.
func pairAndLogIn(c *whatsapptest.Client, user string, device uint16) string {
	jid := types.JID{User: user, Device: device, Server: types.DefaultUserServer}
	c.Dispatch(&events.PairSuccess{ID: jid, Platform: "android"})
	c.Dispatch(&events.Connected{})
	return jid.String()
}

// errRateOverLimit is WhatsApp's "slow down" (rate-overlimit), as whatsmeow returns it.
var errRateOverLimit = whatsmeow.ErrIQRateOverLimit

// newManager is the real session manager on the harness's database (whatsmeow's device
// store upgraded in it), making its live clients with wa: no network. It closes with the
// test.
func newManager(t *testing.T, s *store.Store, wa *waFake, log *slog.Logger) *whatsapp.Manager {
	t.Helper()
	devices := must(whatsapp.NewDevices(s.Pool(), string(s.Dialect()), nil))
	if _, _, err := devices.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	m := must(whatsapp.NewManager(ctx, whatsapp.ManagerConfig{Store: s, Devices: devices, NewClient: wa.newClient, Logger: log}))
	t.Cleanup(m.Close)
	return m
}

// waFake makes the manager's live clients: whatsapptest clients set up by configure (by
// default they log in as soon as they connect, and answer lookups from onWhatsApp and
// abouts), kept so that a test can drive the one a session got.
type waFake struct {
	mu         sync.Mutex
	configure  func(*whatsapptest.Client)
	clients    []*whatsapptest.Client
	onWhatsApp map[string]bool   // the digits of the numbers that have an account
	abouts     map[string]string // by user (digits)
	// WhatsApp's answers the test sets: a failure of every lookup, and the answer to a
	// request for a pairing code (nil: whatsmeow's "not connected").
	lookupErr error
	pairPhone func(phone string) (string, error)
}

func newWAFake() *waFake {
	f := &waFake{onWhatsApp: map[string]bool{}, abouts: map[string]string{}}
	f.configure = f.loggedIn
	return f
}

// loggedIn is the default client: it connects and logs in at once, as a paired phone's does,
// and answers lookups from the directory.
func (f *waFake) loggedIn(c *whatsapptest.Client) {
	c.OnConnect = []any{&events.Connected{}}
	c.IsOnWhatsAppFunc = f.isOnWhatsApp
	c.GetUserInfoFunc = f.userInfo
	c.PairPhoneFunc = f.pairPhoneCode
}

// pairing is a client of a session waiting to be paired: it connects and logs in only when
// the test dispatches the events.
func (f *waFake) pairing(c *whatsapptest.Client) {
	f.loggedIn(c)
	c.OnConnect = nil
}

func (f *waFake) newClient(dev *wastore.Device) whatsapp.Live {
	c := whatsapptest.New(dev)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configure(c)
	f.clients = append(f.clients, c)
	return c
}

// set makes the clients made from now on with configure.
func (f *waFake) set(configure func(*whatsapptest.Client)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configure = configure
}

// last is the client made last (the one of the session connected last), nil when none was.
func (f *waFake) last() *whatsapptest.Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.clients) == 0 {
		return nil
	}
	return f.clients[len(f.clients)-1]
}

// connecting waits until the manager made a client after the first made ones and began
// connecting it (its event handler and QR channel are then in place), and returns it.
func (f *waFake) connecting(t *testing.T, made int) *whatsapptest.Client {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		n := len(f.clients)
		f.mu.Unlock()
		if c := f.last(); n > made && c.Calls("ConnectContext") > 0 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the manager made no client that connects (%d made)", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// made is how many clients the manager made.
func (f *waFake) made() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.clients)
}

// has puts numbers (E.164) in the directory, with their about text.
func (f *waFake) has(about string, e164 ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range e164 {
		user := strings.TrimPrefix(n, "+")
		f.onWhatsApp[user] = true
		f.abouts[user] = about
	}
}

// failLookups makes every lookup fail with err from now on (nil: answer again).
func (f *waFake) failLookups(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookupErr = err
}

// answerPairing makes WhatsApp answer requests for a pairing code with answer.
func (f *waFake) answerPairing(answer func(phone string) (string, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pairPhone = answer
}

func (f *waFake) pairPhoneCode(_ context.Context, phone string) (string, error) {
	f.mu.Lock()
	answer := f.pairPhone
	f.mu.Unlock()
	if answer == nil {
		return "", whatsmeow.ErrNotConnected
	}
	return answer(phone)
}

// isOnWhatsApp answers as WhatsApp does: one entry per query, IsIn for an account.
func (f *waFake) isOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lookupErr != nil {
		return nil, f.lookupErr
	}
	out := make([]types.IsOnWhatsAppResponse, 0, len(phones))
	for _, q := range phones {
		user := strings.TrimPrefix(q, "+")
		out = append(out, types.IsOnWhatsAppResponse{Query: q, JID: types.NewJID(user, types.DefaultUserServer), IsIn: f.onWhatsApp[user]})
	}
	return out, nil
}

func (f *waFake) userInfo(_ context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lookupErr != nil {
		return nil, f.lookupErr
	}
	out := map[types.JID]types.UserInfo{}
	for _, j := range jids {
		if f.onWhatsApp[j.User] {
			out[j] = types.UserInfo{Status: f.abouts[j.User]}
		}
	}
	return out, nil
}
