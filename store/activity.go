package store

import (
	"context"
	"strings"
	"time"

	"github.com/wagate/wagate/whatsapp/phone"
)

// InboundMessage is one message a phone sent to one of the organization's WhatsApp sessions.
type InboundMessage struct {
	SessionID string
	From      phone.Number
	At        time.Time
	// Direct is true for a one-to-one chat, false for a group. Only direct messages open
	// WhatsApp's 24-hour window for free text.
	Direct bool
}

// recordInbound keeps, per phone and session, the latest message and the latest direct
// message. Each column only moves forward, so messages delivered late or twice (whatsmeow
// redelivers what was not acknowledged) change nothing they should not. The CASE form is
// portable: PostgreSQL's GREATEST and SQLite's MAX() treat NULL differently.
const recordInbound = `
INSERT INTO inbound_activity AS a (org_id, match_key, session_id, phone, last_message_at, last_direct_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (org_id, match_key, session_id) DO UPDATE SET
	phone = excluded.phone,
	last_message_at = CASE WHEN excluded.last_message_at > a.last_message_at
		THEN excluded.last_message_at ELSE a.last_message_at END,
	last_direct_at = CASE WHEN a.last_direct_at IS NULL OR excluded.last_direct_at > a.last_direct_at
		THEN COALESCE(excluded.last_direct_at, a.last_direct_at) ELSE a.last_direct_at END`

// RecordInbound records that a phone wrote to a session of the organization. The WhatsApp
// adapter calls it for every message as it arrives; an error must make the adapter leave the
// message unacknowledged so that it is delivered again. Returns EINVALID without a session id
// or phone.
func (s *Store) RecordInbound(ctx context.Context, orgID string, m InboundMessage) error {
	if strings.TrimSpace(m.SessionID) == "" || m.From.MatchKey == "" {
		return errorf(EINVALID, "an inbound message needs a session id and a phone")
	}
	at := dbTime(m.At)
	var direct *time.Time
	if m.Direct {
		direct = &at
	}
	// Through GORM, whose logger reports a slow write (without its values).
	return s.db.WithContext(ctx).Exec(recordInbound, orgID, m.From.MatchKey, m.SessionID, m.From.E164, at, direct).Error
}
