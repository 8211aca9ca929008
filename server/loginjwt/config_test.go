package loginjwt

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesConfig(t *testing.T) {
	valid := func() Config {
		return Config{
			JWKSURL:  "https://login.example.com/.well-known/jwks.json",
			Issuer:   testIssuer,
			Audience: []string{testAudience},
			OrgClaim: "org_id",
		}
	}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // empty: accepted
	}{
		{"minimal", func(*Config) {}, ""},
		{"http on localhost", func(c *Config) { c.JWKSURL = "http://localhost:8080/jwks" }, ""},
		{"http on 127.0.0.1", func(c *Config) { c.JWKSURL = "http://127.0.0.1:8080/jwks" }, ""},
		{"http on ::1", func(c *Config) { c.JWKSURL = "http://[::1]:8080/jwks" }, ""},
		{"no JWKS URL", func(c *Config) { c.JWKSURL = "" }, "JWKSURL is required"},
		{"http elsewhere", func(c *Config) { c.JWKSURL = "http://login.example.com/jwks" }, "must use https"},
		{"relative URL", func(c *Config) { c.JWKSURL = "/jwks" }, "has no host"},
		{"other scheme", func(c *Config) { c.JWKSURL = "file:///etc/jwks.json" }, "has no host"},
		{"unparsable URL", func(c *Config) { c.JWKSURL = "https://[::1" }, "JWKSURL"},
		{"no issuer", func(c *Config) { c.Issuer = "" }, "Issuer is required"},
		{"no audience", func(c *Config) { c.Audience = nil }, "Audience needs at least one value"},
		{"empty audience value", func(c *Config) { c.Audience = []string{"a", ""} }, "must not be empty"},
		{"no org claim", func(c *Config) { c.OrgClaim = "" }, "OrgClaim is required"},
		{"negative leeway", func(c *Config) { c.Leeway = -time.Second }, "must not be negative"},
		{"negative refresh interval", func(c *Config) { c.MinRefreshInterval = -time.Second }, "must not be negative"},
		{"negative TTL", func(c *Config) { c.CacheTTL = -time.Second }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			_, err := New(cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("New accepted the config, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("New: %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	audience := []string{testAudience}
	v, err := New(Config{
		JWKSURL:  "https://login.example.com/jwks",
		Issuer:   testIssuer,
		Audience: audience,
		OrgClaim: "org_id",
	})
	if err != nil {
		t.Fatal(err)
	}
	audience[0] = "changed later"
	if v.cfg.Audience[0] != testAudience {
		t.Error("New kept the caller's Audience slice")
	}
	if v.cfg.Leeway != 30*time.Second || v.keys.minRefresh != time.Minute || v.keys.ttl != time.Hour {
		t.Errorf("defaults: leeway %v, min refresh %v, TTL %v", v.cfg.Leeway, v.keys.minRefresh, v.keys.ttl)
	}
	if v.keys.client.Timeout != 5*time.Second || v.keys.timeout != 5*time.Second {
		t.Errorf("default client timeout %v, fetch timeout %v; want 5s", v.keys.client.Timeout, v.keys.timeout)
	}

	// A caller's client without a timeout still gets one per fetch.
	v, err = New(Config{
		JWKSURL: "https://login.example.com/jwks", Issuer: testIssuer, Audience: audience, OrgClaim: "org_id",
		HTTPClient: &http.Client{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.keys.timeout != 5*time.Second {
		t.Errorf("fetch timeout with a timeout-less client = %v, want 5s", v.keys.timeout)
	}
}
