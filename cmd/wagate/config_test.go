package main

import (
	"strings"
	"testing"
)

func TestBadConfiguration(t *testing.T) {
	for _, e := range []env{
		{"DATABASE_URL": "mysql://x"},
		{"MAX_BODY_BYTES": "-1"},
		{"LOG_LEVEL": "loud"},
		{"LOG_FORMAT": "xml"},
		{"JWT_ROLES": "admin"},
		{"JWT_ROLES": "admin=root"},
		{"SHUTDOWN_GRACE": "soon"},
		{"DRAIN_PERIOD": "soon"},
		{"DRAIN_PERIOD": "-1s"},
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
