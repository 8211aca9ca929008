package loginjwt

import (
	"context"
	"slices"
	"testing"
)

func TestVerifyExtractsClaims(t *testing.T) {
	rs := rsaSigner()
	srv := newJWKSServer(t, rs.public())

	tests := []struct {
		name      string
		orgClaim  string
		roleClaim string
		claims    map[string]any
		wantOrg   string
		wantRoles []string
		wantName  string
		wantErr   string
	}{
		{name: "flat claims", claims: validClaims(), wantOrg: "org-1", wantRoles: []string{"admin"}, wantName: "Ada Lovelace"},
		{
			name: "nested org through a dotted path", orgClaim: "app.org",
			claims:  with(map[string]any{"org_id": nil, "app": map[string]any{"org": "org-nested"}}),
			wantOrg: "org-nested", wantRoles: []string{"admin"}, wantName: "Ada Lovelace",
		},
		{
			name: "deeper path", orgClaim: "https://wagate.io/claims.tenant.id",
			claims:  with(map[string]any{"https://wagate.io/claims": map[string]any{"tenant": map[string]any{"id": "org-deep"}}}),
			wantOrg: "org-deep", wantRoles: []string{"admin"}, wantName: "Ada Lovelace",
		},
		{
			name: "a top-level claim with the exact dotted name wins", orgClaim: "app.org",
			claims:  with(map[string]any{"app.org": "org-flat", "app": map[string]any{"org": "org-nested"}}),
			wantOrg: "org-flat", wantRoles: []string{"admin"}, wantName: "Ada Lovelace",
		},
		{
			name: "dotted path missing", orgClaim: "app.org",
			claims:  with(map[string]any{"app": map[string]any{"other": "x"}}),
			wantErr: "token is missing the app.org claim",
		},
		{
			name: "dotted path through a non-object", orgClaim: "app.org",
			claims:  with(map[string]any{"app": "flat"}),
			wantErr: "token is missing the app.org claim",
		},
		{name: "numeric org id", claims: with(map[string]any{"org_id": 4200}), wantOrg: "4200", wantRoles: []string{"admin"}, wantName: "Ada Lovelace"},
		{name: "fractional org id", claims: with(map[string]any{"org_id": 4.5}), wantErr: "token has an invalid org_id claim"},
		{name: "org as an object", claims: with(map[string]any{"org_id": map[string]any{"id": "x"}}), wantErr: "token has an invalid org_id claim"},
		{name: "org as a list", claims: with(map[string]any{"org_id": []string{"a"}}), wantErr: "token has an invalid org_id claim"},
		{name: "role as an array", claims: with(map[string]any{"role": []string{"read", "write"}}), wantOrg: "org-1", wantRoles: []string{"read", "write"}, wantName: "Ada Lovelace"},
		{name: "role as an empty array", claims: with(map[string]any{"role": []string{}}), wantOrg: "org-1", wantName: "Ada Lovelace"},
		{name: "no role claim", claims: with(map[string]any{"role": nil}), wantOrg: "org-1", wantName: "Ada Lovelace"},
		{name: "role as a number", claims: with(map[string]any{"role": 3}), wantErr: "token has an invalid role claim"},
		{name: "role array with a number", claims: with(map[string]any{"role": []any{"read", 3}}), wantErr: "token has an invalid role claim"},
		{
			name: "roles through a dotted path", roleClaim: "realm_access.roles",
			claims:  with(map[string]any{"realm_access": map[string]any{"roles": []string{"admin", "read"}}}),
			wantOrg: "org-1", wantRoles: []string{"admin", "read"}, wantName: "Ada Lovelace",
		},
		{name: "no role claim configured", roleClaim: "-", claims: validClaims(), wantOrg: "org-1", wantName: "Ada Lovelace"},
		{name: "email when there is no name", claims: with(map[string]any{"name": nil, "email": "ada@example.com"}), wantOrg: "org-1", wantRoles: []string{"admin"}, wantName: "ada@example.com"},
		{name: "no name or email", claims: with(map[string]any{"name": nil}), wantOrg: "org-1", wantRoles: []string{"admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newTestVerifier(t, srv, func(c *Config) {
				if tt.orgClaim != "" {
					c.OrgClaim = tt.orgClaim
				}
				switch tt.roleClaim {
				case "":
				case "-":
					c.RoleClaim = ""
				default:
					c.RoleClaim = tt.roleClaim
				}
			})
			got, err := v.Verify(context.Background(), sign(t, rs, tt.claims))
			if tt.wantErr != "" {
				if r := reason(t, err); r != tt.wantErr {
					t.Errorf("reason = %q, want %q", r, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.Org != tt.wantOrg || got.Name != tt.wantName || !slices.Equal(got.Roles, tt.wantRoles) {
				t.Errorf("got org %q name %q roles %q, want %q %q %q", got.Org, got.Name, got.Roles, tt.wantOrg, tt.wantName, tt.wantRoles)
			}
		})
	}
}

func TestLookupClaim(t *testing.T) {
	all := map[string]any{
		"flat":     "f",
		"app.org":  "exact",
		"app":      map[string]any{"org": "nested", "deep": map[string]any{"er": "deepest"}},
		"ns.io/c":  map[string]any{"org.id": "dotted-member", "org": map[string]any{"id": "shadowed"}},
		"leaf":     "not an object",
		"nullable": nil,
	}
	tests := []struct {
		name   string
		want   any
		wantOK bool
	}{
		{"flat", "f", true},
		{"app.org", "exact", true},
		{"app.deep.er", "deepest", true},
		{"ns.io/c.org.id", "dotted-member", true}, // the longest member name wins at each level
		{"nullable", nil, true},
		{"missing", nil, false},
		{"app.missing", nil, false},
		{"leaf.x", nil, false},
		{"app.", nil, false},
		{".app", nil, false},
		{"app..org", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, ok := lookupClaim(all, tt.name)
		if ok != tt.wantOK || got != tt.want {
			t.Errorf("lookupClaim(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
