package whatsapp_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	wastore "go.mau.fi/whatsmeow/store"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// fastBackoff retries within milliseconds and without jitter, so that tests see several
// attempts at once and can predict each delay.
var fastBackoff = whatsapp.Backoff{First: 20 * time.Millisecond, Factor: 2, Max: 80 * time.Millisecond, Jitter: 0}

// rig is a session manager on a real store and device store, whose clients are
// whatsapptest clients the test configures and then drives.
type rig struct {
	t       *testing.T
	s       *store.Store
	devices *whatsapp.Devices
	m       *whatsapp.Manager
	org     store.Organization

	mu        sync.Mutex
	clients   []*whatsapptest.Client
	configure func(c *whatsapptest.Client)
}

// newRig starts a manager over s whose clients configure sets up (nil: they connect and
// do nothing else). It checks, when the test ends, that closing the manager leaves no
// goroutine of its own behind.
func newRig(t *testing.T, s *store.Store, configure func(c *whatsapptest.Client)) *rig {
	t.Helper()
	r := &rig{t: t, s: s, devices: upgraded(t, s), configure: configure}
	r.org = noErr[store.Organization](t)(s.CreateOrganization(ctx, "acme", "AR"))
	before := runtime.NumGoroutine()
	m, err := whatsapp.NewManager(ctx, whatsapp.ManagerConfig{Store: s, Devices: r.devices, NewClient: r.newClient, Backoff: fastBackoff, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	t.Cleanup(func() {
		m.Close()
		for _, c := range r.all() {
			c.Wait()
		}
		noGoroutinesAbove(t, before)
	})
	return r
}

func (r *rig) newClient(dev *wastore.Device) whatsapp.Live {
	c := whatsapptest.New(dev)
	if r.configure != nil {
		r.configure(c)
	}
	r.mu.Lock()
	r.clients = append(r.clients, c)
	r.mu.Unlock()
	return c
}

func (r *rig) all() []*whatsapptest.Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*whatsapptest.Client(nil), r.clients...)
}

// client is the newest client the manager made, waiting for one.
func (r *rig) client() *whatsapptest.Client {
	r.t.Helper()
	var c *whatsapptest.Client
	eventually(r.t, "a client is made", func() bool {
		cs := r.all()
		if len(cs) > 0 {
			c = cs[len(cs)-1]
		}
		return c != nil
	})
	return c
}

func (r *rig) session(name string) store.Session {
	r.t.Helper()
	return noErr[store.Session](r.t)(r.s.CreateSession(ctx, r.org.ID, name))
}

// await waits until the stored session satisfies cond, and returns it.
func (r *rig) await(id, what string, cond func(store.Session) bool) store.Session {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sess := noErr[store.Session](r.t)(r.s.Session(ctx, r.org.ID, id))
		if cond(sess) {
			return sess
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waited 5s for %s; the session is %s: %q", what, sess.Status, sess.Reason)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (r *rig) awaitStatus(id string, status store.SessionStatus, reason string) store.Session {
	r.t.Helper()
	return r.await(id, fmt.Sprintf("status %s with a reason containing %q", status, reason), func(s store.Session) bool {
		return s.Status == status && strings.Contains(s.Reason, reason)
	})
}

// paired saves a paired device and a session recorded with it, in status.
func (r *rig) paired(name, user string, status store.SessionStatus) (store.Session, *wastore.Device) {
	r.t.Helper()
	dev := pairedDevice(r.t, r.devices, user)
	sess := r.session(name)
	sess = noErr[store.Session](r.t)(r.s.SetSessionState(ctx, r.org.ID, sess.ID, store.SessionState{Status: status, Reason: "as the last run left it",
		Device: &store.SessionDevice{JID: dev.ID.String(), Phone: "+" + user, PushName: dev.PushName}}))
	return sess, dev
}

func noErr[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// noGoroutinesAbove fails when, shortly after, more goroutines run than before.
func noGoroutinesAbove(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left running, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func kindOf(t *testing.T, err error, kind string) {
	t.Helper()
	if got := whatsapp.KindOf(err); got != kind {
		t.Fatalf("err = %v (kind %q), want kind %q", err, got, kind)
	}
}

var noRoute = &net.DNSError{Err: "no such host", Name: "web.whatsapp.com", IsNotFound: true}

// TestConnectWithoutRoute: with no route to WhatsApp, connect answers at once with the
// session connecting; the status then says why in plain words, the retries back off (each
// shown with its attempt and time), and disconnect stops them.
func TestConnectWithoutRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, func(c *whatsapptest.Client) {
			c.Connect = func(context.Context) error { return fmt.Errorf("failed to dial whatsapp web websocket: %w", noRoute) }
		})
		sess := r.session("sales")
		got := noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		if got.Status != store.SessionConnecting || got.Reason != "Connecting to WhatsApp to get a QR code." {
			t.Fatalf("connect answered %s %q", got.Status, got.Reason)
		}
		third := r.await(sess.ID, "a third failed attempt", func(s store.Session) bool { return s.ReconnectAttempt >= 3 })
		if third.Status != store.SessionConnecting || third.NextRetryAt == nil ||
			third.Reason != "WhatsApp's servers cannot be reached from this machine: the name web.whatsapp.com cannot be resolved (no such host); retrying." {
			t.Fatalf("retrying = %s %q next %v", third.Status, third.Reason, third.NextRetryAt)
		}
		// Each failed attempt had a client of its own (an unpaired session's QR channel is
		// one connection's), each connected once.
		for _, c := range r.all() {
			if n := c.Calls("ConnectContext"); n != 1 {
				t.Fatalf("a client was connected %d times", n)
			}
		}
		got = noErr[store.Session](t)(r.m.Disconnect(ctx, r.org.ID, sess.ID))
		if got.Status != store.SessionDisconnected || got.ReconnectAttempt != 0 || got.NextRetryAt != nil || !strings.Contains(got.Reason, "at the API's request") {
			t.Fatalf("after disconnect: %+v", got)
		}
		made := len(r.all())
		time.Sleep(3 * fastBackoff.Max)
		if len(r.all()) != made {
			t.Fatal("the session kept connecting after disconnect")
		}
		// Disconnecting again changes nothing.
		again := noErr[store.Session](t)(r.m.Disconnect(ctx, r.org.ID, sess.ID))
		if !again.StatusChangedAt.Equal(got.StatusChangedAt) {
			t.Fatal("a second disconnect recorded a change")
		}
	})
}

// TestBackoffGrows: the retries of a session follow the backoff: each delay doubles, up to
// its cap.
func TestBackoffGrows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var mu sync.Mutex
		var at []time.Time
		r := newRig(t, s, func(c *whatsapptest.Client) {
			c.Connect = func(context.Context) error {
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				return noRoute
			}
		})
		sess := r.session("sales")
		noErr[store.Session](t)(r.m.Connect(ctx, r.org.ID, sess.ID))
		eventually(t, "six attempts", func() bool { mu.Lock(); defer mu.Unlock(); return len(at) >= 6 })
		noErr[store.Session](t)(r.m.Disconnect(ctx, r.org.ID, sess.ID))
		mu.Lock()
		defer mu.Unlock()
		for i, want := range []time.Duration{20, 40, 80, 80, 80} {
			// Never sooner than the backoff says (timers do not fire early).
			if gap := at[i+1].Sub(at[i]); gap < want*time.Millisecond {
				t.Errorf("attempt %d came %s after the one before, want at least %dms", i+2, gap, want)
			}
		}
	})
}

// TestConnectTwiceAtOnce: two concurrent connects of one session make one client; the
// other is a conflict.
func TestConnectTwiceAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, nil)
		sess := r.session("sales")
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := r.m.Connect(ctx, r.org.ID, sess.ID)
				errs <- err
			}()
		}
		var conflicts int
		for range 2 {
			if err := <-errs; err != nil {
				kindOf(t, err, whatsapp.ECONFLICT)
				conflicts++
			}
		}
		if conflicts != 1 {
			t.Fatalf("%d of 2 concurrent connects conflicted, want 1", conflicts)
		}
		r.client()
		if n := len(r.all()); n != 1 {
			t.Fatalf("%d clients made, want 1", n)
		}
	})
}

// TestRealClientWithoutRoute: whatsmeow's own client, on a machine with no route to
// WhatsApp (as this one), fails to dial and the session says why and retries.
func TestRealClientWithoutRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		devices := upgraded(t, s)
		org := noErr[store.Organization](t)(s.CreateOrganization(ctx, "acme", "AR"))
		before := runtime.NumGoroutine()
		m, err := whatsapp.NewManager(ctx, whatsapp.ManagerConfig{Store: s, Devices: devices, Backoff: fastBackoff})
		if err != nil {
			t.Fatal(err)
		}
		sess := noErr[store.Session](t)(s.CreateSession(ctx, org.ID, "real"))
		noErr[store.Session](t)(m.Connect(ctx, org.ID, sess.ID))
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := noErr[store.Session](t)(s.Session(ctx, org.ID, sess.ID))
			if got.ReconnectAttempt >= 2 {
				if got.Status != store.SessionConnecting || !strings.Contains(got.Reason, "WhatsApp's servers cannot be reached from this machine") {
					t.Fatalf("retrying = %s %q", got.Status, got.Reason)
				}
				t.Logf("reason: %s", got.Reason)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no second attempt in 20s: %s %q", got.Status, got.Reason)
			}
			time.Sleep(10 * time.Millisecond)
		}
		m.Close()
		noGoroutinesAbove(t, before)
	})
}

// testLogger writes the manager's errors to the test's log, where a failure shows them.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
