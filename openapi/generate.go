// Package openapi holds wagate's hand-written OpenAPI document, the source of truth for the
// HTTP API. Packages gen (server, models, embedded spec) and client (the Go client) are generated
// from it, and so are the Postman and Insomnia collections here (postman.json, insomnia.json);
// `go generate ./openapi` (or `task gen`) rewrites them all.
package openapi

import _ "embed"

// YAML is openapi.yaml byte for byte, served at /openapi.yaml.
//
//go:embed openapi.yaml
var YAML []byte

// Postman is the Postman collection generated from openapi.yaml (collections/), served at
// /postman.json. insomnia.json beside it is the same for Insomnia.
//
//go:embed postman.json
var Postman []byte

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config codegen-models.yaml openapi.yaml
//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config codegen-server.yaml openapi.yaml
//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config codegen-client.yaml openapi.yaml
//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config codegen-client-methods.yaml openapi.yaml
//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config codegen-spec.yaml openapi.yaml
//go:generate go run ./collections
