package server

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	swaggerui "github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/openapi"
)

// docsPage is Swagger UI's page; its scripts and styles are embedded in the binary (no CDN).
//
//go:embed docs.html
var docsPage []byte

// docsScript starts Swagger UI on the page, served as /docs/wagate-docs.js.
//
//go:embed docs.js
var docsScript []byte

// readinessTimeout bounds the database ping of /readyz.
const readinessTimeout = 2 * time.Second

// systemDocs is the spec in the forms the system operations serve. The JSON is converted from
// openapi.YAML, the bytes /openapi.yaml serves: gen's embedded spec is oapi-codegen's reading
// of it (operationIds capitalised), not the document itself.
type systemDocs struct {
	specJSON map[string]any
	postman  map[string]any
}

func newSystemDocs() (systemDocs, error) {
	spec, err := openapi.JSONDocument()
	if err != nil {
		return systemDocs{}, err
	}
	docs := systemDocs{specJSON: spec}
	if err := json.Unmarshal(openapi.Postman, &docs.postman); err != nil {
		return systemDocs{}, fmt.Errorf("openapi/postman.json: %w", err)
	}
	return docs, nil
}

// swaggerFiles serves Swagger UI's files (precompressed) from the binary.
var swaggerFiles = http.StripPrefix("/docs/", statigz.FileServer(swaggerui.FS))

// docsAssets serves Swagger UI's files under /docs/, the page itself at /docs/, and the
// script that starts it. A name that is not one of the files is the envelope's 404, as
// everywhere else.
func docsAssets(c echo.Context) error {
	name := c.Param("*")
	switch name {
	case "":
		return c.Blob(http.StatusOK, echo.MIMETextHTMLCharsetUTF8, docsPage)
	case "wagate-docs.js":
		return c.Blob(http.StatusOK, echo.MIMEApplicationJavaScriptCharsetUTF8, docsScript)
	}
	if _, err := fs.Stat(swaggerui.FS, name); err != nil {
		if _, err := fs.Stat(swaggerui.FS, name+".gz"); err != nil {
			return echo.ErrNotFound
		}
	}
	swaggerFiles.ServeHTTP(c.Response(), c.Request())
	return nil
}

func (h *handlers) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return gen.GetHealth200JSONResponse{HealthyJSONResponse: gen.HealthyJSONResponse{Status: gen.HealthStatusOk}}, nil
}

func (h *handlers) GetReadiness(ctx context.Context, _ gen.GetReadinessRequestObject) (gen.GetReadinessResponseObject, error) {
	if h.draining != nil && h.draining() {
		ae := newError(kindUnavailable, "the server is draining before it stops: send requests to another instance")
		ae.Planned = true
		return nil, ae
	}
	ctx, cancel := context.WithTimeout(ctx, readinessTimeout)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		ae := newError(kindUnavailable, "the database does not answer")
		ae.Cause = err
		return nil, ae
	}
	return gen.GetReadiness200JSONResponse{HealthyJSONResponse: gen.HealthyJSONResponse{Status: gen.HealthStatusOk}}, nil
}

func (h *handlers) GetOpenAPIJSON(context.Context, gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return gen.GetOpenAPIJSON200JSONResponse(h.system.specJSON), nil
}

func (h *handlers) GetOpenAPIYAML(context.Context, gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return gen.GetOpenAPIYAML200ApplicationyamlResponse{Body: bytes.NewReader(openapi.YAML), ContentLength: int64(len(openapi.YAML))}, nil
}

// GetPostmanCollection serves the committed collection with its baseUrl set to where it was
// fetched from (see servedFrom), so that an import from any host and port runs there with
// only the key filled in, as the spec's relative servers entry does for /docs.
func (h *handlers) GetPostmanCollection(ctx context.Context, _ gen.GetPostmanCollectionRequestObject) (gen.GetPostmanCollectionResponseObject, error) {
	origin, _ := ctx.Value(originKey{}).(string)
	collection := maps.Clone(h.system.postman) // shared by every request: copied where it changes
	variables, _ := collection["variable"].([]any)
	variables = slices.Clone(variables)
	for i, v := range variables {
		if v, ok := v.(map[string]any); ok && v["key"] == "baseUrl" && origin != "" {
			v = maps.Clone(v)
			v["value"] = origin
			variables[i] = v
		}
	}
	collection["variable"] = variables
	return gen.GetPostmanCollection200JSONResponse(collection), nil
}

type originKey struct{}

// servedFrom gives the handler of /postman.json, which the strict interface hands only a
// context, the origin its request was made to: the scheme (X-Forwarded-Proto behind a proxy)
// and the Host the caller used.
func servedFrom(next gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	if operationID != "GetPostmanCollection" {
		return next
	}
	return func(c echo.Context, request any) (any, error) {
		r := c.Request()
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), originKey{}, c.Scheme()+"://"+r.Host)))
		return next(c, request)
	}
}

func (h *handlers) GetDocs(context.Context, gen.GetDocsRequestObject) (gen.GetDocsResponseObject, error) {
	return gen.GetDocs200TexthtmlResponse{Body: bytes.NewReader(docsPage), ContentLength: int64(len(docsPage))}, nil
}
