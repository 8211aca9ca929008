package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
)

// TestInputBothDatabasesCannotKeep: values one database would store and the other refuse,
// or that JSON could not carry back, are 400s, and nothing is written.
func TestInputBothDatabasesCannotKeep(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		list := newList(t, c, "l")
		id := string(must(json.Marshal(list.Id)))
		for path, body := range map[string]string{
			"/api/v1/contacts#far lastCallAt":   `{"contactListId": ` + id + `, "phone": "5492235961983", "lastCallAt": "9999-12-31T23:59:59-12:00"}`,
			"/api/v1/contacts#year 0":           `{"contactListId": ` + id + `, "phone": "5492235961983", "lastCallAt": "0000-06-01T00:00:00Z"}`,
			"/api/v1/api-keys#far expiresAt":    `{"name": "far", "capabilities": ["read"], "expiresAt": "9999-12-31T23:59:59-12:00"}`,
			"/api/v1/contact-lists#NUL in name": `{"name": "a\u0000b"}`,
			"/api/v1/contacts#NUL in metadata":  `{"contactListId": ` + id + `, "phone": "5492235961983", "metadata": {"k": ["x\u0000"]}}`,
			"/api/v1/contacts#NUL in a key":     `{"contactListId": ` + id + `, "phone": "5492235961983", "metadata": {"\u0000": 1}}`,
			"/api/v1/contacts#NUL in a tag":     `{"contactListId": ` + id + `, "phone": "5492235961983", "tags": ["\u0000"]}`,
		} {
			path, _, _ = strings.Cut(path, "#")
			status, resp, _ := h.do("POST", path, body, "X-API-Key", h.admin)
			envelope(t, status, resp, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		for _, path := range []string{"/api/v1/contact-lookup/?phone=5492235961983", "/api/v1/api-keys", "/api/v1/contact-lists"} {
			if status, resp, _ := h.do("GET", path, "", "X-API-Key", h.admin); status != http.StatusOK || strings.Contains(string(resp), `"found":true`) {
				t.Fatalf("GET %s after refused input: %d %s", path, status, resp)
			}
		}
	})
}
