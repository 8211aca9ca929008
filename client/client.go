// Package client calls wagate's HTTP API from Go.
//
// New returns a Client with one typed method per operation of the API: each answers the
// response's body as a value, and any answer other than 2xx as an *APIError carrying the status
// and the envelope's code, message and details:
//
//	c, err := client.New("http://localhost:8080", client.WithAPIKey(key))
//	list, err := c.CreateContactList(ctx, client.NewContactList{Name: "Leads"})
//	var apiErr *client.APIError
//	if errors.As(err, &apiErr) && apiErr.Code == client.ErrorCodeConflict { … }
//
// The models, RawClient and ClientWithResponses are generated from wagate's OpenAPI document
// (client.gen.go), as are Client's methods (methods.gen.go). ClientWithResponses answers every
// status as a value, for callers that want the raw response; Client.Responses returns the one a
// Client uses.
//
// The package imports no server code: a program that uses it does not link Echo or kin-openapi.
package client

import (
	"context"
	"net/http"
)

// Client is wagate's typed client. Its methods are safe for concurrent use.
type Client struct {
	raw *ClientWithResponses
}

// New returns a Client for the wagate at baseURL (for example "http://localhost:8080"), with
// options such as WithAPIKey or WithBearerToken (credentials), WithHTTPClient and
// WithRequestEditorFn. Without WithHTTPClient, a request is bounded only by its context: give
// each call a context with a deadline, or an *http.Client with a Timeout. Use the Client New
// returns: its zero value has no server to call.
func New(baseURL string, opts ...ClientOption) (*Client, error) {
	raw, err := NewClientWithResponses(baseURL, opts...)
	if err != nil {
		return nil, err
	}
	return &Client{raw: raw}, nil
}

// Responses is the generated client this Client calls, for a caller that wants the status and
// body of every answer rather than an error.
func (c *Client) Responses() *ClientWithResponses { return c.raw }

// WithAPIKey authenticates every request with an API key, sent as X-API-Key.
func WithAPIKey(key string) ClientOption {
	return WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-API-Key", key)
		return nil
	})
}

// WithBearerToken authenticates every request with a bearer token: an API key, or a login JWT
// when the server accepts them.
func WithBearerToken(token string) ClientOption {
	return WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}
