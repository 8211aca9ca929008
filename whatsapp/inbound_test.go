package whatsapp_test

import (
	"testing"
	"time"

	waE2E "go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/phone"
)

func userJID(user string) types.JID { return types.NewJID(user, types.DefaultUserServer) }
func lidJID(user string) types.JID  { return types.NewJID(user, types.HiddenUserServer) }

var groupJID = types.NewJID("120363025246125486", types.GroupServer)

// message is an incoming text message of sender in chat, at.
func message(sender, chat types.JID, at time.Time) *events.Message {
	text := "hola"
	return &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsGroup: chat.Server == types.GroupServer},
			ID:            "3EB0" + at.Format("150405.000000"), Timestamp: at,
		},
		Message: &waE2E.Message{Conversation: &text},
	}
}

// replied is what the lookup says of user's phone: its last reply, and whether a direct
// chat's window is open, counting the session's messages only when session is set.
func replied(t *testing.T, r *rig, user, session string) (last *time.Time, window bool) {
	t.Helper()
	n, err := phone.Parse("+"+user, "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.s.LookupContact(ctx, r.org.ID, n.MatchKey, session)
	if err != nil {
		t.Fatal(err)
	}
	return l.LastReplyAt, l.WindowExpiresAt != nil
}

// TestReplies: every message a person sends a session is recorded as their reply before it
// is acknowledged: a direct one opens the window, a group one does not; a sender known by
// LID is resolved through the message's alternative address or the LID store; the session's
// own messages, statuses and protocol messages are not replies; an undecryptable message
// is; the same message twice changes nothing.
func TestReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		sess, c := connected(t, r, "ventas", "5491100000001")
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)

		if !c.Dispatch(message(userJID("5492235961983"), userJID("5492235961983"), at)) {
			t.Fatal("a direct message was not handled")
		}
		if last, window := replied(t, r, "5492235961983", ""); last == nil || !last.Equal(at) || !window {
			t.Fatalf("after a direct message: last reply %v, window %v", last, window)
		}
		if last, _ := replied(t, r, "5492235961983", "sess_00000000000000000000000000"); last != nil {
			t.Fatalf("another session's filter sees the reply at %v", last)
		}
		if last, _ := replied(t, r, "5492235961983", sess.ID); last == nil {
			t.Fatal("the session's own filter does not see the reply")
		}
		c.Dispatch(message(userJID("5492235961983"), userJID("5492235961983"), at)) // delivered twice
		if last, _ := replied(t, r, "5492235961983", ""); !last.Equal(at) {
			t.Fatalf("a duplicate moved the reply to %v", last)
		}

		// A group message is a reply, but opens no window.
		c.Dispatch(message(userJID("5491155550001"), groupJID, at))
		if last, window := replied(t, r, "5491155550001", ""); last == nil || window {
			t.Fatalf("after a group message: last reply %v, window %v", last, window)
		}

		// A LID sender, with its phone in the message.
		withAlt := message(lidJID("111111111111111"), lidJID("111111111111111"), at)
		withAlt.Info.SenderAlt = userJID("5491155550002")
		c.Dispatch(withAlt)
		if last, _ := replied(t, r, "5491155550002", ""); last == nil {
			t.Fatal("a LID sender with its phone in the message was not recorded")
		}
		// A LID sender whose phone only the LID store knows.
		if err := r.devices.LIDs().PutLIDMapping(ctx, lidJID("222222222222222"), userJID("5491155550003")); err != nil {
			t.Fatal(err)
		}
		c.Dispatch(message(lidJID("222222222222222"), lidJID("222222222222222"), at))
		if last, _ := replied(t, r, "5491155550003", ""); last == nil {
			t.Fatal("a LID sender the LID store maps was not recorded")
		}
		// A LID nothing maps: nothing to record, and nothing to gain from a redelivery.
		if !c.Dispatch(message(lidJID("333333333333333"), lidJID("333333333333333"), at)) {
			t.Fatal("an unmapped LID's message was left unacknowledged")
		}

		// Not replies: the session's own message, a status, a protocol message.
		own := message(userJID("5491155550004"), userJID("5491155550004"), at)
		own.Info.IsFromMe = true
		status := message(userJID("5491155550005"), types.StatusBroadcastJID, at)
		revoke := message(userJID("5491155550006"), userJID("5491155550006"), at)
		revoke.Message = &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_REVOKE.Enum()}}
		for user, evt := range map[string]*events.Message{"5491155550004": own, "5491155550005": status, "5491155550006": revoke} {
			c.Dispatch(evt)
			if last, _ := replied(t, r, user, ""); last != nil {
				t.Errorf("%s: recorded as a reply", user)
			}
		}

		// An undecryptable message still shows the person wrote.
		c.Dispatch(&events.UndecryptableMessage{Info: message(userJID("5491155550007"), userJID("5491155550007"), at).Info})
		if last, _ := replied(t, r, "5491155550007", ""); last == nil {
			t.Fatal("an undecryptable message was not recorded")
		}
	})
}

// TestReplyNotStoredIsNotAcknowledged: when the reply cannot be written, the handler says
// so, leaving the message for WhatsApp to deliver again; delivered again once the database
// works, it is recorded.
func TestReplyNotStoredIsNotAcknowledged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		_, c := connected(t, r, "ventas", "5491100000001")
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
		msg := message(userJID("5492235961983"), userJID("5492235961983"), at)

		db := s.Pool()
		if _, err := db.ExecContext(ctx, "ALTER TABLE inbound_activity RENAME TO inbound_activity_away"); err != nil {
			t.Fatal(err)
		}
		if c.Dispatch(msg) {
			t.Fatal("a reply that could not be written was reported handled")
		}
		if _, err := db.ExecContext(ctx, "ALTER TABLE inbound_activity_away RENAME TO inbound_activity"); err != nil {
			t.Fatal(err)
		}
		if !c.Dispatch(msg) {
			t.Fatal("the message delivered again was not handled")
		}
		if last, _ := replied(t, r, "5492235961983", ""); last == nil || !last.Equal(at) {
			t.Fatalf("after the second delivery: last reply %v", last)
		}
	})
}
