package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
)

// TestEveryWritableFieldRoundTrips creates a contact with every field a caller sends, each set
// from the declaration to a value of its own, reads it back, patches every one of them to
// another value and reads it back again. A field that the create or the patch handler does not
// map, or that the answer does not carry, comes back with the wrong value.
func TestEveryWritableFieldRoundTrips(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		lists := []int64{newList(t, c, "Primera").Id, newList(t, c, "Segunda").Id}
		// National spellings read under a region that is not the organization's (AR): without
		// the countryCode hint they would be refused or read as another number.
		phones := []struct{ sent, region, e164 string }{
			{"55 1234 5678", "MX", "+525512345678"},
			{"(11) 91234-5678", "BR", "+5511912345678"},
		}
		var id int64
		for round := range 2 {
			body, want := map[string]any{}, map[string]any{}
			for i, f := range store.ContactFieldList {
				if !f.Sent() {
					continue
				}
				sent, back := sampleValue(f, round, i, lists, phones[round].sent, phones[round].region, phones[round].e164)
				body[f.JSON], want[f.JSON] = sent, back
			}
			method, path, status := http.MethodPost, "/api/v1/contacts", http.StatusCreated
			if round > 0 {
				method, path, status = http.MethodPatch, fmt.Sprintf("/api/v1/contacts/%d", id), http.StatusOK
			}
			got := contactBody(t, h, method, path, body, status)
			id = int64(got["id"].(float64))
			read := contactBody(t, h, http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", id), nil, http.StatusOK)
			for name, w := range want {
				for what, answer := range map[string]map[string]any{method: got, "GET": read} {
					if !reflect.DeepEqual(answer[name], w) {
						t.Errorf("round %d: %s answers %s = %#v, want %#v", round, what, name, answer[name], w)
					}
				}
			}
		}
	})
}

// sampleValue is a value for field f that no other field or round gets, as sent and as the
// answer carries it (decoded from JSON).
func sampleValue(f store.ContactField, round, i int, lists []int64, phone, region, e164 string) (sent, back any) {
	tag := fmt.Sprintf("%s-%d", f.JSON, round)
	switch f.Type {
	case store.FieldInt64: // the only caller-written integer is the contact's list
		return lists[round], float64(lists[round])
	case store.FieldInt32:
		n := 100*round + i
		return n, float64(n)
	case store.FieldEmail:
		s := strings.ToLower(tag) + "@example.com"
		return s, s
	case store.FieldPhone:
		return phone, e164
	case store.FieldRegion: // a hint: the answer carries the number's region, here the same
		return region, region
	case store.FieldTime:
		s := time.Date(2025, 3, 1+round, 10, i, 0, 0, time.UTC).Format(time.RFC3339)
		return s, s
	case store.FieldTags:
		return []string{tag, tag + "-b"}, []any{tag, tag + "-b"}
	case store.FieldObject:
		return map[string]any{"field": tag}, map[string]any{"field": tag}
	}
	return tag, tag
}

// contactBody sends body and returns the contact answered, failing unless the status is want.
func contactBody(t *testing.T, h *harness, method, path string, body map[string]any, want int) map[string]any {
	t.Helper()
	var raw string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(b)
	}
	status, answer, _ := h.do(method, path, raw, "X-API-Key", h.admin)
	if status != want {
		t.Fatalf("%s %s %s: %d %s", method, path, raw, status, answer)
	}
	var out map[string]any
	if err := json.Unmarshal(answer, &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, answer)
	}
	return out
}
