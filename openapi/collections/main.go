// Command collections writes openapi/postman.json (a Postman v2.1 collection) and
// openapi/insomnia.json (an Insomnia v4 export) from openapi/openapi.yaml, so that both import
// ready to run: every operation with the spec's examples, the credentials from one variable,
// and (in Postman) the README's walk-through with tests on every answer. `go generate
// ./openapi` runs it from openapi/.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// defaultBaseURL is where the README's first command serves; the spec's own servers entry is
// relative (/), which a collection cannot be.
const defaultBaseURL = "http://localhost:8080"

func main() {
	if err := run("openapi.yaml", "postman.json", "insomnia.json"); err != nil {
		fmt.Fprintln(os.Stderr, "collections:", err)
		os.Exit(1)
	}
}

func run(specPath, postmanPath, insomniaPath string) error {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return err
	}
	ops, err := operations(raw, doc)
	if err != nil {
		return err
	}
	if err := write(postmanPath, postmanCollection(doc, ops)); err != nil {
		return err
	}
	return write(insomniaPath, insomniaExport(doc, ops))
}

func write(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// operation is one operation of the spec, with what a request for it needs.
type operation struct {
	method, path, id, tag, summary, description string
	noAuth                                      bool
	query                                       []queryParam
	body                                        string // JSON, indented; empty without a body
	statuses                                    []string
}

type queryParam struct {
	name, value, description string
	required                 bool
}

// pathVariables are the path parameters, each filled from a collection variable of its name
// whose initial value is the spec's example; the walk-through sets them from its answers, so
// that the other requests then act on what it created.
var pathVariables = []string{"listId", "contactId", "keyId", "sessionId", "phone", "importId"}

// operations lists the spec's operations in the order the document has them (kin-openapi's
// map does not keep it), grouped by their first tag in the order of the document's tags.
func operations(raw []byte, doc *openapi3.T) ([]operation, error) {
	var order struct {
		Paths yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &order); err != nil {
		return nil, err
	}
	methods := []string{"get", "put", "post", "patch", "delete"}
	var ops []operation
	for i := 0; i < len(order.Paths.Content); i += 2 {
		path := order.Paths.Content[i].Value
		item := doc.Paths.Value(path)
		for _, m := range methods {
			op := item.GetOperation(strings.ToUpper(m))
			if op == nil {
				continue
			}
			o := operation{
				method: strings.ToUpper(m), path: path, id: op.OperationID, tag: op.Tags[0],
				summary: op.Summary, description: op.Description,
				noAuth: op.Security != nil && len(*op.Security) == 0,
			}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				pv := p.Value
				if pv.In != openapi3.ParameterInQuery {
					if pv.In == openapi3.ParameterInPath && !slices.Contains(pathVariables, pv.Name) {
						return nil, fmt.Errorf("%s: path parameter %s has no collection variable", o.id, pv.Name)
					}
					continue
				}
				value := ""
				if pv.Required {
					ex := pv.Example
					if ex == nil && pv.Schema != nil {
						ex = pv.Schema.Value.Example
					}
					if ex == nil {
						return nil, fmt.Errorf("%s: required parameter %s has no example", o.id, pv.Name)
					}
					value = fmt.Sprint(ex)
				} else if pv.Example != nil {
					value = fmt.Sprint(pv.Example)
				}
				o.query = append(o.query, queryParam{name: pv.Name, value: value, description: strings.TrimSpace(pv.Description), required: pv.Required})
			}
			if rb := op.RequestBody; rb != nil {
				mt := rb.Value.Content.Get("application/json")
				if mt == nil {
					return nil, fmt.Errorf("%s: the body is not application/json", o.id)
				}
				ex := mt.Example
				if ex == nil {
					names := make([]string, 0, len(mt.Examples))
					for name := range mt.Examples {
						names = append(names, name)
					}
					slices.Sort(names)
					if len(names) > 0 {
						ex = mt.Examples[names[0]].Value.Value
					}
				}
				if ex == nil {
					return nil, fmt.Errorf("%s: the body has no example", o.id)
				}
				b, err := json.MarshalIndent(ex, "", "  ")
				if err != nil {
					return nil, err
				}
				o.body = string(b)
			}
			for status := range op.Responses.Map() {
				o.statuses = append(o.statuses, status)
			}
			slices.Sort(o.statuses)
			ops = append(ops, o)
		}
	}
	tagIndex := map[string]int{}
	for i, t := range doc.Tags {
		tagIndex[t.Name] = i
	}
	slices.SortStableFunc(ops, func(a, b operation) int { return tagIndex[a.tag] - tagIndex[b.tag] })
	return ops, nil
}

// exampleOf is the example of a path parameter, the initial value of its collection variable.
func exampleOf(doc *openapi3.T, name string) string {
	for _, p := range doc.Components.Parameters {
		if p.Value.Name == name && p.Value.In == openapi3.ParameterInPath {
			return fmt.Sprint(p.Value.Example)
		}
	}
	return ""
}

// segments splits a path into its parts, a path parameter written as {name} becoming f(name).
func segments(path string, f func(string) string) []string {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = f(s[1 : len(s)-1])
		}
	}
	return parts
}
