package whatsapp

import (
	"context"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
)

// The people a session meets, kept from whatsmeow's events: who wrote to it or was written
// to, who is in its groups, what its phone's address book and the people themselves call
// them. Unlike a reply, none of it must hold back an acknowledgement: it is gathered from the
// events and written in batches (seenFlushEvery, or seenFlushAt people), so that a burst of
// thousands of messages after a reconnect costs one round trip for the replies of each and a
// few for everyone they name.
const (
	seenFlushEvery = 200 * time.Millisecond
	seenFlushAt    = 500
	// groupsTimeout bounds the query of the session's groups after each login.
	groupsTimeout = 30 * time.Second
)

// seenBuffer is what the session's events told of people since the last write.
type seenBuffer struct {
	mu     sync.Mutex
	people []store.SeenPerson
	links  [][2]string // LID, phone JID
	full   chan struct{}
}

func newSeenBuffer() *seenBuffer { return &seenBuffer{full: make(chan struct{}, 1)} }

func (b *seenBuffer) add(p ...store.SeenPerson) {
	b.mu.Lock()
	b.people = append(b.people, p...)
	n := len(b.people)
	b.mu.Unlock()
	if n >= seenFlushAt {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
}

func (b *seenBuffer) link(lid, pn string) {
	b.mu.Lock()
	b.links = append(b.links, [2]string{lid, pn})
	b.mu.Unlock()
}

func (b *seenBuffer) take() ([]store.SeenPerson, [][2]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, l := b.people, b.links
	b.people, b.links = nil, nil
	return p, l
}

// writeSeen writes the buffer every seenFlushEvery, or when it fills, until the session ends;
// then once more.
func (s *liveSession) writeSeen() {
	defer s.m.wg.Done()
	tick := time.NewTicker(seenFlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			s.flushSeen()
			return
		case <-tick.C:
		case <-s.seen.full:
		}
		s.flushSeen()
	}
}

func (s *liveSession) flushSeen() {
	people, links := s.seen.take()
	if len(people) == 0 && len(links) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	for len(people) > 0 {
		n := min(len(people), seenFlushAt)
		if err := s.m.store.RecordSeen(ctx, s.org, s.id, people[:n]); err != nil {
			// Dropped: the next message, sync or login names them again.
			s.m.log.Error("record the people a session met", "session", s.id, "count", n, "err", err)
		}
		people = people[n:]
	}
	for _, l := range links {
		if err := s.m.store.LinkLID(ctx, s.org, s.id, l[0], l[1]); err != nil {
			s.m.log.Error("link a LID to its phone", "session", s.id, "err", err)
		}
	}
}

// seePerson is the person jid (a phone JID or a LID) with its alternative address alt, when
// known, as a SeenPerson at at.
func seePerson(jid, alt types.JID, at time.Time) (store.SeenPerson, bool) {
	p := store.SeenPerson{At: at}
	for _, j := range []types.JID{jid, alt} {
		j = j.ToNonAD()
		switch j.Server {
		case types.DefaultUserServer:
			p.PhoneJID = j.String()
		case types.HiddenUserServer:
			p.LID = j.String()
		}
	}
	return p, p.PhoneJID != "" || p.LID != ""
}

// see follows the events that tell of people.
func (s *liveSession) see(evt any) {
	switch e := evt.(type) {
	case *events.Message:
		s.seeMessage(e.Info)
	case *events.UndecryptableMessage:
		s.seeMessage(e.Info)
	case *events.Contact:
		alt := parseJID(e.Action.GetLidJID())
		if alt.IsEmpty() {
			alt = parseJID(e.Action.GetPnJID())
		}
		if p, ok := seePerson(e.JID, alt, e.Timestamp); ok {
			p.FullName, p.FirstName = e.Action.GetFullName(), e.Action.GetFirstName()
			s.seen.add(p)
		}
	case *events.PushName:
		if p, ok := seePerson(e.JID, e.JIDAlt, s.noticedAt(e.Message)); ok {
			p.PushName = e.NewPushName
			s.seen.add(p)
		}
	case *events.BusinessName:
		if p, ok := seePerson(e.JID, types.EmptyJID, s.noticedAt(e.Message)); ok {
			p.BusinessName = e.NewBusinessName
			s.seen.add(p)
		}
	case *events.AppStateSyncComplete:
		// A first sync puts the address book straight into whatsmeow's contact store and
		// says nothing of each contact: read them all, off the event goroutine.
		if e.Name == appstate.WAPatchCriticalUnblockLow {
			s.mu.Lock()
			dev := s.dev
			s.mu.Unlock()
			if dev != nil && dev.Contacts != nil {
				s.m.wg.Add(1)
				go s.seeAddressBook(dev.Contacts)
			}
		}
	case *events.JoinedGroup:
		s.seeGroups(s.m.now(), &e.GroupInfo)
	case *events.GroupInfo:
		s.seeGroupChange(e)
	case *events.HistorySync:
		s.seeHistory(e)
	}
}

// noticedAt is when a name change was noticed: the time of the message that carried it, or now.
func (s *liveSession) noticedAt(msg *types.MessageInfo) time.Time {
	if msg != nil && !msg.Timestamp.IsZero() {
		return msg.Timestamp
	}
	return s.m.now()
}

func parseJID(s string) types.JID {
	if s == "" {
		return types.EmptyJID
	}
	j, err := types.ParseJID(s)
	if err != nil {
		return types.EmptyJID
	}
	return j
}

// seeMessage: the other party of a direct chat (either way), or the sender in a group.
func (s *liveSession) seeMessage(info types.MessageInfo) {
	switch info.Chat.Server {
	case types.BroadcastServer, types.NewsletterServer:
		return
	}
	var p store.SeenPerson
	var ok bool
	switch {
	case info.IsGroup && info.IsFromMe:
		return
	case info.IsGroup:
		p, ok = seePerson(info.Sender, info.SenderAlt, info.Timestamp)
		p.Group = info.Chat.ToNonAD().String()
	case info.IsFromMe:
		p, ok = seePerson(info.Chat, info.RecipientAlt, info.Timestamp)
		p.DirectChat = true
	default:
		p, ok = seePerson(info.Chat, info.SenderAlt, info.Timestamp)
		p.DirectChat = true
	}
	if !ok {
		return
	}
	if !info.IsFromMe {
		p.PushName = info.PushName
	}
	if p.PhoneJID == "" {
		// Written as a LID with no phone beside it: whatsmeow's LID store may know it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
		pn, err := s.m.devices.LIDs().GetPNForLID(ctx, parseJID(p.LID))
		cancel()
		if err == nil && !pn.IsEmpty() {
			p.PhoneJID = pn.ToNonAD().String()
		}
	}
	s.seen.add(p)
}

// seeGroups records groups and their participants as of at.
func (s *liveSession) seeGroups(at time.Time, groups ...*types.GroupInfo) {
	if len(groups) == 0 {
		return
	}
	records := make([]store.SeenGroup, 0, len(groups))
	var people []store.SeenPerson
	for _, g := range groups {
		records = append(records, store.SeenGroup{JID: g.JID.String(), Name: g.Name, Participants: len(g.Participants), RefreshedAt: at})
		for _, m := range g.Participants {
			alt := m.PhoneNumber
			if m.JID.Server == types.DefaultUserServer {
				alt = m.LID
			}
			if p, ok := seePerson(m.JID, alt, at); ok {
				p.Group = g.JID.String()
				people = append(people, p)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	if err := s.m.store.RecordGroups(ctx, s.org, s.id, records); err != nil {
		s.m.log.Error("record a session's groups", "session", s.id, "err", err)
	}
	s.seen.add(people...)
}

// seeAddressBook takes every contact of the phone's address book, with the names
// whatsmeow's contact store has for them.
func (s *liveSession) seeAddressBook(contacts wastore.ContactStore) {
	defer s.m.wg.Done()
	ctx, cancel := context.WithTimeout(s.ctx, recordTimeout)
	defer cancel()
	all, err := contacts.GetAllContacts(ctx)
	if err != nil {
		if s.ctx.Err() == nil {
			s.m.log.Error("read the address book whatsmeow synced", "session", s.id, "err", err)
		}
		return
	}
	now := s.m.now()
	people := make([]store.SeenPerson, 0, len(all))
	for jid, c := range all {
		if p, ok := seePerson(jid, types.EmptyJID, now); ok {
			p.FullName, p.FirstName, p.PushName, p.BusinessName = c.FullName, c.FirstName, c.PushName, c.BusinessName
			people = append(people, p)
		}
	}
	s.seen.add(people...)
}

// seeGroupChange follows a group's joins, leaves and new name.
func (s *liveSession) seeGroupChange(e *events.GroupInfo) {
	group := e.JID.String()
	if e.Name != nil && e.Name.Name != "" {
		s.renameGroup(e.JID, e.Name.Name)
	}
	for _, j := range e.Join {
		if p, ok := seePerson(j, types.EmptyJID, e.Timestamp); ok {
			p.Group = group
			s.seen.add(p)
		}
	}
	if len(e.Leave) == 0 {
		return
	}
	left := make([]string, len(e.Leave))
	for i, j := range e.Leave {
		left[i] = j.ToNonAD().String()
	}
	// After what the buffer holds, or a join still buffered would undo the leave.
	s.flushSeen()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	if err := s.m.store.LeaveGroup(ctx, s.org, s.id, group, left); err != nil {
		s.m.log.Error("record who left a group", "session", s.id, "err", err)
	}
}

// renameGroup records a group's new name.
func (s *liveSession) renameGroup(group types.JID, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	if err := s.m.store.RenameSeenGroup(ctx, s.org, s.id, group.String(), name); err != nil {
		s.m.log.Error("record a group's new name", "session", s.id, "err", err)
	}
}

// seeHistory takes the people of a history sync: the push names it carries, the phone↔LID
// mappings, and the direct chats.
func (s *liveSession) seeHistory(e *events.HistorySync) {
	now := s.m.now()
	for _, m := range e.Data.GetPhoneNumberToLidMappings() {
		if lid, pn := parseJID(m.GetLidJID()), parseJID(m.GetPnJID()); !lid.IsEmpty() && !pn.IsEmpty() {
			s.seen.link(lid.ToNonAD().String(), pn.ToNonAD().String())
		}
	}
	for _, pn := range e.Data.GetPushnames() {
		if p, ok := seePerson(parseJID(pn.GetID()), types.EmptyJID, now); ok {
			p.PushName = pn.GetPushname()
			s.seen.add(p)
		}
	}
	for _, c := range e.Data.GetConversations() {
		chat := parseJID(c.GetID())
		if chat.Server != types.DefaultUserServer && chat.Server != types.HiddenUserServer {
			continue // groups come with their participants at login
		}
		alt := parseJID(c.GetLidJID())
		if alt.IsEmpty() {
			alt = parseJID(c.GetPnJID())
		}
		at := now
		if ts := max(c.GetLastMsgTimestamp(), c.GetConversationTimestamp()); ts > 0 {
			at = time.Unix(int64(ts), 0)
		}
		if p, ok := seePerson(chat, alt, at); ok {
			p.DirectChat = true
			s.seen.add(p)
		}
	}
}

// refreshGroups asks WhatsApp for the session's groups and their participants, after a login.
func (s *liveSession) refreshGroups(client Live) {
	defer s.m.wg.Done()
	ctx, cancel := context.WithTimeout(s.ctx, groupsTimeout)
	defer cancel()
	groups, err := client.GetJoinedGroups(ctx)
	if err != nil {
		if s.ctx.Err() == nil {
			s.m.log.Warn("list a session's groups", "session", s.id, "err", err)
		}
		return
	}
	s.seeGroups(s.m.now(), groups...)
}
