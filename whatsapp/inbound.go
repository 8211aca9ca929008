package whatsapp

import (
	"context"
	"fmt"
	"time"

	waE2E "go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp/phone"
)

// recordEvent keeps what an event tells of the organization's people: each message a person
// sends is their reply, at its own time, and the people the session meets (see). It runs
// before whatsmeow acknowledges the message (the clients ack synchronously): false, when the
// write failed, leaves the message unacknowledged, and WhatsApp delivers it again
// (whatsmeow's decrypted-event buffer lets it be read a second time).
func (s *liveSession) recordEvent(evt any) bool {
	s.see(evt)
	switch e := evt.(type) {
	case *events.Connected:
		// The groups and their participants, asked for off whatsmeow's event goroutine.
		if c := s.loggedInClient(); c != nil {
			s.background(func() { s.refreshGroups(c) })
		}
	case *events.Message:
		if isProtocol(e.Message) {
			return true // a revoke, an edit, a key share: the person did not write
		}
		return s.recordReply(e.Info)
	case *events.UndecryptableMessage:
		// It could not be read, but the person wrote. whatsmeow acknowledged it before
		// telling (no redelivery would come), so a failed write is tried again here, briefly.
		for attempt := 1; ; attempt++ {
			if s.recordReply(e.Info) || attempt == undecryptableAttempts {
				return true
			}
			select {
			case <-time.After(time.Duration(attempt) * 250 * time.Millisecond):
			case <-s.ctx.Done():
				return true
			}
		}
	}
	return true
}

// undecryptableAttempts bounds the writes of an undecryptable message's reply: it holds back
// whatsmeow's handling of the messages after it (at most 0.25 + 0.5 s of waiting).
const undecryptableAttempts = 3

// isProtocol reports a message that only carries protocol: revokes, edits, ephemeral
// settings, history-sync notices (a ProtocolMessage), or a sender key shared ahead of a
// group message, alone (whatsmeow hands it as a message of its own).
func isProtocol(m *waE2E.Message) bool {
	if m.GetProtocolMessage() != nil {
		return true
	}
	if m.GetSenderKeyDistributionMessage() == nil {
		return false
	}
	content := false
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		switch fd.Name() {
		case "senderKeyDistributionMessage", "messageContextInfo":
			return true
		}
		content = true
		return false
	})
	return !content
}

// recordReply records that the sender of a message wrote to the session, when the message
// is a person's: not the session's own, not a status, not a channel's. A message a person
// sent to one of their broadcast lists reaches the session as a direct message from them.
func (s *liveSession) recordReply(info types.MessageInfo) bool {
	if info.IsFromMe || info.Chat == types.StatusBroadcastJID || info.Chat.Server == types.NewsletterServer {
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
	direct := !info.IsGroup || info.IsIncomingBroadcast()
	err = s.m.store.RecordInbound(ctx, s.org, store.InboundMessage{SessionID: s.id, From: from, At: info.Timestamp, Direct: direct})
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
	sender := person(info.Sender)
	switch sender.Server {
	case types.DefaultUserServer:
		return sender, nil
	case types.HiddenUserServer:
		if alt := person(info.SenderAlt); alt.Server == types.DefaultUserServer {
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
