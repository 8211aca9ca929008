package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp/phone"
)

var ctx = context.Background()

// wantCode fails the test unless err carries the store error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := store.ErrorCode(err); got != want {
		t.Fatalf("error = %v (code %q), want code %q", err, got, want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustPhone(t *testing.T, raw string) phone.Number {
	t.Helper()
	n, err := phone.Parse(raw, "AR")
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return n
}

func newOrg(t *testing.T, s *store.Store, name string) store.Organization {
	t.Helper()
	return must[store.Organization](t)(s.CreateOrganization(ctx, name, "AR"))
}

func newList(t *testing.T, s *store.Store, orgID, name string) store.ContactList {
	t.Helper()
	return must[store.ContactList](t)(s.CreateContactList(ctx, orgID, store.NewContactList{Name: name}))
}

func newContact(t *testing.T, s *store.Store, orgID string, listID int64, raw string) store.Contact {
	t.Helper()
	return must[store.Contact](t)(s.CreateContact(ctx, orgID, store.NewContact{ListID: listID, Phone: mustPhone(t, raw)}))
}

func ptr[T any](v T) *T { return &v }

func TestTimestampsKeepMicrosecondsAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		n := mustPhone(t, "+5492235961983")
		base := time.Date(2025, 3, 28, 14, 22, 0, 0, time.UTC)
		// Whole seconds after fractions: text comparison of RFC 3339 with trimmed fractions
		// would put ...:00Z after ...:00.5Z; the stored layout must not.
		for _, at := range []time.Time{base.Add(500 * time.Millisecond), base, base.Add(123456 * time.Microsecond)} {
			if err := s.RecordInbound(ctx, org.ID, store.InboundMessage{SessionID: "sess_A", From: n, At: at, Direct: true}); err != nil {
				t.Fatal(err)
			}
		}
		l := must[store.Lookup](t)(s.LookupContact(ctx, org.ID, n.MatchKey, ""))
		if want := base.Add(500 * time.Millisecond); l.LastReplyAt == nil || !l.LastReplyAt.Equal(want) {
			t.Fatalf("LastReplyAt = %v, want %v", l.LastReplyAt, want)
		}
	})
}
