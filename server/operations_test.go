package server

import (
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/gen"
	"github.com/wagate/wagate/openapi"
)

// TestOperationsMatchTheRoutes: authentication finds each operation by the route Echo
// matched, so every operation of the spec must have the route of the same method and path;
// a route spelled otherwise must stop New rather than go unauthenticated.
func TestOperationsMatchTheRoutes(t *testing.T) {
	spec, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := newOperations(spec)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	gen.RegisterHandlers(e, gen.NewStrictHandler(&handlers{}, nil))
	if err := ops.checkRoutes(e.Routes()); err != nil {
		t.Fatal(err)
	}
	if op := ops[route{"PATCH", "/api/v1/contacts/:contactId"}]; !strings.EqualFold(op.id, "updateContact") || op.need != "write" || len(op.security) == 0 {
		t.Fatalf("updateContact = %+v", op)
	}
	if op := ops[route{"GET", "/healthz"}]; !strings.EqualFold(op.id, "getHealth") || len(op.security) != 0 {
		t.Fatalf("getHealth = %+v", op)
	}

	// One route registered under another spelling of its path: refused, by name.
	other := echo.New()
	for _, r := range e.Routes() {
		path := r.Path
		if r.Path == "/api/v1/contacts/:contactId" && r.Method == "PATCH" {
			path = "/api/v1/contacts/:id"
		}
		other.Add(r.Method, path, func(echo.Context) error { return nil })
	}
	err = ops.checkRoutes(other.Routes())
	if err == nil || !strings.Contains(err.Error(), "PATCH /api/v1/contacts/:contactId") {
		t.Fatalf("checkRoutes = %v", err)
	}
}

// TestValidatorSeesNoSecurity: the validator's copy of the spec has no security left, so it
// neither authenticates a second time nor reads the body for an authentication function.
func TestValidatorSeesNoSecurity(t *testing.T) {
	spec, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Security) == 0 {
		t.Fatal("the spec has no global security: this test checks nothing")
	}
	withoutSecurity(spec)
	if len(spec.Security) != 0 {
		t.Errorf("global security left: %v", spec.Security)
	}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security != nil {
				t.Errorf("%s %s keeps security %v", method, path, *op.Security)
			}
		}
	}
}
