package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wagate/wagate/whatsapp"
)

func TestBadConfiguration(t *testing.T) {
	for _, e := range []env{
		{"DATABASE_URL": "mysql://x"},
		{"MAX_BODY_BYTES": "-1"},
		{"IMPORT_MAX_BYTES": "0"},
		{"IMPORT_MAX_BYTES": "lots"},
		{"IMPORT_WRITERS": "0"},
		{"IMPORT_WRITERS": "two"},
		{"LOG_LEVEL": "loud"},
		{"LOG_FORMAT": "xml"},
		{"JWT_ROLES": "admin"},
		{"JWT_ROLES": "admin=root"},
		{"SHUTDOWN_GRACE": "soon"},
		{"DRAIN_PERIOD": "soon"},
		{"DRAIN_PERIOD": "-1s"},
		{"CORS_ALLOWED_ORIGINS": "https://crm.example.com/"},
		{"CORS_ALLOWED_ORIGINS": "crm.example.com"},
		{"CORS_ALLOWED_ORIGINS": "*, https://crm.example.com"},
		{"WHATSAPP_LOOKUPS_PER_MINUTE": "0"},
		{"WHATSAPP_LOOKUPS_PER_MINUTE": "NaN"},
		{"WHATSAPP_LOOKUP_BURST": "0"},
		{"WHATSAPP_LOOKUP_MAX_WAIT": "-1s"},
		{"WHATSAPP_CHECK_CACHE_TTL": "7d"},
		{"WHATSAPP_CHECK_CACHE_NEGATIVE_TTL": "-1h"},
		{"WHATSAPP_LOOKUP_MAX_WAIT": "0"},
		{"WHATSAPP_CALL_TIMEOUT": "0"},
		{"WHATSAPP_RECONNECT_MAX": "1s"},
	} {
		if e["DATABASE_URL"] == "" {
			e["WAGATE_DATA_DIR"] = t.TempDir()
		}
		code, _, errs := runCLI(t, e, "migrate")
		if code == 0 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a failure with the reason", e, code, errs)
		}
		for name := range e {
			if name != "WAGATE_DATA_DIR" && name != "DATABASE_URL" && !strings.Contains(errs, name) {
				t.Errorf("%v: stderr %q does not name %s", e, errs, name)
			}
		}
	}
	for _, e := range []env{
		{"DEFAULT_REGION": "XX"},
		{"JWT_JWKS_URL": "https://login.example.com/jwks.json"},                             // no issuer
		{"JWT_JWKS_URL": "https://login.example.com/jwks.json", "JWT_ISSUER": "https://x/"}, // no audience
		{"JWT_ISSUER": "https://x/"},                                                        // no JWKS
	} {
		e["WAGATE_DATA_DIR"] = t.TempDir()
		if code, _, errs := runCLI(t, e, "serve"); code != 2 || !strings.Contains(errs, "configuration") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the setting", e, code, errs)
		}
	}
}

// A data directory the SQLite file cannot be made in is the environment's fault: the message
// names WAGATE_DATA_DIR, not only the path the database engine tripped on.
func TestUnwritableDataDirNamesTheVariable(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"below a file": filepath.Join(notADir, "data")}
	if os.Geteuid() != 0 { // root writes anywhere, whatever the mode says
		readOnly := t.TempDir()
		if err := os.Chmod(readOnly, 0o500); err != nil {
			t.Fatal(err)
		}
		dirs["read-only"] = readOnly
	}
	for name, dir := range dirs {
		for _, cmd := range []string{"serve", "migrate"} {
			code, _, errs := runCLI(t, env{"WAGATE_DATA_DIR": dir, "LISTEN_ADDR": "127.0.0.1:0"}, cmd)
			if code == 0 || !strings.Contains(errs, "WAGATE_DATA_DIR="+dir) {
				t.Errorf("%s, %s: exit %d, stderr %q; want a failure naming WAGATE_DATA_DIR", name, cmd, code, errs)
			}
		}
	}
}

// A DATABASE_URL that cannot be opened is the environment's fault too: the message names
// DATABASE_URL, whichever engine tripped, and never carries the URL's password.
func TestUnopenableDatabaseURLNamesTheVariable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "wagate.db")
	for _, url := range []string{
		"file:" + missing,
		"postgres://wagate:s3cret@127.0.0.1:1/wagate?sslmode=disable&connect_timeout=5", // nothing listens on port 1
		"postgres://wagate:s3cret@%zz/wagate",
		"file::memory:", // one database per connection: refused, not found empty later
	} {
		for _, cmd := range []string{"serve", "migrate"} {
			code, _, errs := runCLI(t, env{"DATABASE_URL": url, "LISTEN_ADDR": "127.0.0.1:0"}, cmd)
			if code == 0 || !strings.Contains(errs, "DATABASE_URL") || strings.Contains(errs, "s3cret") {
				t.Errorf("%s with DATABASE_URL=%s: exit %d, stderr %q; want a failure naming DATABASE_URL, without the password", cmd, url, code, errs)
			}
		}
	}
}

// TestWhatsAppDefaultsAreTheAdapters: the defaults the README's table shows are the ones the
// adapter falls back to, so that leaving a setting unset and setting its default agree.
func TestWhatsAppDefaultsAreTheAdapters(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.WhatsApp
	if w.LookupsPerMinute != whatsapp.DefaultPerMinute || w.LookupBurst != whatsapp.DefaultBurst || w.LookupMaxWait != whatsapp.DefaultMaxWait ||
		w.CacheTTL != whatsapp.DefaultPositiveTTL || w.NegativeCacheTTL != whatsapp.DefaultNegativeTTL || w.CallTimeout != whatsapp.DefaultTimeout ||
		w.ReconnectMax != whatsapp.DefaultBackoff.Max {
		t.Fatalf("defaults %+v differ from the adapter's", w)
	}
}
