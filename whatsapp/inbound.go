package whatsapp

import (
	"context"
	"fmt"

	waE2E "go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// recordEvent keeps what an event tells of the organization's people: each message a person
// sends is their reply, at its own time, and the people the session meets (see). It runs before whatsmeow acknowledges the message
// (the clients ack synchronously): false, when the write failed, leaves the message
// unacknowledged, and WhatsApp delivers it again (whatsmeow's decrypted-event buffer lets it
// be read a second time).
func (s *liveSession) recordEvent(evt any) bool {
	s.see(evt)
	switch e := evt.(type) {
	case *events.Connected:
		// The groups and their participants, asked for off whatsmeow's event goroutine.
		if c := s.loggedInClient(); c != nil {
			s.m.wg.Add(1)
			go s.refreshGroups(c)
		}
	case *events.Message:
		if isProtocol(e.Message) {
			return true // a revoke, an edit, a key share: the person did not write
		}
		return s.recordReply(e.Info)
	case *events.UndecryptableMessage:
		// It could not be read, but the person wrote. (whatsmeow acknowledged it already.)
		return s.recordReply(e.Info)
	}
	return true
}

// isProtocol reports a message that only carries protocol: revokes, edits, key shares,
// ephemeral settings, history-sync notices.
func isProtocol(m *waE2E.Message) bool {
	return m.GetProtocolMessage() != nil
}

// recordReply records that the sender of a message wrote to the session, when the message
// is a person's: not the session's own, not a status or broadcast, not a channel's.
func (s *liveSession) recordReply(info types.MessageInfo) bool {
	if info.IsFromMe {
		return true
	}
	switch info.Chat.Server {
	case types.BroadcastServer, types.NewsletterServer:
		return true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	pn, err := s.m.senderPhone(ctx, info)
	if err != nil {
		s.m.log.Error("resolve a message's sender to a phone", "session", s.id, "message", info.ID, "err", err)
		return false
	}
	if pn.IsEmpty() {
		// Known only by a LID that nothing maps to a phone yet: the reply cannot be tied
		// to a number, and delivering it again would not change that.
		s.m.log.Warn("a message's sender has no known phone number; its reply is not recorded", "session", s.id, "message", info.ID)
		return true
	}
	from, err := phone.Parse("+"+pn.User, "")
	if err != nil {
		s.m.log.Warn("a message's sender is not a phone number; its reply is not recorded", "session", s.id, "message", info.ID, "err", err)
		return true
	}
	err = s.m.store.RecordInbound(ctx, s.org, store.InboundMessage{SessionID: s.id, From: from, At: info.Timestamp, Direct: !info.IsGroup})
	if err != nil {
		s.m.log.Error("record a reply; the message stays unacknowledged for WhatsApp to deliver again", "session", s.id, "message", info.ID, "err", err)
		return false
	}
	return true
}

// senderPhone is the phone JID (no device) of a message's sender: the sender itself, its
// alternative address when it wrote as a LID, or the phone the LID store maps its LID to.
// Empty when none is known.
func (m *Manager) senderPhone(ctx context.Context, info types.MessageInfo) (types.JID, error) {
	sender := info.Sender.ToNonAD()
	switch sender.Server {
	case types.DefaultUserServer:
		return sender, nil
	case types.HiddenUserServer:
		if alt := info.SenderAlt.ToNonAD(); alt.Server == types.DefaultUserServer {
			return alt, nil
		}
		pn, err := m.devices.LIDs().GetPNForLID(ctx, sender)
		if err != nil {
			return types.EmptyJID, fmt.Errorf("read the phone of %s: %w", sender, err)
		}
		return pn.ToNonAD(), nil
	}
	return types.EmptyJID, nil
}
