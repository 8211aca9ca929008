package store_test

import (
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func TestOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		org := newOrg(t, s, "acme")
		if org.DefaultRegion != "AR" || len(org.ID) != len("org_")+26 {
			t.Fatalf("organization = %+v", org)
		}
		_, err := s.CreateOrganization(ctx, "acme", "US")
		wantCode(t, err, store.ECONFLICT)
		_, err = s.CreateOrganization(ctx, "other", "XX")
		wantCode(t, err, store.EINVALID)
		_, err = s.CreateOrganization(ctx, "  ", "AR")
		wantCode(t, err, store.EINVALID)
		lower := must[store.Organization](t)(s.CreateOrganization(ctx, "lower", "mx"))
		if lower.DefaultRegion != "MX" {
			t.Fatalf("region = %q, want MX", lower.DefaultRegion)
		}
		got := must[store.Organization](t)(s.OrganizationByName(ctx, "acme"))
		if got.ID != org.ID {
			t.Fatalf("by name = %+v, want %+v", got, org)
		}
		_, err = s.Organization(ctx, "org_nope")
		wantCode(t, err, store.ENOTFOUND)
	})
}

func TestBootstrapOnlyOnEmptyDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		b, ok, err := s.Bootstrap(ctx, "AR")
		if err != nil || !ok {
			t.Fatalf("first Bootstrap: ok=%v err=%v", ok, err)
		}
		if b.Organization.Name != "default" || !store.LooksLikeAPIKey(b.Secret) || !b.Key.Capabilities.Covers(store.AllCapabilities) {
			t.Fatalf("bootstrap = %+v", b)
		}
		key := must[store.APIKey](t)(s.APIKeyBySecret(ctx, b.Secret))
		if key.OrgID != b.Organization.ID {
			t.Fatalf("bootstrap key belongs to %s, want %s", key.OrgID, b.Organization.ID)
		}
		if _, ok, err := s.Bootstrap(ctx, "AR"); ok || err != nil {
			t.Fatalf("second Bootstrap: ok=%v err=%v, want false, nil", ok, err)
		}
	})
}
