package server

import (
	"context"

	"github.com/wagate/wagate/gen"
)

func (h *handlers) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	p := principalFrom(ctx)
	return gen.GetMe200JSONResponse{
		Organization: gen.Organization{Id: p.Org.ID, Name: p.Org.Name, DefaultRegion: p.Org.DefaultRegion},
		Principal:    gen.Principal{Type: p.Type, Id: p.ID, Name: p.Name},
		Capabilities: toAPICapabilities(p.Capabilities),
	}, nil
}
