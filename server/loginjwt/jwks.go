package loginjwt

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/json"
)

// maxJWKSBytes bounds the JWKS response. Real sets are a few kilobytes; the bound keeps a
// misbehaving or hostile endpoint from making us buffer without limit.
const maxJWKSBytes = 1 << 20

// keySet is one successfully fetched JWKS, reduced to the keys that can verify a token. It is
// never modified after the fetch, so readers share it without locking.
type keySet struct {
	keys      []jose.JSONWebKey
	fetchedAt time.Time
}

// keyCache holds the current key set and decides when to fetch a new one.
//
// Every fetch, whatever triggered it (first use, an unknown kid, the TTL), is shared: callers
// that need keys while one is in flight wait for it instead of starting their own, and a new
// fetch starts no sooner than minRefresh after the previous one started, whether that one
// succeeded or not. Without the limit, tokens with made-up kids, or a JWKS endpoint that is
// down, would turn every request into a request to the identity provider.
type keyCache struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	minRefresh time.Duration
	ttl        time.Duration
	now        func() time.Time

	mu       sync.Mutex
	set      *keySet    // the last good set; nil until a fetch succeeds
	lastTry  time.Time  // when the last fetch started; zero before the first
	lastErr  error      // why the last fetch failed; nil when it succeeded
	inflight *fetchCall // the fetch under way, if any

	fetches sync.WaitGroup // lets tests wait for a background fetch to finish
}

// fetchCall is one fetch that any number of callers may wait for.
type fetchCall struct {
	done chan struct{} // closed when set and err are final
	set  *keySet
	err  error
}

// current returns the set to verify with. Only the first call waits for the network; later
// ones get the cached set at once and, when it is older than the TTL, start a refresh in the
// background so that removed keys eventually stop verifying. A set whose background
// refreshes fail keeps being used: an identity provider that is briefly down should not log
// everybody out.
func (c *keyCache) current(ctx context.Context) (*keySet, error) {
	c.mu.Lock()
	set := c.set
	if set != nil {
		if c.now().Sub(set.fetchedAt) >= c.ttl && c.inflight == nil && c.mayFetchLocked() {
			c.startLocked(ctx)
		}
		c.mu.Unlock()
		return set, nil
	}
	c.mu.Unlock()
	return c.refresh(ctx, nil)
}

// refresh returns a set newer than seen: one that another caller already fetched, the one
// being fetched now, or a new fetch. When the rate limit forbids a fetch it returns the
// outcome of the last one, so the caller sees either the current set or why it is missing.
func (c *keyCache) refresh(ctx context.Context, seen *keySet) (*keySet, error) {
	c.mu.Lock()
	if c.set != seen {
		set := c.set
		c.mu.Unlock()
		return set, nil
	}
	call := c.inflight
	if call == nil {
		if !c.mayFetchLocked() {
			set, err := c.set, c.lastErr
			c.mu.Unlock()
			if err != nil {
				return nil, err
			}
			return set, nil
		}
		call = c.startLocked(ctx)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.set, call.err
	case <-ctx.Done():
		return nil, keysUnavailable("waiting for JWKS %s: %w", c.url, ctx.Err())
	}
}

// mayFetchLocked applies the rate limit. c.mu must be held.
func (c *keyCache) mayFetchLocked() bool {
	return c.lastTry.IsZero() || c.now().Sub(c.lastTry) >= c.minRefresh
}

// startLocked starts a fetch and records it as in flight. c.mu must be held. The fetch does
// not inherit ctx's cancellation: other callers may be waiting for it, and one of them giving
// up must not fail the rest. Its own timeout bounds it instead.
func (c *keyCache) startLocked(ctx context.Context) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	c.inflight = call
	c.lastTry = c.now()
	fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	c.fetches.Add(1)
	go func() {
		defer c.fetches.Done()
		defer cancel()
		set, err := c.fetch(fetchCtx)

		c.mu.Lock()
		if err == nil {
			c.set = set
		}
		c.lastErr = err
		c.inflight = nil
		call.set, call.err = set, err
		c.mu.Unlock()
		close(call.done)
	}()
	return call
}

// fetch downloads and parses the JWKS. Every failure wraps ErrKeysUnavailable.
func (c *keyCache) fetch(ctx context.Context) (*keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, keysUnavailable("JWKS %s: %v", c.url, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, keysUnavailable("fetching JWKS: %v", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, keysUnavailable("JWKS %s answered %s", c.url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !isJSON(ct) {
		return nil, keysUnavailable("JWKS %s answered with content type %q, want JSON", c.url, ct)
	}
	// Read one byte past the limit to tell "exactly at the limit" from "cut off".
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, keysUnavailable("reading JWKS %s: %v", c.url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, keysUnavailable("JWKS %s is larger than %d bytes", c.url, maxJWKSBytes)
	}
	keys, err := parseKeys(body)
	if err != nil {
		return nil, keysUnavailable("JWKS %s: %v", c.url, err)
	}
	return &keySet{keys: keys, fetchedAt: c.now()}, nil
}

// isJSON accepts application/json and any +json type such as application/jwk-set+json.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// parseKeys decodes a JWKS and keeps the keys that can verify a token. Keys are decoded one
// by one because jose.JSONWebKeySet fails as a whole on a single key it does not support
// (an X25519 key, say), and a set with one odd key must not stop every login.
//
// A set with no usable key is an error rather than an empty set: it is far more likely a
// broken deployment of the identity provider than a wish to refuse every token, and treating
// it as a failed fetch keeps the previous good set in use.
func parseKeys(body []byte) ([]jose.JSONWebKey, error) {
	// go-jose's json package, unlike encoding/json, matches member names case-sensitively
	// and rejects duplicate members, so the set cannot be read two ways.
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(raw); err != nil {
			continue
		}
		if signingKey(key) {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil, errNoUsableKeys
	}
	return keys, nil
}

var errNoUsableKeys = errors.New("the set has no usable signing key")
