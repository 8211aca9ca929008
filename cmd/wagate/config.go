package main

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/whatsapp"
	"github.com/wagate/wagate/whatsapp/phone"
)

// config is everything wagate reads from its environment; README.md has the table.
type config struct {
	DatabaseURL    string
	DataDir        string
	ListenAddr     string
	MetricsAddr    string // empty: /metrics on ListenAddr
	DefaultRegion  string
	MaxBodyBytes   int64
	ImportMaxBytes int64 // IMPORT_MAX_BYTES: the contact import's body, which is streamed
	ImportWriters  int   // IMPORT_WRITERS: chunks of one import PostgreSQL applies at once
	LogLevel       slog.Level
	LogFormat      string
	DrainPeriod    time.Duration
	ShutdownGrace  time.Duration
	Login          *loginjwt.Config // nil when JWT_JWKS_URL is unset
	Roles          map[string]store.Capabilities
	CORSOrigins    []string // CORS_ALLOWED_ORIGINS; empty is CORS off
	WhatsApp       whatsappConfig
}

// whatsappConfig is how wagate treats WhatsApp: its live lookups' limit, cache and timeout,
// and how far apart a session's reconnects may grow.
type whatsappConfig struct {
	LookupsPerMinute float64       // WHATSAPP_LOOKUPS_PER_MINUTE, per session
	LookupBurst      int           // WHATSAPP_LOOKUP_BURST
	LookupMaxWait    time.Duration // WHATSAPP_LOOKUP_MAX_WAIT
	CacheTTL         time.Duration // WHATSAPP_CHECK_CACHE_TTL: "on WhatsApp" answers
	NegativeCacheTTL time.Duration // WHATSAPP_CHECK_CACHE_NEGATIVE_TTL: "not on WhatsApp" answers
	CallTimeout      time.Duration // WHATSAPP_CALL_TIMEOUT
	ReconnectMax     time.Duration // WHATSAPP_RECONNECT_MAX
}

// The WhatsApp defaults. 20 numbers a minute with bursts of 10 per session is well under
// what accounts get banned for (whatsmeow's tracker reports bans from number checks sprayed by
// the thousand); the cache keeps a confirmed account a week, since accounts rarely leave, and
// a negative answer a day, since a number may join WhatsApp any time.
const (
	defaultLookupsPerMinute = "20"
	defaultLookupBurst      = "10"
	defaultLookupMaxWait    = "2s"
	defaultCacheTTL         = "168h"
	defaultNegativeCacheTTL = "24h"
	defaultCallTimeout      = "15s"
	defaultReconnectMax     = "5m"
)

// defaultDrainPeriod is how long /readyz answers 503 before the listener closes. Five seconds
// lets a load balancer probing every second or two see the failure more than once, and
// Kubernetes propagate the endpoint removal, while with the 15s SHUTDOWN_GRACE it stays within
// Kubernetes' default 30s termination grace period. Raise it to your probe interval times its
// failure threshold.
const defaultDrainPeriod = "5s"

// defaultRoles grants capabilities to login roles unless JWT_ROLES says otherwise.
const defaultRoles = "admin=read+write+admin;member=read+write;viewer=read"

func loadConfig(getenv func(string) string) (config, error) {
	env := func(name, fallback string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return fallback
	}
	c := config{
		DatabaseURL:   env("DATABASE_URL", ""),
		DataDir:       env("WAGATE_DATA_DIR", "."),
		ListenAddr:    env("LISTEN_ADDR", ":8080"),
		MetricsAddr:   env("METRICS_ADDR", ""),
		DefaultRegion: strings.ToUpper(env("DEFAULT_REGION", "AR")),
		LogFormat:     env("LOG_FORMAT", "text"),
	}
	var err error
	if c.MaxBodyBytes, err = strconv.ParseInt(env("MAX_BODY_BYTES", strconv.Itoa(server.DefaultMaxBodyBytes)), 10, 64); err != nil || c.MaxBodyBytes <= 0 {
		return c, fmt.Errorf("MAX_BODY_BYTES must be a positive number of bytes")
	}
	if c.ImportMaxBytes, err = strconv.ParseInt(env("IMPORT_MAX_BYTES", strconv.Itoa(server.DefaultImportMaxBytes)), 10, 64); err != nil || c.ImportMaxBytes <= 0 {
		return c, fmt.Errorf("IMPORT_MAX_BYTES must be a positive number of bytes")
	}
	if c.ImportWriters, err = strconv.Atoi(env("IMPORT_WRITERS", strconv.Itoa(store.DefaultImportWriters))); err != nil || c.ImportWriters < 1 {
		return c, fmt.Errorf("IMPORT_WRITERS must be a whole number of at least 1")
	}
	if c.DrainPeriod, err = time.ParseDuration(env("DRAIN_PERIOD", defaultDrainPeriod)); err != nil || c.DrainPeriod < 0 {
		return c, fmt.Errorf("DRAIN_PERIOD must be a duration such as 5s, or 0 to skip the drain")
	}
	if c.ShutdownGrace, err = time.ParseDuration(env("SHUTDOWN_GRACE", "15s")); err != nil || c.ShutdownGrace < 0 {
		return c, fmt.Errorf("SHUTDOWN_GRACE must be a duration such as 15s")
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("LOG_FORMAT must be text or json")
	}
	if c.Roles, err = parseRoles(env("JWT_ROLES", defaultRoles)); err != nil {
		return c, err
	}
	c.CORSOrigins = splitList(env("CORS_ALLOWED_ORIGINS", ""))
	if err := server.CheckCORSOrigins(c.CORSOrigins); err != nil {
		return c, fmt.Errorf("CORS_ALLOWED_ORIGINS: %w", err)
	}
	if c.WhatsApp, err = loadWhatsAppConfig(env); err != nil {
		return c, err
	}
	if !phone.ValidRegion(c.DefaultRegion) {
		return c, fmt.Errorf("DEFAULT_REGION %q is not an ISO 3166-1 region with phone numbers (e.g. AR, MX, BR)", c.DefaultRegion)
	}
	if jwks := env("JWT_JWKS_URL", ""); jwks != "" {
		c.Login = &loginjwt.Config{
			JWKSURL:   jwks,
			Issuer:    env("JWT_ISSUER", ""),
			Audience:  splitList(env("JWT_AUDIENCE", "")),
			OrgClaim:  env("JWT_ORG_CLAIM", "org_id"),
			RoleClaim: env("JWT_ROLE_CLAIM", "role"),
		}
		switch {
		case c.Login.Issuer == "":
			return c, fmt.Errorf("JWT_JWKS_URL is set, so JWT_ISSUER must be too: the exact iss of login tokens")
		case len(c.Login.Audience) == 0:
			return c, fmt.Errorf("JWT_JWKS_URL is set, so JWT_AUDIENCE must be too: the aud values to accept, comma-separated")
		}
	} else if env("JWT_ISSUER", "") != "" || env("JWT_AUDIENCE", "") != "" {
		return c, fmt.Errorf("JWT_ISSUER or JWT_AUDIENCE is set without JWT_JWKS_URL: login tokens need the identity provider's keys")
	}
	return c, nil
}

func loadWhatsAppConfig(env func(name, fallback string) string) (whatsappConfig, error) {
	var w whatsappConfig
	var err error
	if w.LookupsPerMinute, err = strconv.ParseFloat(env("WHATSAPP_LOOKUPS_PER_MINUTE", defaultLookupsPerMinute), 64); err != nil || !(w.LookupsPerMinute > 0) || math.IsInf(w.LookupsPerMinute, 0) {
		return w, fmt.Errorf("WHATSAPP_LOOKUPS_PER_MINUTE must be a positive number of numbers a minute, such as %s", defaultLookupsPerMinute)
	}
	if w.LookupBurst, err = strconv.Atoi(env("WHATSAPP_LOOKUP_BURST", defaultLookupBurst)); err != nil || w.LookupBurst < 1 {
		return w, fmt.Errorf("WHATSAPP_LOOKUP_BURST must be a whole number of numbers, 1 or more, such as %s", defaultLookupBurst)
	}
	durations := []struct {
		name, fallback string
		into           *time.Duration
	}{
		{"WHATSAPP_LOOKUP_MAX_WAIT", defaultLookupMaxWait, &w.LookupMaxWait},
		{"WHATSAPP_CHECK_CACHE_TTL", defaultCacheTTL, &w.CacheTTL},
		{"WHATSAPP_CHECK_CACHE_NEGATIVE_TTL", defaultNegativeCacheTTL, &w.NegativeCacheTTL},
		{"WHATSAPP_CALL_TIMEOUT", defaultCallTimeout, &w.CallTimeout},
		{"WHATSAPP_RECONNECT_MAX", defaultReconnectMax, &w.ReconnectMax},
	}
	for _, d := range durations {
		// Positive: the lookups read zero as "the default", which a setting of 0 would not mean.
		v, err := time.ParseDuration(env(d.name, d.fallback))
		if err != nil || v <= 0 {
			return w, fmt.Errorf("%s must be a positive duration such as %s", d.name, d.fallback)
		}
		*d.into = v
	}
	if w.ReconnectMax < whatsapp.DefaultBackoff.First {
		return w, fmt.Errorf("WHATSAPP_RECONNECT_MAX must be at least the first reconnect delay, %s", whatsapp.DefaultBackoff.First)
	}
	return w, nil
}

// backoff is the sessions' reconnect backoff with the configured cap.
func (w whatsappConfig) backoff() whatsapp.Backoff {
	b := whatsapp.DefaultBackoff
	b.Max = w.ReconnectMax
	return b
}

// parseRoles reads "admin=read+write+admin;viewer=read".
func parseRoles(s string) (map[string]store.Capabilities, error) {
	roles := map[string]store.Capabilities{}
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		role, caps, ok := strings.Cut(entry, "=")
		role = strings.TrimSpace(role)
		if !ok || role == "" {
			return nil, fmt.Errorf("JWT_ROLES entry %q must be role=cap+cap, e.g. %s", entry, defaultRoles)
		}
		parsed, err := store.ParseCapabilities(strings.ReplaceAll(caps, "+", ","))
		if err != nil {
			return nil, fmt.Errorf("JWT_ROLES entry %q: %w", entry, err)
		}
		roles[role] = parsed
	}
	return roles, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
