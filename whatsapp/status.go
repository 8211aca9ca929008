package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"
)

// Status is where a session stands. The values are the ones the store records (its CHECK
// constraint allows exactly these), so the manager can store a Status as it is.
type Status string

const (
	StatusDisconnected Status = "disconnected" // not connected, and not trying to be
	StatusConnecting   Status = "connecting"   // connecting, or waiting to retry
	StatusPairing      Status = "pairing"      // showing QR codes, waiting for a phone to scan one
	StatusConnected    Status = "connected"    // logged in: live lookups can run
	StatusLoggedOut    Status = "logged_out"   // the phone unlinked the device: it needs a new pairing
	StatusBanned       Status = "banned"       // WhatsApp banned the account, maybe for a while
)

// Statuses are every Status, in the order a session usually meets them.
var Statuses = []Status{StatusDisconnected, StatusConnecting, StatusPairing, StatusConnected, StatusLoggedOut, StatusBanned}

// Action is what the session manager must do after a transition, besides recording it.
type Action int

const (
	ActionNone Action = iota
	// ActionReconnect: retry after the backoff's next delay. The manager keeps one retry
	// loop per session, so a second ActionReconnect while one is pending changes nothing
	// (whatsmeow can send StreamError and then Disconnected for one drop).
	ActionReconnect
	// ActionForgetDevice: the device is unlinked. Clear the session's device fields and
	// delete its keys (whatsmeow already deleted them for LoggedOut; deleting is idempotent).
	// A new pairing is needed.
	ActionForgetDevice
	// ActionWaitUntil: banned for a while. Do not reconnect before Transition.Until.
	ActionWaitUntil
	// ActionRecordDevice: pairing succeeded; record Transition.Device on the session.
	ActionRecordDevice
	// ActionStop: do not reconnect; a person must act (another connection took over, wagate
	// is outdated, or WhatsApp refused us for a reason retrying will not fix).
	ActionStop
)

var actionNames = [...]string{"none", "reconnect", "forget device", "wait until", "record device", "stop"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// PairedDevice is the device a pairing produced, as PairSuccess tells it. PairSuccess
// carries no push name: the manager reads it from the device store once Connected.
type PairedDevice struct {
	JID          string // user:device@s.whatsapp.net
	LID          string // the account's hidden id, when WhatsApp sent one
	Phone        string // E.164, from the JID's user part
	BusinessName string // set for WhatsApp Business accounts only
	Platform     string // the phone's platform, as WhatsApp names it (android, smba, iphone, ...)
}

// Transition is a session's next state after an event.
type Transition struct {
	Status Status
	// Reason says why, for a person, as one sentence. Empty when the event changes nothing:
	// the manager then records nothing and keeps the reason it has.
	Reason string
	Action Action
	Device *PairedDevice // for ActionRecordDevice
	// Until is when a temporary ban ends, for ActionWaitUntil.
	Until time.Time
}

// ConnectAttemptFailed is the event the manager passes when connecting failed before
// whatsmeow sent any event: ConnectContext returned Err (most often, WhatsApp cannot be
// dialled).
type ConnectAttemptFailed struct{ Err error }

// PairingTimedOut is the event the manager passes when the QR channel ran out of codes:
// nobody scanned one in time (about 160 s: a first code for 60 s, then five for 20 s).
type PairingTimedOut struct{}

// keepAliveGiveUp is how long keepalives may fail before whatsmeow itself drops the
// connection to reconnect; past it, the session is no longer connected in any useful sense.
var keepAliveGiveUp = whatsmeow.KeepAliveMaxFailTime

// Next is the session's state after event, given its current status and the time now.
// event is what whatsmeow hands to an event handler (always a pointer, such as
// *events.Connected) or a ConnectAttemptFailed. An event that does not
// concern the session's connection returns cur unchanged with no reason and no action.
//
// whatsmeow dispatches most connection events on goroutines of their own, so they can
// arrive out of order: an event that makes no sense in the current status (a Disconnected
// after LoggedOut, a keepalive event while not connected) changes nothing.
func Next(cur Status, event any, now time.Time) Transition {
	unchanged := Transition{Status: cur}
	switch e := event.(type) {
	case *events.QR:
		return Transition{Status: StatusPairing, Reason: "Waiting for a phone to scan the QR code: in WhatsApp, open Linked devices and choose Link a device."}
	case *events.QRScannedWithoutMultidevice:
		return Transition{Status: StatusPairing, Reason: "The QR code was scanned by a phone without multi-device support; update WhatsApp on the phone and scan again."}
	case *events.PairSuccess:
		d := &PairedDevice{JID: e.ID.String(), Phone: "+" + e.ID.User, BusinessName: e.BusinessName, Platform: e.Platform}
		if !e.LID.IsEmpty() {
			d.LID = e.LID.String()
		}
		return Transition{Status: StatusConnecting, Action: ActionRecordDevice, Device: d,
			Reason: fmt.Sprintf("Paired with the WhatsApp account of %s; connecting as its linked device.", d.Phone)}
	case *events.PairError:
		return Transition{Status: StatusDisconnected, Action: ActionForgetDevice,
			Reason: fmt.Sprintf("Pairing failed: %s; connect again to get a new QR code.", pairFailure(e.Error))}
	case *events.Connected:
		return Transition{Status: StatusConnected, Reason: "Connected to WhatsApp."}
	case *events.Disconnected:
		switch cur {
		case StatusConnected, StatusConnecting:
			return Transition{Status: StatusConnecting, Action: ActionReconnect, Reason: "WhatsApp closed the connection; reconnecting."}
		case StatusPairing:
			// An unpaired device has nothing to reconnect with: whatsmeow does not retry it either.
			return Transition{Status: StatusDisconnected, Action: ActionStop,
				Reason: "The connection closed before a QR code was scanned; connect again for new codes."}
		}
		return unchanged
	case *events.LoggedOut:
		return loggedOut(e.Reason, e.OnConnect)
	case *events.StreamReplaced:
		return Transition{Status: StatusDisconnected, Action: ActionStop,
			Reason: "Another connection to this WhatsApp account replaced this one; make sure only one wagate runs this session, then connect again."}
	case *events.TemporaryBan:
		return temporaryBan(e.Code, e.Expire, now)
	case *events.ClientOutdated:
		return clientOutdated()
	case *events.ConnectFailure:
		return connectFailure(e.Reason, e.Message)
	case *events.KeepAliveTimeout:
		if cur != StatusConnected {
			return unchanged
		}
		silent := now.Sub(e.LastSuccess).Round(time.Second)
		if e.LastSuccess.IsZero() || silent > keepAliveGiveUp {
			return Transition{Status: StatusConnecting, Action: ActionReconnect,
				Reason: fmt.Sprintf("WhatsApp stopped answering (%d keepalive pings failed); reconnecting.", e.ErrorCount)}
		}
		return Transition{Status: StatusConnected,
			Reason: fmt.Sprintf("Connected, but the connection is unstable: %d keepalive pings failed, none answered for %s.", e.ErrorCount, silent)}
	case *events.KeepAliveRestored:
		if cur != StatusConnected {
			return unchanged
		}
		return Transition{Status: StatusConnected, Reason: "Connected; WhatsApp answers keepalive pings again."}
	case *events.StreamError:
		if cur == StatusDisconnected || cur == StatusLoggedOut || cur == StatusBanned {
			return unchanged
		}
		return Transition{Status: StatusConnecting, Action: ActionReconnect,
			Reason: fmt.Sprintf("WhatsApp ended the connection with an unexpected error (code %q); reconnecting.", e.Code)}
	case ConnectAttemptFailed:
		return connectAttemptFailed(e.Err)
	case *events.ManualLoginReconnect:
		// After a pairing, WhatsApp closes the connection (stream error 515) for the device to
		// log in on a new one. whatsmeow is set to leave that to the manager, so that a failed
		// reconnect is retried and shown like any other.
		return Transition{Status: StatusConnecting, Action: ActionReconnect,
			Reason: "Paired; connecting again to log in as the linked device, as WhatsApp asks after a pairing."}
	case PairingTimedOut:
		if cur != StatusPairing && cur != StatusConnecting {
			return unchanged
		}
		return Transition{Status: StatusDisconnected, Action: ActionStop,
			Reason: "No phone scanned the QR code before the codes ran out; connect again for new codes."}
	}
	return unchanged
}

// loggedOut follows whatsmeow's LoggedOut: it has already deleted the device's keys. 406 is
// what WhatsApp's own web client calls BANNED, though whatsmeow reports it as a logout.
func loggedOut(reason events.ConnectFailureReason, onConnect bool) Transition {
	if reason == events.ConnectFailureUnknownLogout {
		return Transition{Status: StatusBanned, Action: ActionForgetDevice,
			Reason: "WhatsApp banned this account and unlinked the device (code 406); a new pairing is needed once the ban is lifted."}
	}
	why := "The phone unlinked this device"
	switch {
	case reason == events.ConnectFailureMainDeviceGone:
		why = "WhatsApp unlinked this device because the phone's account was logged out or locked (code 403)"
	case !onConnect:
		why = "The phone unlinked this device while it was connected"
	}
	return Transition{Status: StatusLoggedOut, Action: ActionForgetDevice, Reason: why + "; pair again to use this session."}
}

func temporaryBan(code events.TempBanReason, expire time.Duration, now time.Time) Transition {
	// whatsmeow's words for an unknown code end in "(unknown error)": no parentheses in ours.
	why := fmt.Sprintf("WhatsApp banned this account for a while (code %s)", strings.TrimSuffix(code.String(), " (unknown error)"))
	if expire <= 0 {
		return Transition{Status: StatusBanned, Action: ActionStop, Reason: why + "; it did not say until when, so connect again later."}
	}
	// Rounded up to the second, as it is shown: never a reconnect before the ban ends.
	until := now.Add(expire).UTC()
	if t := until.Truncate(time.Second); t.Before(until) {
		until = t.Add(time.Second)
	}
	return Transition{Status: StatusBanned, Action: ActionWaitUntil, Until: until,
		Reason: fmt.Sprintf("%s; the ban ends at %s.", why, until.Format(time.RFC3339))}
}

func clientOutdated() Transition {
	return Transition{Status: StatusDisconnected, Action: ActionStop,
		Reason: "WhatsApp refuses this version of wagate as outdated; update wagate, then connect again."}
}

// connectFailure follows a ConnectFailure. whatsmeow turns the failures it knows into
// other events, so these branches mostly guard against it changing which it turns.
func connectFailure(reason events.ConnectFailureReason, message string) Transition {
	switch {
	case reason.IsLoggedOut():
		return loggedOut(reason, true)
	case reason == events.ConnectFailureTempBanned:
		// TemporaryBan carries the code and expiry; a bare failure 402 has neither.
		return Transition{Status: StatusBanned, Action: ActionStop,
			Reason: "WhatsApp banned this account for a while (code 402) and did not say until when; connect again later."}
	case reason == events.ConnectFailureClientOutdated:
		return clientOutdated()
	case reason >= 500:
		return Transition{Status: StatusConnecting, Action: ActionReconnect,
			Reason: fmt.Sprintf("WhatsApp's servers are having trouble (code %d); reconnecting.", int(reason))}
	}
	why := fmt.Sprintf("WhatsApp refused the connection (code %s)", reason)
	if message != "" {
		why += fmt.Sprintf(", saying %q", message)
	}
	return Transition{Status: StatusDisconnected, Action: ActionStop, Reason: why + "; connect again to retry."}
}

// connectAttemptFailed follows a failed dial. The manager does not pass the failure of an
// attempt it cancelled itself (disconnect, or the service stopping): the session's recorded
// state then stays as the API or the last event left it.
func connectAttemptFailed(err error) Transition {
	return Transition{Status: StatusConnecting, Action: ActionReconnect,
		Reason: fmt.Sprintf("WhatsApp's servers cannot be reached from this machine: %s; retrying.", unreachable(err))}
}

// unreachable says in plain words why a dial failed; the error's own text is a chain of
// Go prefixes ("failed to dial whatsapp web websocket: dial tcp: lookup ...").
func unreachable(err error) string {
	var dns *net.DNSError
	switch {
	case err == nil:
		return "the connection failed for an unknown reason"
	case errors.As(err, &dns):
		return fmt.Sprintf("the name %s cannot be resolved (%s)", dns.Name, dns.Err)
	case errors.Is(err, syscall.ENETUNREACH):
		return "there is no network route to them"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "there is no route to their host"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) || isTimeout(err):
		return "the connection attempt timed out"
	}
	return innermost(err).Error()
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// innermost is the end of err's chain (its first branch where it joins several): the part
// of the text without the prefixes the layers above added.
func innermost(err error) error {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		}
		if next == nil {
			return err
		}
		err = next
	}
}

// pairFailure says in plain words why whatsmeow could not finish a pairing.
func pairFailure(err error) string {
	var dbErr *whatsmeow.PairDatabaseError
	var protoErr *whatsmeow.PairProtoError
	switch {
	case err == nil:
		return "for an unknown reason"
	case errors.Is(err, whatsmeow.ErrPairInvalidDeviceIdentityHMAC), errors.Is(err, whatsmeow.ErrPairInvalidDeviceSignature):
		return "the phone's answer failed verification"
	case errors.Is(err, whatsmeow.ErrPairRejectedLocally):
		return "wagate refused the phone that scanned the code"
	case errors.As(err, &dbErr):
		return "the new device's keys could not be saved to the database"
	case errors.As(err, &protoErr):
		return "WhatsApp's answer could not be read"
	}
	return "the phone's confirmation could not be completed"
}
