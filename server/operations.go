package server

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/store"
)

// operations finds a request's operation of the spec from the route Echo matched (its method
// and path pattern), without reading anything of the request but its line, so that the
// middleware reads what the spec declares (its credentials, capability, query parameters and
// body media types) without routing the request a second time.
type operations map[route]*operation

// operation is what the middleware needs of one operation of the spec.
type operation struct {
	id string
	// security lists the schemes of each security requirement, sorted by name; the first
	// requirement whose schemes all accept the credentials admits the request. Empty: public.
	security [][]string
	need     store.Capability // x-required-capability; set when security is not empty
	// query holds the operation's query parameters by name.
	query map[string]*openapi3.Parameter
	// bodyTypes are the media types of its request body, sorted; none when it takes no body.
	bodyTypes []string
	// streamedBody (x-streamed-body): the handler reads the body as it arrives, up to its
	// own limit; the middleware checks its media type and leaves the bytes alone.
	streamedBody bool
	// streamedResponse (x-streamed-response): the answer is written for as long as it takes.
	streamedResponse bool
}

// The extensions that mark an operation as a long transfer.
const (
	streamedBodyExtension     = "x-streamed-body"
	streamedResponseExtension = "x-streamed-response"
)

// specParam matches a path parameter as the spec spells it ({listId}); Echo spells it :listId.
var specParam = regexp.MustCompile(`\{([^}/]+)\}`)

// route is a method and an Echo path pattern: a map key that costs a request no allocation
// (the middleware looks its operation up several times per request).
type route struct{ method, path string }

// newOperations reads every operation of the spec, and refuses a spec where an operation with
// credentials lacks a capability: an operation must never be reachable with credentials but
// without a capability check.
func newOperations(spec *openapi3.T) (operations, error) {
	out := operations{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			security := spec.Security
			if op.Security != nil {
				security = *op.Security
			}
			o := &operation{id: op.OperationID, query: map[string]*openapi3.Parameter{}}
			o.streamedBody, _ = op.Extensions[streamedBodyExtension].(bool)
			o.streamedResponse, _ = op.Extensions[streamedResponseExtension].(bool)
			for _, requirement := range security {
				o.security = append(o.security, slices.Sorted(maps.Keys(requirement)))
			}
			if len(security) > 0 {
				raw, _ := op.Extensions[capabilityExtension].(string)
				o.need = store.Capability(raw)
				if !store.AllCapabilities.Has(o.need) {
					return nil, fmt.Errorf("%s %s: %s must be read, write or admin, not %q", method, path, capabilityExtension, raw)
				}
			}
			// An operation's own parameter overrides the path item's of the same name.
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, ref := range params {
					if p := ref.Value; p != nil && p.In == openapi3.ParameterInQuery {
						o.query[p.Name] = p
					}
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for mediaType := range op.RequestBody.Value.Content {
					o.bodyTypes = append(o.bodyTypes, strings.ToLower(mediaType))
				}
				slices.Sort(o.bodyTypes)
			}
			out[route{method, specParam.ReplaceAllString(path, ":$1")}] = o
		}
	}
	return out, nil
}

// of is the operation of the route Echo matched for c, or nil for a route the spec does not
// have. A HEAD request is found as the GET it stands for (headAsGet runs first).
func (ops operations) of(c echo.Context) *operation {
	return ops[route{c.Request().Method, c.Path()}]
}

// addMetricLabels maps every route (method and path pattern) to the operation label of
// metrics: its operationId, a HEAD route its GET's, a route outside the spec (/docs/*) its
// path pattern. The values are bounded by the routes; a request's own path never is one.
func (ops operations) addMetricLabels(labels map[route]string, routes []*echo.Route) {
	for _, r := range routes {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		label := r.Path
		if op := ops[route{method, r.Path}]; op != nil {
			label = op.id
		}
		labels[route{r.Method, r.Path}] = label
	}
}

// checkRoutes makes sure every operation of the spec is reachable under the key of uses:
// were the generated routes ever spelled otherwise, authentication would silently find no
// operation, so New refuses to start instead.
func (ops operations) checkRoutes(routes []*echo.Route) error {
	registered := map[route]bool{}
	for _, r := range routes {
		registered[route{r.Method, r.Path}] = true
	}
	var missing []string
	for key := range ops {
		if !registered[key] {
			missing = append(missing, key.method+" "+key.path)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("operations of the spec with no Echo route of the same method and path: %s", strings.Join(missing, ", "))
	}
	return nil
}

// withoutSecurity drops every security requirement from spec: the validator that gets it
// checks parameters and bodies only, since authenticate has already checked credentials
// (and kin-openapi would read the whole body before calling an authentication function).
func withoutSecurity(spec *openapi3.T) {
	spec.Security = nil
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			op.Security = nil
		}
	}
}
