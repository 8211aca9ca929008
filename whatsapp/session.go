package whatsapp

import (
	"context"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
)

// recordTimeout bounds a write of a session's state, which runs on whatsmeow's event
// goroutine: a database that hangs must not hold back the connection for longer.
const recordTimeout = 10 * time.Second

// liveSession is one session's loop: it connects, follows the connection's events until
// one ends it, and then reconnects after the backoff, waits out a ban, or stops, as the
// event says (see Next). It owns at most one client at a time.
type liveSession struct {
	m      *Manager
	id     string
	org    string
	ctx    context.Context // ends when the session is disconnected, deleted, or the manager closes
	cancel context.CancelFunc
	done   chan struct{} // closed when the loop has returned
	wake   chan struct{} // an event left an instruction in pending

	// writes orders the store writes of the session's changes as their events came.
	writes sync.Mutex
	// seen gathers what events tell of people, for writeSeen to write in batches, one write
	// at a time (seenWrites).
	seen       *seenBuffer
	seenWrites sync.Mutex
	// bg counts the session's goroutines besides its loop (writeSeen, the group and address
	// book reads): the loop's exit waits for them, so a stopped session writes nothing more.
	bg sync.WaitGroup

	mu     sync.Mutex
	status Status
	// jid is the paired device's JID, "" while unpaired. It is the session's own record of
	// the pairing: whatsmeow clears dev.ID on its own goroutines (a logout), unlocked.
	jid    string
	dev    *wastore.Device // nil until the loop makes one; a fresh one for each pairing attempt
	client Live
	// gen counts the clients the session has had, and seq its connection attempts: an event
	// from an older client, or one that came in before the current attempt began (queued
	// behind a slow write, say), belongs to a connection that is over.
	gen, seq int
	// finished: the loop has returned; no event may change the session any more.
	finished bool
	// attempt counts the connection attempts that failed in a row; retryAt is the next one,
	// and retrying says one is pending (a second drop event then changes nothing).
	attempt  int
	retrying bool
	retryAt  time.Time
	// pending is what the loop must do next, left by the event that ended the connection;
	// over says the connection is over, so that later events from it are ignored.
	pending *Transition
	over    bool
	qr      QRCode // the code the QR channel shows now, zero when none
}

func newLiveSession(m *Manager, sess store.Session, dev *wastore.Device) *liveSession {
	s := &liveSession{m: m, id: sess.ID, org: sess.OrgID, done: make(chan struct{}), wake: make(chan struct{}, 1),
		status: Status(sess.Status), dev: dev, seen: newSeenBuffer()}
	if dev != nil && sess.DeviceJID != nil {
		s.jid = *sess.DeviceJID
	}
	s.ctx, s.cancel = context.WithCancel(m.ctx)
	return s
}

// run is the session's loop. wait, when set, is a ban's end to wait for before connecting.
func (s *liveSession) run(wait time.Time) {
	defer s.exit()
	for {
		if !wait.IsZero() {
			if !s.sleepUntil(wait) {
				return
			}
			s.record(store.SessionState{Status: store.SessionConnecting, Reason: "The ban has ended; reconnecting."}, StatusConnecting)
		}
		t, ok := s.connectOnce()
		if !ok {
			return
		}
		switch t.Action {
		case ActionReconnect:
			s.mu.Lock()
			wait = s.retryAt
			s.mu.Unlock()
			if !s.sleepUntil(wait) {
				return
			}
			wait = time.Time{}
		case ActionWaitUntil:
			wait = t.Until
		default: // ActionStop, ActionForgetDevice: a person must act
			return
		}
	}
}

// exit takes the session out of the manager's running sessions, once its other goroutines
// have ended (writeSeen's last write among them).
func (s *liveSession) exit() {
	s.mu.Lock()
	s.finished = true
	s.mu.Unlock()
	s.cancel()
	s.bg.Wait()
	s.m.mu.Lock()
	if s.m.sessions[s.id] == s {
		delete(s.m.sessions, s.id)
	}
	s.m.mu.Unlock()
	close(s.done)
	s.m.wg.Done()
}

// background runs f on a goroutine of the session's, unless the session is ending.
func (s *liveSession) background(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished || s.ctx.Err() != nil {
		return
	}
	s.bg.Add(1) // under mu, before exit's Wait can start: finished is set under mu first
	go func() {
		defer s.bg.Done()
		f()
	}()
}

func (s *liveSession) sleepUntil(t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// connectOnce connects and follows the connection until an event ends it; it returns that
// event's transition, or false when the session's context ended first.
func (s *liveSession) connectOnce() (Transition, bool) {
	attempt, cancel := context.WithCancel(s.ctx)
	var followers sync.WaitGroup
	defer followers.Wait()
	defer cancel()

	client, gen, qr := s.newAttempt(attempt)
	if qr != nil {
		followers.Add(1)
		go func() {
			defer followers.Done()
			s.followQR(attempt, gen, qr)
		}()
	}
	// The session's context, not the attempt's: whatsmeow keeps it as the connection's
	// context for its handlers, keepalives and the reconnect that completes a pairing.
	// An attempt the session itself cancelled (disconnect, or the service stopping) is no
	// failure to record: the state stays as the API or the last event left it.
	if err := client.ConnectContext(s.ctx); err != nil && s.ctx.Err() == nil {
		s.handle(gen, ConnectAttemptFailed{Err: err})
	}
	select {
	case <-s.wake:
	case <-s.ctx.Done():
	}
	client.Disconnect()
	if s.ctx.Err() != nil {
		return Transition{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.pending, true
}

// newAttempt readies the client for a connection attempt. A paired device keeps its one
// client; an unpaired session gets a fresh device and client for each attempt, because
// whatsmeow's QR channel belongs to one connection and cannot be asked for twice.
func (s *liveSession) newAttempt(ctx context.Context) (Live, int, <-chan whatsmeow.QRChannelItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending, s.over, s.retrying, s.qr = nil, false, false, QRCode{}
	s.seq++
	select {
	case <-s.wake: // an instruction from the attempt before, already followed
	default:
	}
	paired := s.jid != ""
	if paired && s.client != nil {
		return s.client, s.gen, nil
	}
	if !paired {
		s.dev = s.m.devices.New()
	}
	s.client = s.m.newClient(s.dev)
	s.gen++
	gen := s.gen
	// The state's handler first: whatsmeow stops at the first handler that reports a failure,
	// and the recorder's may (to leave a message unacknowledged).
	s.client.AddEventHandler(func(evt any) { s.handle(gen, evt) })
	s.client.AddEventHandlerWithSuccessStatus(s.recordEvent)
	if paired {
		return s.client, gen, nil
	}
	ch, err := s.client.GetQRChannel(ctx)
	if err != nil {
		// Only a connected client or a paired device refuses, and this one is neither.
		s.m.log.Error("open the QR channel", "session", s.id, "err", err)
		return s.client, gen, nil
	}
	return s.client, gen, ch
}

// handle follows one of whatsmeow's events (or the manager's own, such as
// ConnectAttemptFailed) from the client of generation gen: it records the session's new
// state and, when the event ends the connection, leaves the loop its instruction.
func (s *liveSession) handle(gen int, evt any) {
	s.mu.Lock()
	seq := s.seq // the attempt the event came in during
	s.mu.Unlock()
	s.writes.Lock()
	defer s.writes.Unlock()
	s.mu.Lock()
	if s.finished || gen != s.gen || seq != s.seq || s.over {
		s.mu.Unlock()
		return
	}
	if e, ok := evt.(*events.PushNameSetting); ok {
		// Not a change of state: the account's name, from its settings, once they sync.
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
		defer cancel()
		if err := s.m.store.SetSessionPushName(ctx, s.org, s.id, e.Action.GetName()); err != nil {
			s.m.log.Error("record a WhatsApp session's push name", "session", s.id, "err", err)
		}
		return
	}
	now := s.m.now()
	t := Next(s.status, evt, now)
	if t.Reason == "" || (t.Action == ActionReconnect && s.retrying) {
		s.mu.Unlock()
		return
	}
	st := store.SessionState{Status: store.SessionStatus(t.Status), Reason: t.Reason}
	var forget string
	_, loginReconnect := evt.(*events.ManualLoginReconnect)
	switch {
	case loginReconnect:
		// Not a failure: reconnect at once, and count nothing.
		s.retrying, s.retryAt = true, now
	case t.Action == ActionReconnect:
		s.attempt++
		r := s.m.backoff.Schedule(s.attempt, now)
		s.retrying, s.retryAt = true, r.At
		st.ReconnectAttempt, st.NextRetryAt = r.Attempt, &r.At
	case t.Action == ActionWaitUntil:
		st.NextRetryAt = &t.Until
	case t.Action == ActionRecordDevice:
		s.jid = t.Device.JID
		st.Device = &store.SessionDevice{JID: t.Device.JID, Phone: t.Device.Phone}
	case t.Action == ActionForgetDevice:
		st.Device = &store.SessionDevice{}
		forget, s.jid, s.dev, s.client = s.jid, "", nil, nil
	}
	if _, ok := evt.(*events.Connected); ok {
		s.attempt, s.retrying = 0, false
		st.Device = s.device()
	}
	if t.Action != ActionNone && t.Action != ActionRecordDevice {
		if s.pending == nil || s.pending.Action == ActionReconnect {
			s.pending = &t
		}
		s.over = t.Action != ActionReconnect
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	s.status = t.Status
	s.mu.Unlock()

	if forget != "" {
		// whatsmeow deleted a logged-out device's keys itself; deleting again is harmless,
		// and keys it failed to delete must not linger.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
		if err := s.m.deleteKeys(ctx, forget); err != nil {
			s.m.log.Error("delete an unlinked device's keys", "session", s.id, "err", err)
		}
		cancel()
	}
	s.write(st)
}

// record writes a state the loop itself reached (not an event's), in order with the events'.
func (s *liveSession) record(st store.SessionState, status Status) {
	s.writes.Lock()
	defer s.writes.Unlock()
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
	s.write(st)
}

// write records st; the caller holds writes. A failed write is logged: the session goes on
// in memory, and its next change is recorded whole (every write carries the full state).
func (s *liveSession) write(st store.SessionState) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	if _, err := s.m.store.SetSessionState(ctx, s.org, s.id, st); err != nil {
		s.m.log.Error("record a WhatsApp session's state", "session", s.id, "status", st.Status, "err", err)
	}
}

// device is the store's record of the paired device, nil while unpaired; the caller holds mu.
func (s *liveSession) device() *store.SessionDevice {
	jid, err := types.ParseJID(s.jid)
	if s.jid == "" || err != nil {
		return nil
	}
	d := &store.SessionDevice{JID: s.jid, Phone: "+" + jid.User}
	if s.dev != nil {
		d.PushName = s.dev.PushName // whatsmeow sets it from the account's settings on login
	}
	return d
}

// ending reports that the loop has returned or is about to, of its own accord: a connect
// may then wait for it rather than call the session running.
func (s *liveSession) ending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished || (s.over && s.pending != nil && s.pending.Action != ActionWaitUntil)
}

// loggedInClient is the session's client when it is logged in, nil otherwise.
func (s *liveSession) loggedInClient() Live {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished || s.client == nil || s.status != StatusConnected || !s.client.IsLoggedIn() {
		return nil
	}
	return s.client
}
