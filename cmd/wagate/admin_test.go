package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

func TestAdminCommands(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			e := backendEnv(t, b)
			// migrate names what it applied, and says "up to date" only when it applied nothing.
			code, out, errs := runCLI(t, e, "migrate")
			if code != 0 || !strings.Contains(out, "applied 00001 contacts\napplied 00002 org_scoped_ids\n") || strings.Contains(out, "up to date") {
				t.Fatalf("migrate on an empty database: %d %q %q", code, out, errs)
			}
			if !strings.Contains(out, fmt.Sprintf("WhatsApp device store upgraded from version 0 to %d\n", whatsapp.Latest())) {
				t.Fatalf("migrate on an empty database says nothing of the device store: %q", out)
			}
			if code, out, errs := runCLI(t, e, "migrate"); code != 0 || !strings.Contains(out, "database is up to date") ||
				!strings.Contains(out, fmt.Sprintf("device store is up to date (version %d)", whatsapp.Latest())) || strings.Contains(out, "applied") || strings.Contains(out, "upgraded") {
				t.Fatalf("migrate again: %d %q %q", code, out, errs)
			}
			code, out, errs = runCLI(t, e, "org", "create", "acme", "--region", "mx")
			if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "org_") {
				t.Fatalf("org create: %d %q %q", code, out, errs)
			}
			code, out, errs = runCLI(t, e, "key", "create", "--org", "acme", "--caps", "read,write", "--name", "crm")
			if code != 0 || !store.LooksLikeAPIKey(lastLine(out)) {
				t.Fatalf("key create: %d %q %q", code, out, errs)
			}
			// The key works against the same database.
			s := storetest.OpenURL(t, e["DATABASE_URL"], e["WAGATE_DATA_DIR"])
			key, err := s.APIKeyBySecret(context.Background(), lastLine(out))
			if err != nil || key.Name != "crm" || key.Capabilities.String() != "read,write" {
				t.Fatalf("created key = %+v, %v", key, err)
			}
			org, err := s.OrganizationByName(context.Background(), "acme")
			if err != nil || org.DefaultRegion != "MX" {
				t.Fatalf("created organization = %+v, %v", org, err)
			}
			s.Close() // on SQLite, the commands below would otherwise fail on the lock, not their mistake

			for _, bad := range [][]string{
				{"org", "create"},
				{"org", "create", "a", "b"},
				{"org", "delete", "acme"},
				{"key", "create", "--org", "acme"},
				{"key", "create", "--caps", "read"},
				{"frobnicate"},
				{"serve", "extra"},
				{"org", "create", "x", "--bogus"},
				{"org"},
				{"--bogus"},
				{"migrate", "--bogus"},
				{"migrate", "now"},
				{"version", "extra"},
			} {
				if code, _, errs := runCLI(t, e, bad...); code != 2 || !strings.Contains(errs, "Usage") {
					t.Errorf("%v: exit %d, stderr %q; want 2 with the usage", bad, code, errs)
				}
			}
			for _, bad := range []struct {
				args   []string
				reason string
			}{
				{[]string{"org", "create", "acme"}, "acme"},
				{[]string{"org", "create", "new", "--region", "XX"}, "XX"},
				{[]string{"key", "create", "--org", "nope", "--caps", "read"}, "organization"},
				{[]string{"key", "create", "--org", "acme", "--caps", "root"}, `"root"`},
			} {
				if code, _, errs := runCLI(t, e, bad.args...); code != 1 || !strings.Contains(errs, bad.reason) || strings.Contains(errs, "in use") {
					t.Errorf("%v: exit %d, stderr %q; want 1 with the reason (%s)", bad.args, code, errs, bad.reason)
				}
			}
		})
	}
}

// TestTwoMigratesAtOnceOnOneSQLiteFile: admin commands started together on an empty data
// directory take turns; both succeed and the database is whole.
func TestTwoMigratesAtOnceOnOneSQLiteFile(t *testing.T) {
	dir := t.TempDir()
	a, b := startWagate(t, dir, "migrate"), startWagate(t, dir, "migrate")
	a.release()
	b.release()
	for _, p := range []*process{a, b} {
		if code := p.wait(t); code != 0 {
			t.Errorf("migrate exited %d:\n%s", code, p.stderr.String())
		}
	}
	checkIntact(t, dir)
}
