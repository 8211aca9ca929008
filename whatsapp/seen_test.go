package whatsapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// seenBy waits until the session's people satisfy cond, and returns them by phone JID (or
// LID, for a person known only by it).
func seenBy(t *testing.T, r *rig, sessionID, what string, cond func(map[string]store.SeenContact) bool) map[string]store.SeenContact {
	t.Helper()
	var people map[string]store.SeenContact
	eventually(t, what, func() bool {
		list, _, err := r.s.SeenContacts(ctx, r.org.ID, sessionID, store.SeenFilter{}, 0, 200)
		if err != nil {
			t.Fatal(err)
		}
		people = map[string]store.SeenContact{}
		for _, p := range list {
			key := p.PhoneJID
			if key == "" {
				key = p.LID
			}
			people[key] = p
		}
		return cond(people)
	})
	return people
}

func str(s string) *string { return &s }

// TestSeenFromEvents: the people a session meets are kept from whatsmeow's events: the
// other party of a direct chat (either way), a group's sender, a LID sender with its phone
// in the message, one without that the mapping of a history sync later merges, the phone's
// address book, push names (an empty one erases nothing), joins and leaves, the groups at
// login; not the session's own group messages, nor statuses.
func TestSeenFromEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		group := types.NewJID("120363025246125486", types.GroupServer)
		r := newRig(t, s, func(c *whatsapptest.Client) {
			logsIn(c)
			c.GetJoinedGroupsFunc = func(context.Context) ([]*types.GroupInfo, error) {
				return []*types.GroupInfo{{JID: group, GroupName: types.GroupName{Name: "Ventas AR"}, Participants: []types.GroupParticipant{
					{JID: lidJID("444444444444444"), PhoneNumber: userJID("5491155550044"), LID: lidJID("444444444444444")},
				}}}, nil
			}
		})
		sess, c := connected(t, r, "ventas", "5491100000001")
		at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)

		in := message(userJID("5492235961983"), userJID("5492235961983"), at)
		in.Info.PushName = "Juan"
		c.Dispatch(in)
		c.Dispatch(in) // a duplicate
		out := message(userJID("5491100000001"), userJID("5491155550010"), at)
		out.Info.IsFromMe = true
		c.Dispatch(out)
		inGroup := message(userJID("5491155550020"), group, at)
		inGroup.Info.PushName = "Marta"
		c.Dispatch(inGroup)
		ownInGroup := message(userJID("5491100000001"), group, at)
		ownInGroup.Info.IsFromMe = true
		c.Dispatch(ownInGroup)
		c.Dispatch(message(userJID("5491155550030"), types.StatusBroadcastJID, at))
		withAlt := message(lidJID("111111111111111"), lidJID("111111111111111"), at)
		withAlt.Info.SenderAlt = userJID("5491155550040")
		c.Dispatch(withAlt)
		c.Dispatch(message(lidJID("222222222222222"), lidJID("222222222222222"), at)) // no phone yet

		people := seenBy(t, r, sess.ID, "everyone the messages and the login named", func(p map[string]store.SeenContact) bool {
			return len(p) == 6
		})
		juan := people["5492235961983@s.whatsapp.net"]
		if !juan.DirectChat || juan.PushName != "Juan" || juan.Phone != "+5492235961983" || !juan.FirstSeenAt.Equal(at) {
			t.Errorf("the sender of a direct message: %+v", juan)
		}
		if p := people["5491155550010@s.whatsapp.net"]; !p.DirectChat {
			t.Errorf("the one the session wrote to: %+v", p)
		}
		if p := people["5491155550020@s.whatsapp.net"]; p.DirectChat || p.PushName != "Marta" || len(p.Groups) != 1 || p.Groups[0] != group.String() {
			t.Errorf("a group's sender: %+v", p)
		}
		if p := people["5491155550040@s.whatsapp.net"]; p.LID != "111111111111111@lid" {
			t.Errorf("a LID sender with its phone: %+v", p)
		}
		if p := people["5491155550044@s.whatsapp.net"]; p.LID != "444444444444444@lid" || len(p.Groups) != 1 {
			t.Errorf("a group's participant at login: %+v", p)
		}
		if _, ok := people["222222222222222@lid"]; !ok {
			t.Errorf("the LID sender with no phone is not kept by LID: %v", people)
		}
		for _, absent := range []string{"5491100000001@s.whatsapp.net", "5491155550030@s.whatsapp.net"} {
			if _, ok := people[absent]; ok {
				t.Errorf("%s was kept", absent)
			}
		}
		groups, _, err := s.SeenGroups(ctx, r.org.ID, sess.ID, "", 10)
		if err != nil || len(groups) != 1 || groups[0].Name != "Ventas AR" || groups[0].Participants != 1 {
			t.Fatalf("groups at login: %+v, %v", groups, err)
		}

		// The address book, then push names: a new one replaces, an empty one erases nothing.
		c.Dispatch(&events.Contact{JID: userJID("5492235961983"), Timestamp: at,
			Action: &waSyncAction.ContactAction{FullName: str("Juan Pérez"), FirstName: str("Juan")}})
		c.Dispatch(&events.PushName{JID: userJID("5492235961983"), NewPushName: "JP"})
		c.Dispatch(&events.PushName{JID: userJID("5492235961983"), NewPushName: ""})
		people = seenBy(t, r, sess.ID, "the address book and the push name", func(p map[string]store.SeenContact) bool {
			j := p["5492235961983@s.whatsapp.net"]
			return j.FullName == "Juan Pérez" && j.PushName == "JP"
		})
		if j := people["5492235961983@s.whatsapp.net"]; j.DisplayName != "Juan Pérez" || j.FirstName != "Juan" {
			t.Errorf("after the address book: %+v", j)
		}

		// A LID sender whose phone only whatsmeow's LID store knows.
		if err := r.devices.LIDs().PutLIDMapping(ctx, lidJID("333333333333333"), userJID("5491155550033")); err != nil {
			t.Fatal(err)
		}
		c.Dispatch(message(lidJID("333333333333333"), lidJID("333333333333333"), at))
		seenBy(t, r, sess.ID, "a LID sender through the LID store", func(p map[string]store.SeenContact) bool {
			return p["5491155550033@s.whatsapp.net"].LID == "333333333333333@lid"
		})

		// The address book of a first sync, read from whatsmeow's contact store.
		dev := noErr[*wastore.Device](t)(r.devices.Get(ctx, *c.Device.ID))
		if err := dev.Contacts.PutAllContactNames(ctx, []wastore.ContactEntry{{JID: userJID("5491155550080"), FullName: "Rosa Díaz", FirstName: "Rosa"}}); err != nil {
			t.Fatal(err)
		}
		c.Dispatch(&events.AppStateSyncComplete{Name: appstate.WAPatchCriticalUnblockLow})
		seenBy(t, r, sess.ID, "the synced address book", func(p map[string]store.SeenContact) bool {
			return p["5491155550080@s.whatsapp.net"].DisplayName == "Rosa Díaz"
		})

		// A join adds a member, a new name renames the group.
		c.Dispatch(&events.GroupInfo{JID: group, Timestamp: at, Join: []types.JID{userJID("5491155550090")},
			Name: &types.GroupName{Name: "Ventas Argentina"}})
		seenBy(t, r, sess.ID, "the join", func(p map[string]store.SeenContact) bool {
			return len(p["5491155550090@s.whatsapp.net"].Groups) == 1
		})
		if groups, _, err := s.SeenGroups(ctx, r.org.ID, sess.ID, "", 10); err != nil || groups[0].Name != "Ventas Argentina" || groups[0].Participants != 1 {
			t.Fatalf("after the new name: %+v, %v", groups, err)
		}

		// A leave takes the participant out of the group.
		c.Dispatch(&events.GroupInfo{JID: group, Timestamp: at, Leave: []types.JID{userJID("5491155550020")}})
		seenBy(t, r, sess.ID, "the leave", func(p map[string]store.SeenContact) bool {
			return len(p["5491155550020@s.whatsapp.net"].Groups) == 0
		})

		// A history sync: its mapping merges the LID-only person into their phone, its push
		// names and direct chats are people too.
		c.Dispatch(&events.HistorySync{Data: &waHistorySync.HistorySync{
			PhoneNumberToLidMappings: []*waHistorySync.PhoneNumberToLIDMapping{{PnJID: str("5491155550050@s.whatsapp.net"), LidJID: str("222222222222222@lid")}},
			Pushnames:                []*waHistorySync.Pushname{{ID: str("5491155550060@s.whatsapp.net"), Pushname: str("Lucía")}},
			Conversations:            []*waHistorySync.Conversation{{ID: str("5491155550070@s.whatsapp.net")}},
		}})
		people = seenBy(t, r, sess.ID, "the history sync", func(p map[string]store.SeenContact) bool {
			_, lidOnly := p["222222222222222@lid"]
			return !lidOnly && p["5491155550050@s.whatsapp.net"].LID == "222222222222222@lid" &&
				p["5491155550060@s.whatsapp.net"].PushName == "Lucía" && p["5491155550070@s.whatsapp.net"].DirectChat
		})
		if p := people["5491155550050@s.whatsapp.net"]; !p.DirectChat || !strings.HasPrefix(p.Phone, "+549115555005") {
			t.Errorf("the merged person: %+v", p)
		}
	})
}
