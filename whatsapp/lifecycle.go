package whatsapp

import (
	"context"
	"fmt"
	"sync"
	"time"

	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
)

// logoutTimeout bounds telling WhatsApp that a device logs out.
const logoutTimeout = 15 * time.Second

// lockSession serializes the lifecycle calls (connect, disconnect, logout, delete) of one
// session, so that a disconnect's record cannot overwrite the state of a connect that ran
// between its stop and its write. Lookups do not take it.
func (m *Manager) lockSession(id string) func() {
	m.mu.Lock()
	if m.ops == nil {
		m.ops = map[string]*opLock{}
	}
	l, ok := m.ops[id]
	if !ok {
		l = &opLock{}
		m.ops[id] = l
	}
	l.users++
	m.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		m.mu.Lock()
		// The entry goes with its last user, whatever id it was asked for (another
		// organization's, one that does not exist): the map holds only ids in use.
		if l.users--; l.users == 0 {
			delete(m.ops, id)
		}
		m.mu.Unlock()
	}
}

// opLock is a session's lifecycle lock and how many calls hold or wait for it.
type opLock struct {
	sync.Mutex
	users int
}

// Connect starts connecting the organization's session and answers at once, with the
// session connecting: the connection runs in the background on the manager's context and
// its progress shows in the session's status. An unpaired session connects to show QR
// codes. ECONFLICT when it already runs (one client per session), when the phone unlinked
// it (it needs a new pairing), or when it is banned until a time still to come.
func (m *Manager) Connect(ctx context.Context, orgID, id string) (store.Session, error) {
	defer m.lockSession(id)()
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return store.Session{}, err
	}
	switch {
	case sess.Status == store.SessionLoggedOut:
		return store.Session{}, conflict("session %s needs a new pairing (%s) Log it out to clear the old device, then connect for a QR code", id, sess.Reason)
	case sess.Status == store.SessionBanned && sess.NextRetryAt != nil && sess.NextRetryAt.After(m.now()):
		return store.Session{}, conflict("session %s is banned until %s; wagate reconnects it then by itself", id, sess.NextRetryAt.Format(time.RFC3339))
	}
	return m.start(ctx, sess, false)
}

// start runs the session's loop, after recording it connecting (or, resuming a ban with a
// known end, waiting for it).
func (m *Manager) start(ctx context.Context, sess store.Session, resuming bool) (store.Session, error) {
	dev, err := m.deviceOf(ctx, sess)
	if err != nil {
		return store.Session{}, err
	}
	m.mu.Lock()
	for running := m.sessions[sess.ID]; running != nil && running.ending(); running = m.sessions[sess.ID] {
		// A loop that an event just ended (the status already says so) is not running any
		// more: wait the moment it takes to leave.
		m.mu.Unlock()
		<-running.done
		m.mu.Lock()
	}
	switch {
	case m.closed:
		m.mu.Unlock()
		return store.Session{}, &Error{Code: EUNAVAILABLE, Message: "the service is stopping; connect again once it runs"}
	case m.sessions[sess.ID] != nil:
		running := m.sessions[sess.ID]
		m.mu.Unlock()
		running.mu.Lock()
		status := running.status
		running.mu.Unlock()
		return store.Session{}, conflict("session %s is already running (it is %s); disconnect it first to start over", sess.ID, status)
	}
	s := newLiveSession(m, sess, dev)
	m.sessions[sess.ID] = s
	m.wg.Add(1)
	m.mu.Unlock()

	var wait time.Time
	st := store.SessionState{Status: store.SessionConnecting, Reason: "Connecting to WhatsApp."}
	switch {
	case resuming && sess.Status == store.SessionBanned:
		wait = *sess.NextRetryAt
		st = store.SessionState{Status: store.SessionBanned, Reason: sess.Reason, NextRetryAt: sess.NextRetryAt}
	case resuming:
		st.Reason = "Reconnecting after wagate started."
	case dev == nil:
		st.Reason = "Connecting to WhatsApp to get a QR code."
	}
	s.status = Status(st.Status)
	rec, err := m.store.SetSessionState(ctx, sess.OrgID, sess.ID, st)
	if err != nil {
		// Nothing ran yet: take the session back out, and let the caller retry.
		s.exit()
		return store.Session{}, err
	}
	s.background(s.writeSeen)
	go s.run(wait)
	return rec, nil
}

// deviceOf is the paired device of sess from the device store, nil when sess is unpaired. A
// device whose keys are gone (deleted by hand, or by a logout the session missed) cannot
// connect: the session is recorded logged out and the answer says to pair again.
func (m *Manager) deviceOf(ctx context.Context, sess store.Session) (*wastore.Device, error) {
	if sess.DeviceJID == nil {
		return nil, nil
	}
	jid, err := types.ParseJID(*sess.DeviceJID)
	if err != nil {
		return nil, fmt.Errorf("session %s records device %q: %w", sess.ID, *sess.DeviceJID, err)
	}
	dev, err := m.devices.Get(ctx, jid)
	if KindOf(err) != ENOTFOUND {
		return dev, err
	}
	reason := "The device's keys are no longer stored here, so it cannot connect; log it out, then connect to pair again."
	if _, err := m.store.SetSessionState(ctx, sess.OrgID, sess.ID, store.SessionState{Status: store.SessionLoggedOut, Reason: reason}); err != nil {
		return nil, err
	}
	return nil, conflict("session %s needs a new pairing: %s", sess.ID, reason)
}

// Disconnect stops the organization's session and keeps its pairing: connect resumes it.
// A session that was not running keeps its status (disconnected, logged out or banned).
func (m *Manager) Disconnect(ctx context.Context, orgID, id string) (store.Session, error) {
	defer m.lockSession(id)()
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return store.Session{}, err
	}
	if !m.stop(id) && !active(sess.Status) {
		return sess, nil
	}
	return m.store.SetSessionState(ctx, orgID, id, store.SessionState{Status: store.SessionDisconnected,
		Reason: "Disconnected at the API's request; connect to reconnect."})
}

// active: a session the service is, or was last seen, working on.
func active(st store.SessionStatus) bool {
	return st == store.SessionConnecting || st == store.SessionPairing || st == store.SessionConnected
}

// Logout unlinks the organization's session from its phone and deletes the device's keys;
// the session stays, disconnected and unpaired, ready to pair again. When the session is not
// connected WhatsApp cannot be told: the keys are deleted here and the reason says to remove
// the device on the phone too. A session the phone already unlinked (logged out) is only
// cleared. ECONFLICT for a session that was never paired.
func (m *Manager) Logout(ctx context.Context, orgID, id string) (store.Session, error) {
	defer m.lockSession(id)()
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return store.Session{}, err
	}
	if sess.DeviceJID == nil && sess.Status != store.SessionLoggedOut {
		return store.Session{}, conflict("session %s is not paired with a phone: there is nothing to log out; connect it to pair one", id)
	}
	reason, err := m.unlink(ctx, sess)
	if err != nil {
		return store.Session{}, err
	}
	return m.store.SetSessionState(ctx, orgID, id, store.SessionState{Status: store.SessionDisconnected, Reason: reason, Device: &store.SessionDevice{}})
}

// unlink logs the session's device out (telling WhatsApp when connected), stops its loop and
// deletes the device's keys. It says what was done, for the session's reason.
func (m *Manager) unlink(ctx context.Context, sess store.Session) (string, error) {
	told := false
	if s := m.running(sess.ID); s != nil {
		if c := s.loggedInClient(); c != nil {
			lctx, cancel := context.WithTimeout(ctx, logoutTimeout)
			err := c.Logout(lctx)
			cancel()
			if err != nil {
				m.log.Warn("tell WhatsApp a session logs out", "session", sess.ID, "err", err)
			}
			told = err == nil
		}
	}
	m.stop(sess.ID)
	if sess.DeviceJID != nil {
		// whatsmeow's Logout deleted them already when WhatsApp was told; again is harmless.
		if err := m.deleteKeys(ctx, *sess.DeviceJID); err != nil {
			return "", err
		}
	}
	switch {
	case sess.DeviceJID == nil:
		return "Cleared after the phone unlinked it; connect to pair a phone.", nil
	case told:
		return "Logged out at the API's request; the phone no longer lists this device. Connect to pair a phone again.", nil
	}
	return "Logged out at the API's request while not connected: the device's keys are deleted here, but WhatsApp could not be told, so remove it on the phone under Linked devices. Connect to pair a phone again.", nil
}

func (m *Manager) deleteKeys(ctx context.Context, deviceJID string) error {
	jid, err := types.ParseJID(deviceJID)
	if err != nil {
		return fmt.Errorf("parse device JID %q: %w", deviceJID, err)
	}
	dev, err := m.devices.Get(ctx, jid)
	if KindOf(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	return m.devices.Delete(ctx, dev)
}

// Delete logs the organization's session out (as Logout, when it is paired), stops it and
// deletes it.
func (m *Manager) Delete(ctx context.Context, orgID, id string) error {
	defer m.lockSession(id)()
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return err
	}
	if _, err := m.unlink(ctx, sess); err != nil {
		return err
	}
	return m.store.DeleteSession(ctx, orgID, id)
}
