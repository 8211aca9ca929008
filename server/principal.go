package server

import (
	"context"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/store"
)

// Principal is who a request acts as: an API key or a login user, always of one organization.
type Principal struct {
	Org          store.Organization
	Type         gen.PrincipalType
	ID           string // the API key id, or the JWT's sub
	Name         string
	Capabilities store.Capabilities
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the request's principal. Every operation with a security requirement
// has one: authenticate refuses the request before any handler runs otherwise.
func principalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	if p == nil {
		panic("server: handler reached without a principal; is the operation missing from the spec's security?")
	}
	return p
}

// mayGrant refuses to hand out capabilities the principal itself lacks: an admin key without
// write must not be able to mint a key that writes.
func (p *Principal) mayGrant(caps store.Capabilities) error {
	if p.Capabilities.Covers(caps) {
		return nil
	}
	return newError(kindForbidden,
		"a key cannot hold capabilities its creator lacks: you hold %s", p.Capabilities).with("held", toAPICapabilities(p.Capabilities))
}
