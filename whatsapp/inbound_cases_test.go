package whatsapp_test

import (
	"context"
	"sync"
	"testing"
	"time"

	waE2E "go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// TestMessagesThatAreAndAreNotReplies: a message a person sent to one of their broadcast
// lists is a direct reply, and they are seen in a direct chat; a sender key shared alone
// ahead of a group message is not a reply; the session's own account, writing from its
// phone, is never a person it met; a push name "-" is no name.
func TestMessagesThatAreAndAreNotReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		sess, c := connected(t, r, "ventas", "5491100000001")
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)

		viaList := message(userJID("5491155550101"), types.NewJID("1700000000", types.BroadcastServer), at)
		viaList.Info.PushName = "-"
		c.Dispatch(viaList)
		if last, window := replied(t, r, "5491155550101", ""); last == nil || !window {
			t.Fatalf("a message through the sender's broadcast list: last %v, window %v", last, window)
		}

		keyShare := message(userJID("5491155550102"), groupJID, at)
		keyShare.Message = &waE2E.Message{SenderKeyDistributionMessage: &waE2E.SenderKeyDistributionMessage{GroupID: strp(groupJID.String())},
			MessageContextInfo: &waE2E.MessageContextInfo{}}
		c.Dispatch(keyShare)
		if last, _ := replied(t, r, "5491155550102", ""); last != nil {
			t.Fatalf("a key share alone counted as a reply at %v", last)
		}

		own := message(userJID("5491100000001"), userJID("5491100000001"), at)
		own.Info.IsFromMe = true
		c.Dispatch(own)
		ownNotice := message(userJID("5491100000001"), userJID("5491100000001"), at)
		ownNotice.Info.IsFromMe = true
		ownNotice.Message = &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_HISTORY_SYNC_NOTIFICATION.Enum()}}
		c.Dispatch(ownNotice)

		people := seenBy(t, r, sess.ID, "the broadcast list's sender", func(p map[string]store.SeenContact) bool {
			return p["5491155550101@s.whatsapp.net"].DirectChat
		})
		if p := people["5491155550101@s.whatsapp.net"]; p.PushName != "" {
			t.Errorf("a push name of a dash was kept: %+v", p)
		}
		time.Sleep(3 * 200 * time.Millisecond) // past the next writes of the buffer
		people = seenBy(t, r, sess.ID, "the same people", func(map[string]store.SeenContact) bool { return true })
		if _, ok := people["5491100000001@s.whatsapp.net"]; ok {
			t.Error("the session's own account is listed as a person it met")
		}
	})
}

// TestJoinByLIDMerges: a member who joins a group by LID, whose phone whatsmeow's LID store
// knows, is the same person as the one known by that phone.
func TestJoinByLIDMerges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		sess, c := connected(t, r, "ventas", "5491100000001")
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
		c.Dispatch(message(userJID("5491155550201"), userJID("5491155550201"), at))
		if err := r.devices.LIDs().PutLIDMapping(ctx, lidJID("555555555555555"), userJID("5491155550201")); err != nil {
			t.Fatal(err)
		}
		c.Dispatch(&events.GroupInfo{JID: groupJID, Timestamp: at, Join: []types.JID{lidJID("555555555555555")}})
		people := seenBy(t, r, sess.ID, "the join, merged", func(p map[string]store.SeenContact) bool {
			return len(p["5491155550201@s.whatsapp.net"].Groups) == 1
		})
		if p := people["5491155550201@s.whatsapp.net"]; len(people) != 1 || p.LID != "555555555555555@lid" || !p.DirectChat {
			t.Fatalf("after a join by LID: %+v", people)
		}
	})
}

// TestUndecryptableReplyRetried: whatsmeow acknowledges an undecryptable message before
// telling it, so a write that fails is tried again before the handler returns.
func TestUndecryptableReplyRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		r := newRig(t, s, logsIn)
		_, c := connected(t, r, "ventas", "5491100000001")
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
		db := s.Pool()
		if _, err := db.ExecContext(ctx, "ALTER TABLE inbound_activity RENAME TO inbound_activity_away"); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			if _, err := db.ExecContext(ctx, "ALTER TABLE inbound_activity_away RENAME TO inbound_activity"); err != nil {
				t.Error(err)
			}
		}()
		c.Dispatch(&events.UndecryptableMessage{Info: message(userJID("5491155550301"), userJID("5491155550301"), at).Info})
		if last, _ := replied(t, r, "5491155550301", ""); last == nil {
			t.Fatal("the undecryptable message's reply was lost to a failed write")
		}
	})
}

func strp(s string) *string { return &s }

// TestGroupsLeftWhileAway: each login lists the account's groups; one the account left while
// the session was down is forgotten at the next login, with who was in it.
func TestGroupsLeftWhileAway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		other := types.NewJID("120363025246125999", types.GroupServer)
		var mu sync.Mutex
		listed := []types.JID{groupJID, other}
		r := newRig(t, s, func(c *whatsapptest.Client) {
			logsIn(c)
			c.GetJoinedGroupsFunc = func(context.Context) ([]*types.GroupInfo, error) {
				mu.Lock()
				defer mu.Unlock()
				var out []*types.GroupInfo
				for _, g := range listed {
					out = append(out, &types.GroupInfo{JID: g, Participants: []types.GroupParticipant{{JID: userJID("5491155550401")}}})
				}
				return out, nil
			}
		})
		sess, c := connected(t, r, "ventas", "5491100000001")
		seenBy(t, r, sess.ID, "a member of both groups", func(p map[string]store.SeenContact) bool {
			return len(p["5491155550401@s.whatsapp.net"].Groups) == 2
		})
		mu.Lock()
		listed = []types.JID{groupJID}
		mu.Unlock()
		c.Dispatch(&events.Disconnected{}) // reconnects, and logs in again
		seenBy(t, r, sess.ID, "the group left forgotten", func(p map[string]store.SeenContact) bool {
			g := p["5491155550401@s.whatsapp.net"].Groups
			return len(g) == 1 && g[0] == groupJID.String()
		})
		groups, _, err := s.SeenGroups(ctx, r.org.ID, sess.ID, "", 10)
		if err != nil || len(groups) != 1 || groups[0].JID != groupJID.String() {
			t.Fatalf("groups after the second login: %+v, %v", groups, err)
		}
	})
}
