package server

import (
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// operations finds the spec's operation for a request by the route Echo matched, so that
// middleware reads what the spec declares (its body's media types, its query parameters)
// without routing the request a second time.
type operations map[string]*operation

// operation is what the input checks need of one operation of the spec.
type operation struct {
	*openapi3.Operation
	// query holds the operation's query parameters by name.
	query map[string]*openapi3.Parameter
	// bodyTypes are the media types of its request body, sorted; none when it takes no body.
	bodyTypes []string
}

// specPathParam is a path template's {name}; Echo writes it :name.
var specPathParam = regexp.MustCompile(`\{([^}]+)\}`)

func newOperations(spec *openapi3.T) operations {
	ops := operations{}
	for path, item := range spec.Paths.Map() {
		route := specPathParam.ReplaceAllString(path, ":$1")
		for method, op := range item.Operations() {
			o := &operation{Operation: op, query: map[string]*openapi3.Parameter{}}
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
			ops[method+" "+route] = o
		}
	}
	return ops
}

// of is the operation the request was routed to, or nil for a route the spec does not have.
func (ops operations) of(c echo.Context) *operation {
	return ops[c.Request().Method+" "+c.Path()]
}
