package whatsapp

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/wagate/wagate/whatsapp/phone"
)

// QRCode is the code a phone scans to pair, and when WhatsApp replaces it with the next.
type QRCode struct {
	Code      string
	ExpiresAt time.Time
}

// pairPhoneTimeout bounds the request for a pairing code: WhatsApp answers it in a round trip.
const pairPhoneTimeout = 30 * time.Second

// followQR follows the QR channel of the client of generation gen through its life: each
// code is shown until its timeout (whatsmeow gives the first 60 s, the next five 20 s), and
// the channel's end is the session's (PairSuccess and PairError arrive as events too; a
// timeout only here).
func (s *liveSession) followQR(ctx context.Context, gen int, ch <-chan whatsmeow.QRChannelItem) {
	for {
		var item whatsmeow.QRChannelItem
		var ok bool
		select {
		case <-ctx.Done():
			// whatsmeow does not close a channel whose connection never showed a code.
			return
		case item, ok = <-ch:
			if !ok {
				return
			}
		}
		switch item.Event {
		case whatsmeow.QRChannelEventCode:
			s.mu.Lock()
			if gen == s.gen {
				s.qr = QRCode{Code: item.Code, ExpiresAt: s.m.now().Add(item.Timeout).UTC()}
			}
			s.mu.Unlock()
		case whatsmeow.QRChannelTimeout.Event:
			s.clearQR(gen)
			s.handle(gen, PairingTimedOut{})
		case whatsmeow.QRChannelScannedWithoutMultidevice.Event:
			// The channel goes on with the code in view: another phone may scan it.
		default:
			// success, or an error that an event (PairError, ClientOutdated, ...) reports.
			s.clearQR(gen)
		}
	}
}

func (s *liveSession) clearQR(gen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen == s.gen {
		s.qr = QRCode{}
	}
}

// pairingClient is the client of a session that shows QR codes now, with the code; nil when
// it shows none.
func (s *liveSession) pairingClient() (Live, QRCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil || s.qr.Code == "" || !s.m.now().Before(s.qr.ExpiresAt) {
		return nil, QRCode{}
	}
	return s.client, s.qr
}

// QR is the code a phone scans now to pair the organization's session. ECONFLICT, saying
// why, when the session is paired or shows no code (not connected, or WhatsApp not reached).
func (m *Manager) QR(ctx context.Context, orgID, id string) (QRCode, error) {
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return QRCode{}, err
	}
	if sess.DeviceJID != nil {
		return QRCode{}, alreadyPaired(sess.Phone)
	}
	s := m.running(id)
	if s == nil {
		return QRCode{}, conflict("session %s shows no QR code: it is %s, not pairing; connect it to get one", id, sess.Status)
	}
	_, code := s.pairingClient()
	if code.Code == "" {
		return QRCode{}, conflict("session %s shows no QR code yet: %s", id, sess.Reason)
	}
	return code, nil
}

// PairPhone asks WhatsApp for the code to type on the phone of n, in place of scanning a QR
// code (WhatsApp's "link with phone number"). The session must be showing QR codes: whatsmeow
// asks for the code on that connection.
func (m *Manager) PairPhone(ctx context.Context, orgID, id string, n phone.Number) (string, error) {
	sess, err := m.session(ctx, orgID, id)
	if err != nil {
		return "", err
	}
	if sess.DeviceJID != nil {
		return "", alreadyPaired(sess.Phone)
	}
	s := m.running(id)
	var client Live
	if s != nil {
		client, _ = s.pairingClient()
	}
	if client == nil {
		return "", conflict("session %s cannot ask for a pairing code now: connect it and wait until its status is pairing (it is %s: %s)", id, sess.Status, sess.Reason)
	}
	ctx, cancel := context.WithTimeout(ctx, pairPhoneTimeout)
	defer cancel()
	// whatsmeow requires a display name of the form "Browser (OS)"; the phone shows it.
	code, err := client.PairPhone(ctx, n.E164, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		return "", liveCallError("send a pairing code", err)
	}
	return code, nil
}

func alreadyPaired(phone *string) error {
	with := "a phone"
	if phone != nil {
		with = *phone
	}
	return conflict("the session is already paired with %s; log it out first to pair another phone", with)
}

func conflict(format string, args ...any) error {
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf(format, args...)}
}
