package whatsapp

import (
	"context"
	"slices"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	waE2E "go.mau.fi/whatsmeow/proto/waE2E"
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

// seenBuffer is what the session's events told of people since the last write. It holds at
// most seenBufferCap people: a batch that failed to write goes back to be tried again, but a
// database that stays down must not take the process's memory with it (the oldest go first;
// the next sync or message names them again).
type seenBuffer struct {
	mu     sync.Mutex
	people []store.SeenPerson
	links  [][2]string // LID, phone JID
	full   chan struct{}
}

const seenBufferCap = 100_000

func newSeenBuffer() *seenBuffer { return &seenBuffer{full: make(chan struct{}, 1)} }

func (b *seenBuffer) add(p ...store.SeenPerson) {
	b.mu.Lock()
	b.people = append(b.people, p...)
	if over := len(b.people) - seenBufferCap; over > 0 {
		b.people = b.people[over:]
	}
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
	if over := len(b.links) - seenBufferCap; over > 0 {
		b.links = b.links[over:]
	}
	b.mu.Unlock()
}

func (b *seenBuffer) take() ([]store.SeenPerson, [][2]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, l := b.people, b.links
	b.people, b.links = nil, nil
	return p, l
}

// putBack returns what failed to write to the front of the buffer, in order.
func (b *seenBuffer) putBack(people []store.SeenPerson, links [][2]string) {
	b.mu.Lock()
	b.people = append(people, b.people...)
	b.links = append(links, b.links...)
	b.mu.Unlock()
	b.add() // trims to the cap
}

// writeSeen writes the buffer every seenFlushEvery, or when it fills, until the session ends;
// then once more.
func (s *liveSession) writeSeen() {
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

// flushSeen writes what the buffer holds, in the order the events told it: one write at a
// time (seenWrites), so that a later batch, or a leave, never lands before an earlier one.
// Each chunk and each link has its own deadline; what fails goes back to the buffer.
func (s *liveSession) flushSeen() {
	s.seenWrites.Lock()
	defer s.seenWrites.Unlock()
	s.flushSeenLocked()
}

func (s *liveSession) flushSeenLocked() {
	people, links := s.seen.take()
	for len(people) > 0 {
		n := min(len(people), seenFlushAt)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
		err := s.m.store.RecordSeen(ctx, s.org, s.id, people[:n])
		cancel()
		if err != nil {
			if store.ErrorCode(err) == store.ENOTFOUND {
				return // the session was deleted: nobody to keep them for
			}
			s.m.log.Error("record the people a session met; trying again later", "session", s.id, "count", n, "err", err)
			s.seen.putBack(people, links)
			return
		}
		people = people[n:]
	}
	for i, l := range links {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
		err := s.m.store.LinkLID(ctx, s.org, s.id, l[0], l[1])
		cancel()
		if err != nil {
			if store.ErrorCode(err) == store.ENOTFOUND {
				return
			}
			s.m.log.Error("link a LID to its phone; trying again later", "session", s.id, "err", err)
			s.seen.putBack(nil, links[i:])
			return
		}
	}
}

// seePerson is the person jid (a phone JID or a LID) with its alternative address alt, when
// known, as a SeenPerson at at (now, when at is zero).
func (s *liveSession) seePerson(jid, alt types.JID, at time.Time) (store.SeenPerson, bool) {
	if at.IsZero() {
		at = s.m.now()
	}
	p := store.SeenPerson{At: at}
	for _, j := range []types.JID{jid, alt} {
		j = person(j)
		if !allDigits(j.User) {
			continue // not a person's address (whatsmeow does not check what it parses)
		}
		switch j.Server {
		case types.DefaultUserServer:
			p.PhoneJID = j.String()
		case types.HiddenUserServer:
			p.LID = j.String()
		}
	}
	return p, p.PhoneJID != "" || p.LID != ""
}

// person is a user's address without its device, on the server of phone numbers or of LIDs:
// accounts hosted by Meta's business platform write from their own servers.
func person(j types.JID) types.JID {
	j = j.ToNonAD()
	switch j.Server {
	case types.HostedServer:
		j.Server = types.DefaultUserServer
	case types.HostedLIDServer:
		j.Server = types.HiddenUserServer
	}
	return j
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// see follows the events that tell of people.
func (s *liveSession) see(evt any) {
	switch e := evt.(type) {
	case *events.Message:
		s.seeMessage(e.Info, e.Message)
	case *events.UndecryptableMessage:
		s.seeMessage(e.Info, nil)
	case *events.Contact:
		alt := parseJID(e.Action.GetLidJID())
		if alt.IsEmpty() {
			alt = parseJID(e.Action.GetPnJID())
		}
		if p, ok := s.seePerson(e.JID, alt, e.Timestamp); ok {
			p.FullName, p.FirstName = e.Action.GetFullName(), e.Action.GetFirstName()
			s.seen.add(p)
		}
	case *events.PushName:
		if p, ok := s.seePerson(e.JID, e.JIDAlt, s.noticedAt(e.Message)); ok {
			p.PushName = e.NewPushName
			s.seen.add(p)
		}
	case *events.BusinessName:
		if p, ok := s.seePerson(e.JID, types.EmptyJID, s.noticedAt(e.Message)); ok {
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
				s.background(func() { s.seeAddressBook(dev.Contacts) })
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

// isOwn reports the session's own account's phone JID.
func (s *liveSession) isOwn(phoneJID string) bool {
	s.mu.Lock()
	own := s.jid
	s.mu.Unlock()
	return own != "" && phoneJID == person(parseJID(own)).String()
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

// seeMessage: the other party of a direct chat (either way), the sender in a group, the
// person who wrote to one of their broadcast lists. Not the session's own account (its
// phone's protocol messages come as messages from itself), nor a status or a channel.
func (s *liveSession) seeMessage(info types.MessageInfo, m *waE2E.Message) {
	if info.Chat == types.StatusBroadcastJID || info.Chat.Server == types.NewsletterServer || isProtocol(m) {
		return
	}
	var p store.SeenPerson
	var ok bool
	switch {
	case info.IsGroup && info.IsFromMe:
		return
	case info.IsGroup:
		p, ok = s.seePerson(info.Sender, info.SenderAlt, info.Timestamp)
		p.Group = info.Chat.ToNonAD().String()
	case info.IsIncomingBroadcast():
		if info.IsFromMe {
			return
		}
		p, ok = s.seePerson(info.Sender, info.SenderAlt, info.Timestamp)
		p.DirectChat = true
	case info.IsFromMe:
		p, ok = s.seePerson(info.Chat, info.RecipientAlt, info.Timestamp)
		p.DirectChat = true
	default:
		p, ok = s.seePerson(info.Chat, info.SenderAlt, info.Timestamp)
		p.DirectChat = true
	}
	if ok && s.isOwn(p.PhoneJID) {
		return
	}
	if !ok {
		return
	}
	if !info.IsFromMe && info.PushName != "-" { // "-" is whatsmeow's "no name"
		p.PushName = info.PushName
	}
	if p.PhoneJID == "" {
		// Written as a LID with no phone beside it: whatsmeow's LID store may know it.
		if pn := person(s.phoneOf(parseJID(p.LID))); pn.Server == types.DefaultUserServer {
			p.PhoneJID = pn.String()
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
			if p, ok := s.seePerson(m.JID, alt, at); ok {
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
		if p, ok := s.seePerson(jid, types.EmptyJID, now); ok {
			p.FullName, p.FirstName, p.PushName, p.BusinessName = c.FullName, c.FirstName, c.PushName, c.BusinessName
			people = append(people, p)
		}
	}
	s.seen.add(people...)
}

// seeGroupChange follows a group's joins, leaves and new name. A member named by LID is
// resolved through whatsmeow's LID store (it stores the change's mappings before telling it).
func (s *liveSession) seeGroupChange(e *events.GroupInfo) {
	group := e.JID.String()
	if e.Name != nil && e.Name.Name != "" {
		s.renameGroup(e.JID, e.Name.Name)
	}
	for _, j := range e.Join {
		if p, ok := s.seePerson(j, s.phoneOf(j), e.Timestamp); ok {
			p.Group = group
			s.seen.add(p)
		}
	}
	if len(e.Leave) == 0 {
		return
	}
	var left []string
	for _, j := range e.Leave {
		if p, ok := s.seePerson(j, s.phoneOf(j), e.Timestamp); ok {
			left = append(left, p.PhoneJID, p.LID)
		}
	}
	left = slices.DeleteFunc(left, func(j string) bool { return j == "" })
	// In order with the writes of what came before (a join still buffered, or being
	// written, would undo the leave).
	s.seenWrites.Lock()
	defer s.seenWrites.Unlock()
	s.flushSeenLocked()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	if err := s.m.store.LeaveGroup(ctx, s.org, s.id, group, left); err != nil {
		s.m.log.Error("record who left a group", "session", s.id, "err", err)
	}
}

// phoneOf is the phone JID whatsmeow's LID store maps a LID to; empty for a phone JID, or a
// LID it does not know.
func (s *liveSession) phoneOf(j types.JID) types.JID {
	if person(j).Server != types.HiddenUserServer {
		return types.EmptyJID
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer cancel()
	pn, err := s.m.devices.LIDs().GetPNForLID(ctx, person(j))
	if err != nil {
		return types.EmptyJID
	}
	return pn
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
		if p, ok := s.seePerson(parseJID(pn.GetID()), types.EmptyJID, now); ok {
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
		if p, ok := s.seePerson(chat, alt, at); ok {
			p.DirectChat = true
			s.seen.add(p)
		}
	}
}

// refreshGroups asks WhatsApp for the session's groups and their participants, after a
// login. (Members who left a group it is still in, while nobody watched, stay members until
// a leave is seen: the refresh adds, it does not take away.)
func (s *liveSession) refreshGroups(client Live) {
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
	// The groups it no longer lists were left while nobody watched: forget them, after what
	// the buffer holds (a message in one of them would bring its membership back).
	keep := make([]string, len(groups))
	for i, g := range groups {
		keep[i] = g.JID.String()
	}
	s.seenWrites.Lock()
	defer s.seenWrites.Unlock()
	s.flushSeenLocked()
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(s.ctx), recordTimeout)
	defer wcancel()
	if err := s.m.store.KeepSeenGroups(wctx, s.org, s.id, keep); err != nil {
		s.m.log.Error("forget the groups a session left", "session", s.id, "err", err)
	}
}
