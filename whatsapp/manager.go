package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"

	"github.com/wagate/wagate/store"
)

// Manager holds every live session of the service: at most one client per session, each
// running on the manager's context (the service's lifetime, never a request's), recording
// each change of its state in the store as whatsmeow's events arrive.
//
// One manager per database: two processes on one database would both run a session's
// client, and WhatsApp lets only one connection per device live (StreamReplaced).
type Manager struct {
	store     *store.Store
	devices   *Devices
	newClient func(dev *wastore.Device) Live
	backoff   Backoff
	log       *slog.Logger
	now       func() time.Time

	ctx    context.Context // every client's: ends at Close
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*liveSession // by session id, while its loop runs
	closed   bool
	ops      map[string]*opLock // per session: see lockSession
	wg       sync.WaitGroup     // the sessions' loops
}

// ManagerConfig is what a Manager needs.
type ManagerConfig struct {
	Store   *store.Store
	Devices *Devices
	// NewClient makes the live client of a device; nil makes whatsmeow's (NewClient in this
	// package). Tests give clients with no network.
	NewClient func(dev *wastore.Device) Live
	Backoff   Backoff // zero: DefaultBackoff
	Logger    *slog.Logger
	Now       func() time.Time // nil: time.Now
}

// NewManager is a manager whose sessions live until ctx ends or Close.
func NewManager(ctx context.Context, cfg ManagerConfig) (*Manager, error) {
	if cfg.Store == nil || cfg.Devices == nil {
		return nil, errors.New("the session manager needs the store and the device store")
	}
	if cfg.Backoff.First == 0 && cfg.Backoff.Max == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if err := cfg.Backoff.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewClient == nil {
		cfg.NewClient = clientFactory(cfg.Logger)
	}
	m := &Manager{
		store: cfg.Store, devices: cfg.Devices, newClient: cfg.NewClient, backoff: cfg.Backoff,
		log: cfg.Logger, now: cfg.Now, sessions: map[string]*liveSession{},
	}
	m.ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	context.AfterFunc(ctx, m.cancel)
	return m, nil
}

// clientFactory makes whatsmeow's clients with wagate's settings. Its own reconnect is off:
// the manager reconnects with Backoff, capped, and shows the retry on the session, where
// whatsmeow's waits 2 s more per attempt without end and says nothing. (The reconnect that
// completes a pairing is another setting, left on.)
func clientFactory(log *slog.Logger) func(dev *wastore.Device) Live {
	nameDevice.Do(func() {
		// What the phone lists under Linked devices, for every device paired from now on.
		name := "wagate"
		wastore.DeviceProps.Os = &name
	})
	return func(dev *wastore.Device) Live {
		c := whatsmeow.NewClient(dev, newLogger(log, "Client"))
		c.EnableAutoReconnect = false
		// After a pairing, whatsmeow would reconnect once by itself and only log a failure,
		// leaving the session connecting for ever; ManualLoginReconnect hands it to the loop.
		c.DisableLoginAutoReconnect = true
		// A message is acknowledged only once every handler returned, and a handler that
		// failed (a reply not stored) leaves it unacknowledged: WhatsApp delivers it again,
		// and the buffer of decrypted events lets whatsmeow read it a second time.
		c.SynchronousAck = true
		c.EnableDecryptedEventBuffer = true
		return c
	}
}

var nameDevice sync.Once

// Close stops every session's client and waits for their loops. Their recorded state stays
// as it was (connected, connecting, ...), so that Resume takes them up at the next start.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}

// Resume takes up, at the service's start, the sessions the last run left connecting,
// pairing or connected, and those banned until a known time. A paired session reconnects; a
// session that was pairing cannot show its old codes again and is recorded disconnected.
func (m *Manager) Resume(ctx context.Context) error {
	sessions, err := m.store.SessionsToResume(ctx)
	if err != nil {
		return fmt.Errorf("read the sessions to resume: %w", err)
	}
	var errs []error
	for _, sess := range sessions {
		if sess.DeviceJID == nil {
			_, err := m.store.SetSessionState(ctx, sess.OrgID, sess.ID, store.SessionState{Status: store.SessionDisconnected,
				Reason: "wagate restarted before a phone was paired; connect again for new codes."})
			errs = append(errs, err)
			continue
		}
		if _, err := m.start(ctx, sess, true); err != nil {
			m.log.Error("resume a WhatsApp session", "session", sess.ID, "org", sess.OrgID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// session is the organization's session, ENOTFOUND (a store error) when it has none.
func (m *Manager) session(ctx context.Context, orgID, id string) (store.Session, error) {
	return m.store.Session(ctx, orgID, id)
}

// running is the session's loop, nil when it has none.
func (m *Manager) running(id string) *liveSession {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[id]
}

// Live is the client of an organization's session when it is logged in: the live lookups'
// way to WhatsApp. ENOTCONNECTED, saying the status and why, when it is not.
func (m *Manager) Live(ctx context.Context, orgID, id string) (Live, error) {
	// Every live check comes here: a session running for this organization answers from
	// memory, and only the others cost a read (to tell 404 from 501, and say why).
	if s := m.running(id); s != nil && s.org == orgID {
		if c := s.loggedInClient(); c != nil {
			return c, nil
		}
	}
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	return nil, &Error{Code: ENOTCONNECTED, Message: fmt.Sprintf("session %s is not connected to WhatsApp (status %s: %s)", id, sess.Status, sess.Reason)}
}

// stop ends a session's loop, if it runs, and waits for it. It reports whether there was one.
func (m *Manager) stop(id string) bool {
	s := m.running(id)
	if s == nil {
		return false
	}
	s.cancel()
	<-s.done
	// An event handler that entered before the loop finished may still be writing; the
	// caller's own write of the session's state must come after it.
	s.writes.Lock()
	s.writes.Unlock()
	return true
}

var _ LiveSessions = (*Manager)(nil)
