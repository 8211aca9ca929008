package client

import (
	"context"
	"mime"
)

// GetSessionQRPNG is the session's current QR code drawn as a PNG image, to show a person
// who scans it: GetSessionQR with format png. (GetSessionQR answers the JSON form; given
// format png, it reports that the answer is not JSON.) Any answer but 2xx is an *APIError.
func (c *Client) GetSessionQRPNG(ctx context.Context, sessionId SessionId, reqEditors ...RequestEditorFn) ([]byte, error) {
	format := GetSessionQRParamsFormatPng
	r, err := c.raw.GetSessionQRWithResponse(ctx, sessionId, &GetSessionQRParams{Format: &format}, reqEditors...)
	if err != nil {
		return nil, err
	}
	media, _, _ := mime.ParseMediaType(r.HTTPResponse.Header.Get("Content-Type"))
	if err := answer(r.HTTPResponse, r.Body, media == "image/png"); err != nil {
		return nil, err
	}
	return r.Body, nil
}
