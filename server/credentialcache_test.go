package server

import (
	"context"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestRevokeDuringARead: a request that read the key just before it was revoked must not put
// the unrevoked key back in the cache, where it would keep working for credentialTTL.
func TestRevokeDuringARead(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, storetest.SQLite)
	org, err := s.CreateOrganization(ctx, "acme", "AR")
	if err != nil {
		t.Fatal(err)
	}
	key, secret, err := s.CreateAPIKey(ctx, org.ID, store.NewAPIKey{Name: "k", Capabilities: store.AllCapabilities})
	if err != nil {
		t.Fatal(err)
	}
	c := newAPIKeyCache(s, nil)
	read := c.read
	c.read = func(ctx context.Context, secret string) (store.APIKey, store.Organization, error) {
		k, o, err := read(ctx, secret) // sees the key unrevoked...
		if err := c.revoke(ctx, org.ID, key.ID); err != nil {
			t.Fatal(err) // ...and another request revokes it meanwhile
		}
		return k, o, err
	}
	if _, err := c.get(ctx, secret); err != nil {
		t.Fatal(err)
	}
	c.read = read
	e, err := c.get(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if e.key.RevokedAt == nil {
		t.Fatal("the cache kept the key as it was before the revoke")
	}
}
