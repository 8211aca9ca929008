package openapi

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Spec parses openapi.yaml into a document of its own on each call (callers change theirs:
// the validator drops security). It is this file as written: oapi-codegen's embedded copy in
// package gen capitalises every operationId, and the operation ids wagate names (in metrics,
// in errors) must be the ones a reader of /openapi.yaml sees.
func Spec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(YAML)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return doc, nil
}
