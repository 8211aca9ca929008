package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/client"
)

// TestNumbersJSONSchemaAcceptsAndGoDoesNot: 1.0 and 2^63 are integers to JSON Schema but not
// int64s; the generated decoder refuses them, and the answer still names the field.
func TestNumbersJSONSchemaAcceptsAndGoDoesNot(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, id := range []string{"1.0", "9223372036854775808"} {
			status, body, _ := h.do("POST", "/api/v1/contacts", `{"contactListId": `+id+`, "phone": "5492235961983"}`, "X-API-Key", h.admin)
			e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
			if got := fieldsAtFault(t, e); !slices.Equal(got, []string{"/contactListId"}) {
				t.Fatalf("contactListId %s: fields at fault %q: %s", id, got, body)
			}
		}
		status, body, _ := h.do("GET", "/api/v1/contact-lookup/?phone=5492235961983&phone=1", "", "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
		if !strings.Contains(string(body), `"field":"phone"`) {
			t.Fatalf("two phones: %s", body)
		}
		// A store rule names its field too: a list name of spaces only.
		status, body, _ = h.do("POST", "/api/v1/contact-lists", `{"name": "   "}`, "X-API-Key", h.admin)
		envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
		if !strings.Contains(string(body), `"field":"/name"`) {
			t.Fatalf("blank name: %s", body)
		}
		status, body, _ = h.do("POST", "/api/v1/contacts", `{"contactListId": 1,`, "X-API-Key", h.admin)
		if e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError); e.Message != "request body: is not valid JSON" {
			t.Fatalf("broken JSON message = %q", e.Message)
		}
	})
}
