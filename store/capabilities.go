package store

import (
	"slices"
	"strings"
)

// Capability is a permission a principal holds. Each is granted on its own: admin does not
// imply read.
type Capability string

const (
	Read  Capability = "read"
	Write Capability = "write"
	Admin Capability = "admin"
)

// AllCapabilities is every capability, in canonical order.
var AllCapabilities = Capabilities{Read, Write, Admin}

// Capabilities is a set of capabilities in canonical order without repeats.
type Capabilities []Capability

// ParseCapabilities reads a comma-separated list such as "read,write". Returns EINVALID for an
// unknown name or an empty list.
func ParseCapabilities(s string) (Capabilities, error) {
	var caps Capabilities
	for _, part := range strings.Split(s, ",") {
		c := Capability(strings.ToLower(strings.TrimSpace(part)))
		if c == "" {
			continue
		}
		if !slices.Contains(AllCapabilities, c) {
			return nil, invalid("capabilities", "unknown capability %q: use read, write or admin", c)
		}
		caps = append(caps, c)
	}
	if len(caps) == 0 {
		return nil, invalid("capabilities", "at least one capability is needed: read, write or admin")
	}
	return caps.Normal(), nil
}

// Normal returns the set in canonical order without repeats or unknown names.
func (cs Capabilities) Normal() Capabilities {
	out := make(Capabilities, 0, len(AllCapabilities))
	for _, c := range AllCapabilities {
		if slices.Contains(cs, c) {
			out = append(out, c)
		}
	}
	return out
}

// Has reports whether c is in the set.
func (cs Capabilities) Has(c Capability) bool { return slices.Contains(cs, c) }

// Covers reports whether every capability of other is in cs.
func (cs Capabilities) Covers(other Capabilities) bool {
	for _, c := range other {
		if !cs.Has(c) {
			return false
		}
	}
	return true
}

// String is the comma-separated form, as stored.
func (cs Capabilities) String() string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = string(c)
	}
	return strings.Join(parts, ",")
}
