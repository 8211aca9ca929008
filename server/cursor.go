package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/wagate/wagate/gen"
)

// cursorSecretName is the server secret that signs page cursors.
const cursorSecretName = "page-cursor"

// Page sizes, as the spec declares them.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// cursors signs and checks page cursors. A cursor is the position after the last item of a
// page, bound to one list of one organization, and signed, so that a client can hand it back
// but not forge or alter it: anything else is a 400, never a 500 or a page of someone else's.
type cursors struct{ key []byte }

type cursorPayload struct {
	List  string `json:"l"` // which listing: "api-keys", "contact-lists", a scopedListing ...
	Org   string `json:"o"`
	After string `json:"a"`
}

// next returns the cursor of the page after one ending at after, or "" when there is none.
func (c cursors) next(list, orgID, after string, more bool) string {
	if !more {
		return ""
	}
	payload, _ := json.Marshal(cursorPayload{List: list, Org: orgID, After: after})
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(c.sign(payload))
}

func (c cursors) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// scopedListing names a listing narrowed to one parent (a session) and, when given, one set
// of filters: a cursor issued for it is refused for another session or other filters, where
// its position would silently skip or repeat rows. The scope goes in as a hash of its JSON
// (Go encodes a struct's fields in a fixed order), so that a cursor stays short whatever the
// filters hold: the Cursor parameter takes 512 characters, and a q of 200 characters may
// encode to over a kilobyte of JSON.
func scopedListing(list, parent string, filters any) string {
	scope, _ := json.Marshal([]any{parent, filters}) // strings and structs of strings: no error
	sum := sha256.Sum256(scope)
	return list + "/" + base64.RawURLEncoding.EncodeToString(sum[:16])
}

// position reads the limit and cursor of a listing request: the page size, and the position
// to start after ("" for the first page).
func (c cursors) position(list, orgID string, limit *gen.Limit, cursor *gen.Cursor) (int, string, error) {
	n := defaultLimit
	if limit != nil {
		n = int(*limit) // the validator holds it within 1..maxLimit
	}
	if cursor == nil || *cursor == "" {
		return n, "", nil
	}
	after, err := c.after(list, orgID, *cursor, "cursor", "query")
	return n, after, err
}

// after reads a cursor of a listing, sent as the request's field (field and in as fieldError
// spells them): the position to start after.
func (c cursors) after(list, orgID, cursor, field, in string) (string, error) {
	bad := invalid(fieldError{Field: field, In: in, Message: "is not a cursor this server issued for this listing; start again without it"})
	encPayload, encMAC, ok := strings.Cut(cursor, ".")
	// Strict: a lenient decoder ignores the padding bits of the last character, so one
	// cursor would have several spellings.
	payload, err1 := base64.RawURLEncoding.Strict().DecodeString(encPayload)
	mac, err2 := base64.RawURLEncoding.Strict().DecodeString(encMAC)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(mac, c.sign(payload)) {
		return "", bad
	}
	var p cursorPayload
	if err := json.Unmarshal(payload, &p); err != nil || p.List != list || p.Org != orgID || p.After == "" {
		return "", bad
	}
	return p.After, nil
}
