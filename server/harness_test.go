package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/client"
	"github.com/wagate/wagate/openapi"
	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/server/loginjwt"
	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
	"github.com/wagate/wagate/whatsapp"
)

var ctx = context.Background()

// harness is a real wagate: the HTTP server on httptest over a real database, driven through
// the generated client. Every response it sees is checked against the spec.
type harness struct {
	t      *testing.T
	store  *store.Store
	echo   *echo.Echo
	url    string
	http   *http.Client // validates every response; for requests the typed client cannot make
	admin  string       // an admin+read+write key of organization "acme"
	org    store.Organization
	logins *loginjwt.Verifier
	logs   *storetest.Buffer // the server's log, as text, unless withLogger sends it elsewhere
	wa     *waFake           // the live clients the session manager made
}

type harnessOption func(*server.Config)

func withLogins(v *loginjwt.Verifier) harnessOption {
	return func(c *server.Config) {
		c.Logins = v
		c.Roles = map[string]store.Capabilities{"viewer": {store.Read}, "admin": store.AllCapabilities}
	}
}

func withMaxBody(n int64) harnessOption { return func(c *server.Config) { c.MaxBodyBytes = n } }

func withLogger(l *slog.Logger) harnessOption { return func(c *server.Config) { c.Logger = l } }

// withLookups replaces the harness's lookups (generous limits, so that no test meets them
// by accident) with ones configured by edit.
func withLookups(edit func(*whatsapp.LookupConfig)) harnessOption {
	return func(c *server.Config) {
		cfg := generousLookups(c)
		edit(&cfg)
		c.Lookups = must(whatsapp.NewLookups(cfg))
	}
}

func generousLookups(c *server.Config) whatsapp.LookupConfig {
	return whatsapp.LookupConfig{Sessions: c.Sessions, Cache: c.Store, PerMinute: 6000, Burst: 100, Logger: c.Logger}
}

// eachBackend runs fn on a fresh harness per database engine.
func eachBackend(t *testing.T, fn func(t *testing.T, h *harness), opts ...harnessOption) {
	t.Helper()
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			fn(t, newHarness(t, storetest.Open(t, b), opts...))
		})
	}
}

func newHarness(t *testing.T, s *store.Store, opts ...harnessOption) *harness {
	t.Helper()
	logs := &storetest.Buffer{}
	cfg := server.Config{Store: s, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	wa := newWAFake()
	cfg.Sessions = newManager(t, s, wa, cfg.Logger)
	cfg.Lookups = must(whatsapp.NewLookups(generousLookups(&cfg)))
	for _, o := range opts {
		o(&cfg)
	}
	e, err := server.New(t.Context(), cfg) // its revocation listener stops with the test
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	h := &harness{t: t, store: s, echo: e, url: srv.URL, logins: cfg.Logins, logs: logs, wa: wa}
	h.http = &http.Client{Transport: &contractTransport{t: t, base: srv.Client().Transport}}
	h.org = must(s.CreateOrganization(ctx, "acme", "AR"))
	h.admin = h.newKey(h.org.ID, store.AllCapabilities...)
	return h
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// newKey creates a key of the organization with these capabilities and returns its secret.
func (h *harness) newKey(orgID string, caps ...store.Capability) string {
	h.t.Helper()
	_, secret, err := h.store.CreateAPIKey(ctx, orgID, store.NewAPIKey{Name: "test", Capabilities: caps})
	if err != nil {
		h.t.Fatal(err)
	}
	return secret
}

// client is the generated client authenticating with key in the given header style.
func (h *harness) client(key string) *client.ClientWithResponses {
	return h.clientWith(func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-API-Key", key)
		return nil
	})
}

// api is the typed client (value or *client.APIError) authenticating with key, through the
// same validating transport.
func (h *harness) api(key string) *client.Client {
	c, err := client.New(h.url, client.WithHTTPClient(h.http), client.WithAPIKey(key))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) bearerClient(token string) *client.ClientWithResponses {
	return h.clientWith(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}

func (h *harness) clientWith(edit client.RequestEditorFn) *client.ClientWithResponses {
	var opts []client.ClientOption
	opts = append(opts, client.WithHTTPClient(h.http))
	if edit != nil {
		opts = append(opts, client.WithRequestEditorFn(edit))
	}
	c, err := client.NewClientWithResponses(h.url, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// do sends a raw request through the validating transport and returns status and body.
func (h *harness) do(method, path, body string, header ...string) (int, []byte, http.Header) {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// envelope decodes an error response and checks its status and code.
func envelope(t *testing.T, status int, body []byte, wantStatus int, wantCode client.ErrorCode) client.ErrorBody {
	t.Helper()
	var e client.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("status %d, body is not the error envelope: %v: %s", status, err, body)
	}
	if status != wantStatus || e.Error.Code != wantCode {
		t.Fatalf("got %d %q (%s), want %d %q", status, e.Error.Code, e.Error.Message, wantStatus, wantCode)
	}
	return e.Error
}

// fieldsAtFault returns the "field" of each entry of a validation_error's details.fields.
func fieldsAtFault(t *testing.T, e client.ErrorBody) []string {
	t.Helper()
	raw, err := json.Marshal(e.Details["fields"])
	if err != nil {
		t.Fatal(err)
	}
	var fields []struct{ Field, In, Message string }
	if err := json.Unmarshal(raw, &fields); err != nil || len(fields) == 0 {
		t.Fatalf("details.fields is not a list of {field, in, message}: %v %s", err, raw)
	}
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Field
	}
	return out
}

// wantError checks a generated client's response: its status, and the envelope's code.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode client.ErrorCode) client.ErrorBody {
	t.Helper()
	return envelope(t, status, body, wantStatus, wantCode)
}

// contractTransport checks each response against the spec: a declared status, and a body of
// the declared schema. A response to a path the spec does not have must be the error envelope.
type contractTransport struct {
	t    *testing.T
	base http.RoundTripper
}

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
)

func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	specOnce.Do(func() {
		doc, err := openapi.Spec()
		if err != nil {
			panic(err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			panic(fmt.Sprintf("the embedded spec is not valid: %v", err))
		}
		doc.Servers = nil // match paths whatever the test server's address
		// The docs page is HTML; kin-openapi reads only JSON, YAML and plain text by itself.
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		// The contact export's files are checked as the text they are; the tests parse them.
		openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
		specDoc = doc
		if specRouter, err = gorillamux.NewRouter(doc); err != nil {
			panic(err)
		}
	})
	return specDoc, specRouter
}

func (ct *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := ct.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ct.check(req, resp, body)
	return resp, nil
}

func (ct *contractTransport) check(req *http.Request, resp *http.Response, body []byte) {
	t := ct.t
	t.Helper()
	doc, router := loadSpec(t)
	route, params, err := router.FindRoute(req)
	if err != nil {
		// Not an operation of the spec (an unknown path or method): still the envelope.
		var v any
		if jerr := json.Unmarshal(body, &v); jerr != nil {
			t.Errorf("%s %s: %d response is not JSON: %s", req.Method, req.URL.Path, resp.StatusCode, body)
			return
		}
		if verr := doc.Components.Schemas["Error"].Value.VisitJSON(v); verr != nil {
			t.Errorf("%s %s: %d response is not the error envelope: %v", req.Method, req.URL.Path, resp.StatusCode, verr)
		}
		return
	}
	coverage.record(route.Operation.OperationID, resp.StatusCode)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: %d response breaks the spec: %v\nbody: %.500s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// coverage records which operation answered which status, so TestMain can show that the
// tests reached every operation and every status the spec declares.
var coverage = &statusCoverage{seen: map[string]map[int]bool{}}

type statusCoverage struct {
	mu   sync.Mutex
	seen map[string]map[int]bool
}

func (c *statusCoverage) record(op string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[op] == nil {
		c.seen[op] = map[int]bool{}
	}
	c.seen[op][status] = true
}

// missing lists the declared (operation, status) pairs no test produced. Statuses a test
// cannot cause without breaking the server on purpose are left out, except where named.
func (c *statusCoverage) missing(doc *openapi3.T) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				var status int
				fmt.Sscan(code, &status)
				if status == http.StatusInternalServerError || (status == http.StatusServiceUnavailable && op.OperationID != "getReadiness" && op.OperationID != "getMe") {
					continue
				}
				if !c.seen[op.OperationID][status] {
					out = append(out, fmt.Sprintf("%s %d", op.OperationID, status))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
