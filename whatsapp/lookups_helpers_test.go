package whatsapp_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
	"github.com/wagate/wagate/whatsapp/whatsapptest"
)

// The fixtures of the lookup tests: sessions of two organizations behind a fake
// LiveSessions, a WhatsApp that knows some accounts, and a clock the test moves.

// sessions plays the session manager: a session belongs to one organization and is
// connected when it has a client.
type sessions struct {
	mu    sync.Mutex
	owner map[string]string               // session id → organization
	live  map[string]*whatsapptest.Client // nil: not connected
	calls int
}

func newSessions() *sessions {
	return &sessions{owner: map[string]string{}, live: map[string]*whatsapptest.Client{}}
}

// add registers a connected session answering as w does.
func (s *sessions) add(orgID, id string, w *whatsApp) *whatsapptest.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := whatsapptest.New(nil)
	c.IsOnWhatsAppFunc = w.isOnWhatsApp
	c.GetUserInfoFunc = w.getUserInfo
	s.owner[id], s.live[id] = orgID, c
	return c
}

// errDisconnected is what the manager answers for a session that is not connected.
var errDisconnected = &whatsapp.Error{Code: whatsapp.ENOTCONNECTED, Message: "the session is disconnected: no route to WhatsApp; retrying"}

func (s *sessions) Live(_ context.Context, orgID, id string) (whatsapp.Live, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.owner[id] != orgID || orgID == "" {
		return nil, &store.Error{Code: store.ENOTFOUND, Message: "session " + id + " not found"}
	}
	if c := s.live[id]; c != nil {
		return c, nil
	}
	return nil, errDisconnected
}

func (s *sessions) disconnect(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[id] = nil
}

// whatsApp answers lookups like WhatsApp: a query it knows is an account (the JID user it
// names, its about text, its LID), a query it does not is "not in", and queries listed in
// silent get no entry at all. Every IsOnWhatsApp query list is recorded.
type whatsApp struct {
	mu       sync.Mutex
	accounts map[string]account // "+digits" → the account registered under that spelling
	silent   map[string]bool
	asked    [][]string
	err      error // when set, every call fails with it
}

type account struct{ user, about, lid string }

func newWhatsApp() *whatsApp {
	return &whatsApp{accounts: map[string]account{}, silent: map[string]bool{}}
}

func (w *whatsApp) register(query, user string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.accounts[query] = account{user: user}
}

func (w *whatsApp) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
}

func (w *whatsApp) isOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.asked = append(w.asked, slices.Clone(phones))
	if w.err != nil {
		return nil, w.err
	}
	var out []types.IsOnWhatsAppResponse
	for _, p := range phones {
		if w.silent[p] {
			continue
		}
		r := types.IsOnWhatsAppResponse{Query: p, JID: types.NewJID(strings.TrimPrefix(p, "+"), types.DefaultUserServer)}
		if a, ok := w.accounts[p]; ok {
			r.IsIn, r.JID = true, types.NewJID(a.user, types.DefaultUserServer)
		}
		out = append(out, r)
	}
	// WhatsApp's order is its own.
	slices.Reverse(out)
	return out, nil
}

func (w *whatsApp) getUserInfo(_ context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return nil, w.err
	}
	out := map[types.JID]types.UserInfo{}
	for _, j := range jids {
		for _, a := range w.accounts {
			if a.user == j.User {
				info := types.UserInfo{Status: a.about}
				if a.lid != "" {
					info.LID = types.NewJID(a.lid, types.HiddenUserServer)
				}
				// Answered with a device part, as a JID WhatsApp sends back may be.
				out[types.JID{User: j.User, Device: 3, Server: types.DefaultUserServer}] = info
			}
		}
	}
	return out, nil
}

// calls is how many IsOnWhatsApp queries were made; lastAsked the last one's phones.
func (w *whatsApp) calls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.asked)
}

func (w *whatsApp) lastAsked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.asked) == 0 {
		return nil
	}
	return w.asked[len(w.asked)-1]
}

// clock is a time the test moves; the limiter and the cache read it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a store with organizations a and b, session "sa" of a and "sb" of b, each
// connected to the same WhatsApp, and Lookups over them with cfg's limits.
type fixture struct {
	s        *store.Store
	a, b     string
	sessions *sessions
	wa       *whatsApp
	clock    *clock
	lookups  *whatsapp.Lookups
}

func newFixture(t testing.TB, s *store.Store, cfg whatsapp.LookupConfig) *fixture {
	t.Helper()
	f := &fixture{s: s, sessions: newSessions(), wa: newWhatsApp(), clock: newClock()}
	for _, name := range []string{"a", "b"} {
		org, err := s.CreateOrganization(context.Background(), name, "AR")
		if err != nil {
			t.Fatal(err)
		}
		f.sessions.add(org.ID, "s"+name, f.wa)
		if name == "a" {
			f.a = org.ID
		} else {
			f.b = org.ID
		}
	}
	cfg.Sessions, cfg.Cache, cfg.Now = f.sessions, s, f.clock.Now
	l, err := whatsapp.NewLookups(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.lookups = l
	return f
}

func (f *fixture) check(t *testing.T, orgID, sessionID string, raws ...string) ([]whatsapp.CheckResult, error) {
	t.Helper()
	return f.lookups.Check(context.Background(), orgID, sessionID, numbers(t, raws...))
}

// mustCheck checks and fails the test on an error.
func (f *fixture) mustCheck(t *testing.T, orgID, sessionID string, raws ...string) []whatsapp.CheckResult {
	t.Helper()
	res, err := f.check(t, orgID, sessionID, raws...)
	if err != nil {
		t.Fatalf("check %v: %v", raws, err)
	}
	if len(res) != len(raws) {
		t.Fatalf("check %v: %d results", raws, len(res))
	}
	return res
}

func numbers(t testing.TB, raws ...string) []phone.Number {
	t.Helper()
	out := make([]phone.Number, len(raws))
	for i, raw := range raws {
		n, err := phone.Parse(raw, "")
		if err != nil {
			t.Fatalf("parse %q: %v", raw, err)
		}
		out[i] = n
	}
	return out
}

// wantKind fails unless err is an adapter error of kind; it returns it.
func wantKind(t *testing.T, err error, kind string) *whatsapp.Error {
	t.Helper()
	var e *whatsapp.Error
	if !errors.As(err, &e) || e.Code != kind {
		t.Fatalf("error = %v (%T), want kind %s", err, err, kind)
	}
	return e
}

// wantState fails unless r is state (and, on WhatsApp, has jid).
func wantState(t *testing.T, r whatsapp.CheckResult, state whatsapp.CheckState, jid string) {
	t.Helper()
	if r.State != state || r.JID != jid {
		t.Fatalf("%s: %s %q (err %v), want %s %q", r.Phone, r.State, r.JID, r.Err, state, jid)
	}
	if (state == whatsapp.StateUnknown) != (r.Err != nil) {
		t.Fatalf("%s: state %s with err %v", r.Phone, r.State, r.Err)
	}
}
