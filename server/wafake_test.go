package server_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// newManager is the real session manager on the harness's database (whatsmeow's device
// store upgraded in it), making its live clients with wa: no network. It closes with the
// test.
func newManager(t testing.TB, s *store.Store, wa *waFake, log *slog.Logger) *whatsapp.Manager {
	t.Helper()
	devices := must(whatsapp.NewDevices(s.Pool(), string(s.Dialect()), nil))
	if _, _, err := devices.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	m := must(whatsapp.NewManager(ctx, whatsapp.ManagerConfig{Store: s, Devices: devices, NewClient: whatsapptest.Factory(wa.made), Logger: log}))
	t.Cleanup(m.Close)
	return m
}

// waFake sets up the manager's live clients with configure (by default they log in as soon
// as they connect, and answer lookups from the directory) and keeps them, so that a test
// can drive the one a session got.
type waFake struct {
	directory whatsapptest.Directory

	mu        sync.Mutex
	configure func(*whatsapptest.Client)
	clients   []*whatsapptest.Client
	// WhatsApp's answer to a request for a pairing code (nil: whatsmeow's "not connected").
	pairPhone func(phone string) (string, error)
}

func newWAFake() *waFake {
	f := &waFake{}
	f.configure = f.loggedIn
	return f
}

// loggedIn is the default client: it connects and logs in at once, as a paired phone's does,
// and answers lookups from the directory.
func (f *waFake) loggedIn(c *whatsapptest.Client) {
	c.LogInOnConnect()
	f.directory.Serve(c)
	c.PairPhoneFunc = f.pairPhoneCode
}

// pairing is a client of a session waiting to be paired: it connects and logs in only when
// the test dispatches the events.
func (f *waFake) pairing(c *whatsapptest.Client) {
	f.loggedIn(c)
	c.OnConnect = nil
}

func (f *waFake) made(c *whatsapptest.Client) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configure(c)
	f.clients = append(f.clients, c)
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

// count is how many clients the manager made.
func (f *waFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.clients)
}

// connecting waits until the manager made a client after the first made ones and began
// connecting it (its event handler and QR channel are then in place), and returns it.
func (f *waFake) connecting(t *testing.T, made int) *whatsapptest.Client {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := f.count()
		if c := f.last(); n > made && c.Calls("ConnectContext") > 0 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the manager made no client that connects (%d made)", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// has puts numbers (E.164) in the directory, with their about text.
func (f *waFake) has(about string, e164 ...string) { f.directory.Add(about, e164...) }

// failLookups makes every lookup fail with err from now on (nil: answer again).
func (f *waFake) failLookups(err error) { f.directory.Fail(err) }

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
		return "", whatsapptest.ErrNotConnected
	}
	return answer(phone)
}
