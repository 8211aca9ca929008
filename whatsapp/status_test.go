package whatsapp_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// dialFailure is the error ConnectContext returns on a machine with no route to WhatsApp,
// built as whatsmeow's socket and net build it.
var dialFailure = fmt.Errorf("failed to dial whatsapp web websocket: %w", &net.OpError{
	Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "web.whatsapp.com", Server: "10.255.255.53:53", IsNotFound: true},
})

type transitionCase struct {
	name   string
	from   whatsapp.Status
	event  any
	status whatsapp.Status
	action whatsapp.Action
	reason string // a part the reason must contain; "" for an event that changes nothing
}

var (
	paired    = types.NewADJID("5492235961983", 0, 7)
	lid       = types.NewJID("123456789", types.HiddenUserServer)
	keepAlive = func(failures int, silent time.Duration) *events.KeepAliveTimeout {
		return &events.KeepAliveTimeout{ErrorCount: failures, LastSuccess: now.Add(-silent)}
	}
)

var transitions = []transitionCase{
	{"QR", whatsapp.StatusConnecting, &events.QR{Codes: []string{"2@a", "2@b"}}, whatsapp.StatusPairing, whatsapp.ActionNone, "scan the QR code"},
	{"QR while connecting", whatsapp.StatusConnecting, &events.QR{}, whatsapp.StatusPairing, whatsapp.ActionNone, "scan the QR code"},
	{"QR scanned by an old phone", whatsapp.StatusPairing, &events.QRScannedWithoutMultidevice{}, whatsapp.StatusPairing, whatsapp.ActionNone, "update WhatsApp on the phone"},
	{"pair success", whatsapp.StatusPairing, &events.PairSuccess{ID: paired, LID: lid, BusinessName: "Acme", Platform: "smba"}, whatsapp.StatusConnecting, whatsapp.ActionRecordDevice, "+5492235961983"},
	{"pair error, database", whatsapp.StatusPairing, &events.PairError{ID: paired, Error: &whatsmeow.PairDatabaseError{Message: "failed to save device store", DBErr: errors.New("disk full")}}, whatsapp.StatusDisconnected, whatsapp.ActionForgetDevice, "could not be saved to the database"},
	{"pair error, signature", whatsapp.StatusPairing, &events.PairError{Error: whatsmeow.ErrPairInvalidDeviceSignature}, whatsapp.StatusDisconnected, whatsapp.ActionForgetDevice, "failed verification"},
	{"pair error, confirmation", whatsapp.StatusPairing, &events.PairError{Error: errors.New("failed to send pairing confirmation: websocket closed")}, whatsapp.StatusDisconnected, whatsapp.ActionForgetDevice, "confirmation could not be completed"},
	{"connected", whatsapp.StatusConnecting, &events.Connected{}, whatsapp.StatusConnected, whatsapp.ActionNone, "Connected to WhatsApp."},
	{"disconnected while connected", whatsapp.StatusConnected, &events.Disconnected{}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "closed the connection; reconnecting"},
	{"disconnected while connecting", whatsapp.StatusConnecting, &events.Disconnected{}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "reconnecting"},
	{"disconnected while pairing", whatsapp.StatusPairing, &events.Disconnected{}, whatsapp.StatusDisconnected, whatsapp.ActionStop, "before a QR code was scanned"},
	{"disconnected after logged out", whatsapp.StatusLoggedOut, &events.Disconnected{}, whatsapp.StatusLoggedOut, whatsapp.ActionNone, ""},
	{"disconnected after a ban", whatsapp.StatusBanned, &events.Disconnected{}, whatsapp.StatusBanned, whatsapp.ActionNone, ""},
	{"disconnected after replaced", whatsapp.StatusDisconnected, &events.Disconnected{}, whatsapp.StatusDisconnected, whatsapp.ActionNone, ""},
	{"logged out from the phone", whatsapp.StatusConnected, &events.LoggedOut{Reason: events.ConnectFailureLoggedOut}, whatsapp.StatusLoggedOut, whatsapp.ActionForgetDevice, "unlinked this device while it was connected"},
	{"logged out on connect", whatsapp.StatusConnecting, &events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureLoggedOut}, whatsapp.StatusLoggedOut, whatsapp.ActionForgetDevice, "The phone unlinked this device; pair again"},
	{"logged out, main device gone", whatsapp.StatusConnecting, &events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureMainDeviceGone}, whatsapp.StatusLoggedOut, whatsapp.ActionForgetDevice, "logged out or locked (code 403)"},
	{"logged out, 406 is a ban", whatsapp.StatusConnecting, &events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureUnknownLogout}, whatsapp.StatusBanned, whatsapp.ActionForgetDevice, "banned this account and unlinked the device (code 406)"},
	{"stream replaced", whatsapp.StatusConnected, &events.StreamReplaced{}, whatsapp.StatusDisconnected, whatsapp.ActionStop, "Another connection to this WhatsApp account replaced this one"},
	{"temporary ban", whatsapp.StatusConnecting, &events.TemporaryBan{Code: events.TempBanBlockedByUsers, Expire: 36 * time.Hour}, whatsapp.StatusBanned, whatsapp.ActionWaitUntil, "(code 102: too many people blocked you); the ban ends at 2026-03-05T17:06:07Z."},
	{"temporary ban, unknown code", whatsapp.StatusConnecting, &events.TemporaryBan{Code: 999, Expire: time.Hour}, whatsapp.StatusBanned, whatsapp.ActionWaitUntil, "(code 999: you may have violated the terms of service); the ban ends at 2026-03-04T06:06:07Z."},
	{"temporary ban, no expiry", whatsapp.StatusConnecting, &events.TemporaryBan{Code: events.TempBanSentToTooManyPeople}, whatsapp.StatusBanned, whatsapp.ActionStop, "did not say until when"},
	{"client outdated", whatsapp.StatusConnecting, &events.ClientOutdated{}, whatsapp.StatusDisconnected, whatsapp.ActionStop, "outdated; update wagate"},
	{"connect failure, logged out", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: events.ConnectFailureLoggedOut}, whatsapp.StatusLoggedOut, whatsapp.ActionForgetDevice, "unlinked this device"},
	{"connect failure, banned", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: events.ConnectFailureUnknownLogout}, whatsapp.StatusBanned, whatsapp.ActionForgetDevice, "code 406"},
	{"connect failure, temporarily banned", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: events.ConnectFailureTempBanned}, whatsapp.StatusBanned, whatsapp.ActionStop, "code 402"},
	{"connect failure, outdated", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: events.ConnectFailureClientOutdated}, whatsapp.StatusDisconnected, whatsapp.ActionStop, "outdated"},
	{"connect failure, server trouble", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: events.ConnectFailureServiceUnavailable}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "having trouble (code 503)"},
	{"connect failure, other", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: events.ConnectFailureBadUserAgent, Message: "bad ua"}, whatsapp.StatusDisconnected, whatsapp.ActionStop, `(code 409: client user agent was rejected), saying "bad ua"`},
	{"connect failure, unknown, no message", whatsapp.StatusConnecting, &events.ConnectFailure{Reason: 499}, whatsapp.StatusDisconnected, whatsapp.ActionStop, "(code 499: unknown error); connect again"},
	{"keepalive failing, still connected", whatsapp.StatusConnected, keepAlive(2, 50*time.Second), whatsapp.StatusConnected, whatsapp.ActionNone, "unstable: 2 keepalive pings failed, none answered for 50s"},
	{"keepalive failing for good", whatsapp.StatusConnected, keepAlive(7, 4*time.Minute), whatsapp.StatusConnecting, whatsapp.ActionReconnect, "stopped answering (7 keepalive pings failed)"},
	{"keepalive failing while reconnecting", whatsapp.StatusConnecting, keepAlive(1, time.Minute), whatsapp.StatusConnecting, whatsapp.ActionNone, ""},
	{"keepalive restored", whatsapp.StatusConnected, &events.KeepAliveRestored{}, whatsapp.StatusConnected, whatsapp.ActionNone, "answers keepalive pings again"},
	{"keepalive restored late", whatsapp.StatusConnecting, &events.KeepAliveRestored{}, whatsapp.StatusConnecting, whatsapp.ActionNone, ""},
	{"stream error", whatsapp.StatusConnected, &events.StreamError{Code: "500"}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, `unexpected error (code "500"); reconnecting`},
	{"stream error after logged out", whatsapp.StatusLoggedOut, &events.StreamError{Code: "500"}, whatsapp.StatusLoggedOut, whatsapp.ActionNone, ""},
	{"no route to WhatsApp", whatsapp.StatusConnecting, whatsapp.ConnectAttemptFailed{Err: dialFailure}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "WhatsApp's servers cannot be reached from this machine: the name web.whatsapp.com cannot be resolved (no such host); retrying."},
	{"network unreachable", whatsapp.StatusConnecting, whatsapp.ConnectAttemptFailed{Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "cannot be reached from this machine: there is no network route to them"},
	{"dial timeout", whatsapp.StatusConnecting, whatsapp.ConnectAttemptFailed{Err: fmt.Errorf("failed to dial whatsapp web websocket: %w", errTimeout{})}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "the connection attempt timed out"},
	{"handshake failure", whatsapp.StatusConnecting, whatsapp.ConnectAttemptFailed{Err: fmt.Errorf("failed to do handshake: %w", errors.New("unexpected EOF"))}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "cannot be reached from this machine: unexpected EOF; retrying."},
	{"login reconnect after pairing", whatsapp.StatusConnecting, &events.ManualLoginReconnect{}, whatsapp.StatusConnecting, whatsapp.ActionReconnect, "connecting again to log in as the linked device"},
	{"QR codes ran out", whatsapp.StatusPairing, whatsapp.PairingTimedOut{}, whatsapp.StatusDisconnected, whatsapp.ActionStop, "No phone scanned the QR code before the codes ran out"},
	{"QR codes ran out after pairing", whatsapp.StatusConnected, whatsapp.PairingTimedOut{}, whatsapp.StatusConnected, whatsapp.ActionNone, ""},
	{"an unrelated event", whatsapp.StatusConnected, &events.OfflineSyncCompleted{Count: 3}, whatsapp.StatusConnected, whatsapp.ActionNone, ""},
	{"nothing", whatsapp.StatusPairing, nil, whatsapp.StatusPairing, whatsapp.ActionNone, ""},
}

type errTimeout struct{}

func (errTimeout) Error() string { return "i/o timeout" }
func (errTimeout) Timeout() bool { return true }

// TestNext: each connection event leads to its status, action and reason; an event that
// does not apply in the current status changes nothing.
func TestNext(t *testing.T) {
	for _, c := range transitions {
		t.Run(c.name, func(t *testing.T) {
			got := whatsapp.Next(c.from, c.event, now)
			if got.Status != c.status || got.Action != c.action {
				t.Fatalf("Next(%s, %T) = %s, %s (%q); want %s, %s", c.from, c.event, got.Status, got.Action, got.Reason, c.status, c.action)
			}
			if c.reason == "" {
				if got.Reason != "" {
					t.Fatalf("an event that changes nothing gave the reason %q", got.Reason)
				}
				return
			}
			if !strings.Contains(got.Reason, c.reason) {
				t.Fatalf("reason %q does not say %q", got.Reason, c.reason)
			}
			wantSentence(t, got.Reason)
		})
	}
}

// wantSentence: a reason is one short sentence a person reads, not a Go error chain.
func wantSentence(t *testing.T, reason string) {
	t.Helper()
	first := []rune(reason)[0]
	if !unicode.IsUpper(first) || !strings.HasSuffix(reason, ".") || strings.Contains(reason, ". ") || len(reason) > 200 ||
		strings.Contains(reason, "failed to ") || strings.Contains(reason, "%!") || strings.Contains(reason, "\n") {
		t.Fatalf("reason %q is not one short plain sentence", reason)
	}
}

// TestNextDetails: what the manager records besides the status: the paired device, and
// when a temporary ban ends.
func TestNextDetails(t *testing.T) {
	got := whatsapp.Next(whatsapp.StatusPairing, &events.PairSuccess{ID: paired, LID: lid, BusinessName: "Acme", Platform: "smba"}, now)
	want := whatsapp.PairedDevice{JID: "5492235961983:7@s.whatsapp.net", LID: "123456789@lid", Phone: "+5492235961983", BusinessName: "Acme", Platform: "smba"}
	if got.Device == nil || *got.Device != want {
		t.Fatalf("paired device = %+v, want %+v", got.Device, want)
	}
	if got := whatsapp.Next(whatsapp.StatusPairing, &events.PairSuccess{ID: paired}, now); got.Device == nil || got.Device.LID != "" {
		t.Fatalf("without a LID: %+v", got.Device)
	}

	ban := whatsapp.Next(whatsapp.StatusConnected, &events.TemporaryBan{Code: events.TempBanBlockedByUsers, Expire: 36 * time.Hour}, now)
	if !ban.Until.Equal(now.Add(36 * time.Hour)) {
		t.Fatalf("ban until %s, want %s", ban.Until, now.Add(36*time.Hour))
	}
	for _, c := range transitions {
		if got := whatsapp.Next(c.from, c.event, now); (got.Action == whatsapp.ActionRecordDevice) != (got.Device != nil) ||
			(got.Action == whatsapp.ActionWaitUntil) != !got.Until.IsZero() {
			t.Errorf("%s: action %s with device %v and until %s", c.name, got.Action, got.Device, got.Until)
		}
	}
}

// TestStatusesAreTheStores: the statuses are the store's six, every status any event
// reaches is one of them, and the database (its CHECK included) records each.
func TestStatusesAreTheStores(t *testing.T) {
	storeStatuses := []store.SessionStatus{store.SessionDisconnected, store.SessionConnecting, store.SessionPairing, store.SessionConnected, store.SessionLoggedOut, store.SessionBanned}
	if len(whatsapp.Statuses) != len(storeStatuses) {
		t.Fatalf("%d statuses, the store has %d", len(whatsapp.Statuses), len(storeStatuses))
	}
	for _, st := range storeStatuses {
		if !slices.Contains(whatsapp.Statuses, whatsapp.Status(st)) {
			t.Errorf("the store's status %q is not a whatsapp.Status", st)
		}
	}
	for _, c := range transitions {
		for _, from := range whatsapp.Statuses {
			if got := whatsapp.Next(from, c.event, now).Status; !slices.Contains(whatsapp.Statuses, got) {
				t.Errorf("%s from %s reaches %q", c.name, from, got)
			}
		}
	}

	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org, err := s.CreateOrganization(ctx, "Acme", "AR")
		if err != nil {
			t.Fatal(err)
		}
		sess, err := s.CreateSession(ctx, org.ID, "main")
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range whatsapp.Statuses {
			got, err := s.SetSessionState(ctx, org.ID, sess.ID, store.SessionState{Status: store.SessionStatus(st), Reason: "test"})
			if err != nil || string(got.Status) != string(st) {
				t.Fatalf("recording %q: %+v, %v", st, got, err)
			}
		}
	})
}
