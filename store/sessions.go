package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SessionStatus is where a WhatsApp session stands, as its manager last recorded it.
type SessionStatus string

const (
	SessionDisconnected SessionStatus = "disconnected" // not connected; a new session starts here
	SessionConnecting   SessionStatus = "connecting"   // connecting, or waiting to retry
	SessionPairing      SessionStatus = "pairing"      // showing a QR or pairing code
	SessionConnected    SessionStatus = "connected"    // logged in: live lookups run
	SessionLoggedOut    SessionStatus = "logged_out"   // unlinked: it needs a new pairing
	SessionBanned       SessionStatus = "banned"       // WhatsApp banned the account, maybe for a while
)

// sessionStatuses are the statuses a session may have (the table's CHECK holds the same).
var sessionStatuses = []SessionStatus{SessionDisconnected, SessionConnecting, SessionPairing, SessionConnected, SessionLoggedOut, SessionBanned}

// Session is an organization's WhatsApp session: its name, its state and the device it is
// paired with.
type Session struct {
	ID              string // sess_ + ULID
	OrgID           string
	Name            string
	Status          SessionStatus
	Reason          string // why the status is what it is, for a person
	StatusChangedAt time.Time
	// The paired device, once pairing succeeded: its JID (user:device@s.whatsapp.net), the
	// phone in E.164 and the account's push name. Nil while unpaired or unknown.
	DeviceJID, Phone, PushName *string
	// While reconnecting: how many attempts failed, and when the next one runs.
	ReconnectAttempt int
	NextRetryAt      *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

type sessionRow struct {
	ID               string `gorm:"primaryKey"`
	OrgID            string
	Name             string
	Status           string
	Reason           string
	StatusChangedAt  time.Time
	DeviceJID        *string `gorm:"column:device_jid"`
	Phone            *string
	PushName         *string
	ReconnectAttempt int
	NextRetryAt      *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (sessionRow) TableName() string { return "wa_sessions" }

func (r sessionRow) session() Session {
	return Session{
		ID: r.ID, OrgID: r.OrgID, Name: r.Name, Status: SessionStatus(r.Status), Reason: r.Reason,
		StatusChangedAt: r.StatusChangedAt.UTC(), DeviceJID: r.DeviceJID, Phone: r.Phone, PushName: r.PushName,
		ReconnectAttempt: r.ReconnectAttempt, NextRetryAt: utcPtr(r.NextRetryAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// newSessionReason is the reason of a session nobody has connected yet.
const newSessionReason = "created; not connected yet"

// CreateSession creates a disconnected, unpaired session. Returns EINVALID for an empty or
// overlong name, ECONFLICT when the organization has a session of that name.
func (s *Store) CreateSession(ctx context.Context, orgID, name string) (Session, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Session{}, invalid("name", "session name must be 1 to 100 characters, not only spaces")
	}
	now := s.Now()
	row := sessionRow{
		ID: newID("sess", now), OrgID: orgID, Name: name, Status: string(SessionDisconnected), Reason: newSessionReason,
		StatusChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return Session{}, errorf(ECONFLICT, "a session named %q already exists", name)
		}
		return Session{}, err
	}
	return row.session(), nil
}

// Session returns a session of the organization. Returns ENOTFOUND if it has no such session.
func (s *Store) Session(ctx context.Context, orgID, id string) (Session, error) {
	row, err := findSession(s.db.WithContext(ctx), orgID, id)
	return row.session(), err
}

func findSession(db *gorm.DB, orgID, id string) (sessionRow, error) {
	var row sessionRow
	err := db.Where("id = ? AND org_id = ?", id, orgID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, sessionNotFound(id)
	}
	return row, err
}

func sessionNotFound(id string) error { return errorf(ENOTFOUND, "session %s not found", id) }

// ListSessions returns up to limit of the organization's sessions in creation order, starting
// after the session with id after ("" for the first page). more says whether another page
// follows.
func (s *Store) ListSessions(ctx context.Context, orgID, after string, limit int) (sessions []Session, more bool, err error) {
	var rows []sessionRow
	q := s.db.WithContext(ctx).Where("org_id = ?", orgID)
	if after != "" {
		q = q.Where("id > ?", after)
	}
	if err := q.Order("id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, false, err
	}
	rows, more = trimPage(rows, limit)
	sessions = make([]Session, len(rows))
	for i, r := range rows {
		sessions[i] = r.session()
	}
	return sessions, more, nil
}

// DeleteSession deletes a session's row. Returns ENOTFOUND if the organization has no such
// session. Its device (keys, contacts) is whatsmeow's to delete, by logging it out, first.
func (s *Store) DeleteSession(ctx context.Context, orgID, id string) error {
	return s.deleteOwned(ctx, &sessionRow{}, orgID, id, "session")
}

// SessionState is a session's new state, as its manager records it on each change.
type SessionState struct {
	Status SessionStatus
	Reason string
	// Device, when set, replaces the paired device's fields (a pairing succeeded, or the
	// push name changed); a zero SessionDevice clears them (logged out: the device is gone).
	// Nil leaves them as they are.
	Device *SessionDevice
	// ReconnectAttempt and NextRetryAt are the retry state after this change: zero and nil
	// when not retrying.
	ReconnectAttempt int
	NextRetryAt      *time.Time
}

// SessionDevice is the device a session is paired with.
type SessionDevice struct{ JID, Phone, PushName string }

// SetSessionState records a session's new state; the time of the change is now. Returns
// ENOTFOUND if the organization has no such session, EINVALID for an unknown status, and
// ECONFLICT when the device is already another session's.
func (s *Store) SetSessionState(ctx context.Context, orgID, id string, st SessionState) (Session, error) {
	if !slices.Contains(sessionStatuses, st.Status) {
		return Session{}, invalid("status", "unknown session status %q", st.Status)
	}
	if st.ReconnectAttempt < 0 {
		return Session{}, invalid("reconnectAttempt", "reconnect attempts cannot be negative")
	}
	now := s.Now()
	set := map[string]any{
		"status": string(st.Status), "reason": st.Reason, "status_changed_at": now, "updated_at": now,
		"reconnect_attempt": st.ReconnectAttempt, "next_retry_at": dbTimePtr(st.NextRetryAt),
	}
	if d := st.Device; d != nil {
		set["device_jid"], set["phone"], set["push_name"] = nonEmpty(d.JID), nonEmpty(d.Phone), nonEmpty(d.PushName)
	}
	var row sessionRow
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&sessionRow{}).Where("id = ? AND org_id = ?", id, orgID).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return sessionNotFound(id)
		}
		var err error
		row, err = findSession(tx, orgID, id)
		return err
	})
	if isUnique(err) {
		return Session{}, errorf(ECONFLICT, "that WhatsApp device is already paired with another session")
	}
	if err != nil {
		return Session{}, err
	}
	return row.session(), nil
}

// SetSessionPushName records the paired account's push name, as the account's settings
// change it; the status and its time stay. Returns ENOTFOUND if the organization has no such
// session.
func (s *Store) SetSessionPushName(ctx context.Context, orgID, id, pushName string) error {
	res := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND org_id = ?", id, orgID).
		Updates(map[string]any{"push_name": nonEmpty(pushName), "updated_at": s.Now()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return sessionNotFound(id)
	}
	return nil
}

// nonEmpty is v, or nil (NULL) for "".
func nonEmpty(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// SessionsToResume returns, across every organization, the sessions a starting service must
// take up again: those it left connecting, pairing or connected, and those banned until a
// known time. It is the one session query not scoped to an organization: the service, not
// a caller, resumes them, and each is then handled under its own organization.
func (s *Store) SessionsToResume(ctx context.Context) ([]Session, error) {
	var rows []sessionRow
	err := s.db.WithContext(ctx).
		Where("status IN ? OR (status = ? AND next_retry_at IS NOT NULL)",
			[]string{string(SessionConnecting), string(SessionPairing), string(SessionConnected)}, string(SessionBanned)).
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	sessions := make([]Session, len(rows))
	for i, r := range rows {
		sessions[i] = r.session()
	}
	return sessions, nil
}
