package server

import (
	"bytes"
	"context"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

const sessionsListing = "sessions"

// qrPixels is the side of the PNG of a QR code: large enough to scan from a screen at arm's
// length, small enough to stay a few kilobytes.
const qrPixels = 256

// Creating, reading and listing are the store's: the manager holds only running sessions.

func (h *handlers) CreateSession(ctx context.Context, req gen.CreateSessionRequestObject) (gen.CreateSessionResponseObject, error) {
	sess, err := h.store.CreateSession(ctx, principalFrom(ctx).Org.ID, req.Body.Name)
	if err != nil {
		return nil, err
	}
	return gen.CreateSession201JSONResponse(toAPISession(sess)), nil
}

func (h *handlers) ListSessions(ctx context.Context, req gen.ListSessionsRequestObject) (gen.ListSessionsResponseObject, error) {
	org := principalFrom(ctx).Org.ID
	limit, after, err := h.cursors.position(sessionsListing, org, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	sessions, more, err := h.store.ListSessions(ctx, org, after, limit)
	if err != nil {
		return nil, err
	}
	page := gen.ListSessions200JSONResponse{Items: make([]gen.Session, len(sessions))}
	for i, s := range sessions {
		page.Items[i] = toAPISession(s)
	}
	if len(sessions) > 0 {
		page.NextCursor = h.cursors.next(sessionsListing, org, sessions[len(sessions)-1].ID, more)
	}
	return page, nil
}

func (h *handlers) GetSession(ctx context.Context, req gen.GetSessionRequestObject) (gen.GetSessionResponseObject, error) {
	sess, err := h.store.Session(ctx, principalFrom(ctx).Org.ID, req.SessionId)
	if err != nil {
		return nil, err
	}
	return gen.GetSession200JSONResponse(toAPISession(sess)), nil
}

func (h *handlers) DeleteSession(ctx context.Context, req gen.DeleteSessionRequestObject) (gen.DeleteSessionResponseObject, error) {
	if err := h.sessions.Delete(ctx, principalFrom(ctx).Org.ID, req.SessionId); err != nil {
		return nil, err
	}
	h.lookups.Forget(req.SessionId) // its limiter: session ids are never reused
	return gen.DeleteSession204Response{}, nil
}

func (h *handlers) ConnectSession(ctx context.Context, req gen.ConnectSessionRequestObject) (gen.ConnectSessionResponseObject, error) {
	sess, err := h.sessions.Connect(ctx, principalFrom(ctx).Org.ID, req.SessionId)
	if err != nil {
		return nil, err
	}
	return gen.ConnectSession200JSONResponse(toAPISession(sess)), nil
}

func (h *handlers) DisconnectSession(ctx context.Context, req gen.DisconnectSessionRequestObject) (gen.DisconnectSessionResponseObject, error) {
	sess, err := h.sessions.Disconnect(ctx, principalFrom(ctx).Org.ID, req.SessionId)
	if err != nil {
		return nil, err
	}
	return gen.DisconnectSession200JSONResponse(toAPISession(sess)), nil
}

func (h *handlers) LogoutSession(ctx context.Context, req gen.LogoutSessionRequestObject) (gen.LogoutSessionResponseObject, error) {
	sess, err := h.sessions.Logout(ctx, principalFrom(ctx).Org.ID, req.SessionId)
	if err != nil {
		return nil, err
	}
	return gen.LogoutSession200JSONResponse(toAPISession(sess)), nil
}

// GetSessionQR answers the code as JSON, or drawn as a PNG for a person to scan from a
// browser.
func (h *handlers) GetSessionQR(ctx context.Context, req gen.GetSessionQRRequestObject) (gen.GetSessionQRResponseObject, error) {
	code, err := h.sessions.QR(ctx, principalFrom(ctx).Org.ID, req.SessionId)
	if err != nil {
		return nil, err
	}
	if f := req.Params.Format; f == nil || *f != gen.GetSessionQRParamsFormatPng {
		return gen.GetSessionQR200JSONResponse{Code: code.Code, ExpiresAt: code.ExpiresAt}, nil
	}
	// Medium error correction: WhatsApp's own QR codes use it, and a longer code stays
	// readable at qrPixels.
	png, err := qrcode.Encode(code.Code, qrcode.Medium, qrPixels)
	if err != nil {
		return nil, err // only for a code too long for any QR version: not WhatsApp's
	}
	return gen.GetSessionQR200ImagepngResponse{Body: bytes.NewReader(png), ContentLength: int64(len(png))}, nil
}

func (h *handlers) RequestPairingCode(ctx context.Context, req gen.RequestPairingCodeRequestObject) (gen.RequestPairingCodeResponseObject, error) {
	n, err := parsePhone(req.Body.Phone, "", "body", "/phone")
	if err != nil {
		return nil, err
	}
	code, err := h.sessions.PairPhone(ctx, principalFrom(ctx).Org.ID, req.SessionId, n)
	if err != nil {
		return nil, err
	}
	return gen.RequestPairingCode200JSONResponse{Code: code, Phone: n.E164}, nil
}

func toAPISession(s store.Session) gen.Session {
	out := gen.Session{
		Id: s.ID, Name: s.Name, Status: gen.SessionStatus(s.Status), Reason: s.Reason, StatusChangedAt: s.StatusChangedAt,
		Phone: null(s.Phone), PushName: null(s.PushName), DeviceJid: null(s.DeviceJID),
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
	// Present only while a retry is pending, as the spec says: attempt 0 is no retry.
	if s.ReconnectAttempt > 0 && s.NextRetryAt != nil {
		out.Reconnect = &gen.SessionReconnect{Attempt: int32(s.ReconnectAttempt), NextRetryAt: *s.NextRetryAt}
	}
	return out
}
