package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wagate/wagate/client"
)

// TestQueryStringIsStrict walks every query parameter of every operation under /api/: a
// value that does not parse, or that the layers below would read as something else than what
// was sent, is a 400 naming the parameter.
func TestQueryStringIsStrict(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		doc, _ := loadSpec(t)
		walked := 0
		for path, item := range doc.Paths.Map() {
			if !strings.HasPrefix(path, "/api/") {
				continue
			}
			for method, op := range item.Operations() {
				params := queryParams(op)
				// The required parameters, well-formed: the base every case adds to.
				var base []string
				for _, p := range params {
					if p.Required {
						base = append(base, p.Name+"="+url.QueryEscape(exampleOf(t, p)))
					}
				}
				try := func(what string, pairs ...string) (int, []byte) {
					t.Helper()
					status, body, header := h.do(method, fillPath(t, path, op)+"?"+strings.Join(append(append([]string{}, base...), pairs...), "&"), "", "X-API-Key", h.admin)
					wantAPIHeaders(t, what, header)
					return status, body
				}
				for _, p := range params {
					name, example := p.Name, url.QueryEscape(exampleOf(t, p))
					what := fmt.Sprintf("%s %s ?%s", method, path, name)
					cases := map[string]string{
						"empty":                   name + "=",
						"without =":               name,
						"a bad escape":            name + "=%",
						"a bad escape after text": name + "=" + example + "%zz",
						"a semicolon":             name + "=" + example + ";x=1",
						"twice":                   name + "=" + example + "&" + name + "=" + example,
					}
					if p.Required {
						cases["twice"] = name + "=" + example // base has it once already
					}
					for c, pair := range cases {
						status, body := try(what+": "+c, pair)
						wantField(t, what+": "+c, status, body, name, "query")
					}
					walked++
				}
				what := fmt.Sprintf("%s %s", method, path)
				status, body := try(what+": unknown", "limt=10")
				wantField(t, what+": an unknown parameter", status, body, "limt", "query")
				status, body = try(what+": a bad escape in a name", "%zz=1")
				wantField(t, what+": a bad escape in a name", status, body, "%zz", "query")
			}
		}
		if walked == 0 {
			t.Fatal("the spec has no query parameters under /api/ to walk")
		}
	})
}

// TestQueryValuesOutOfRange: values that parse but that the spec does not allow, through the
// generated client where it can send them.
func TestQueryValuesOutOfRange(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		c := h.client(h.admin)
		for _, limit := range []int32{0, 201, -1} {
			r := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Limit: &limit}))
			wantField(t, fmt.Sprint("limit=", limit), r.StatusCode(), r.Body, "limit", "query")
			k := must(c.ListApiKeysWithResponse(ctx, &client.ListApiKeysParams{Limit: &limit}))
			wantField(t, fmt.Sprint("keys limit=", limit), k.StatusCode(), k.Body, "limit", "query")
		}
		empty := ""
		r := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Cursor: &empty}))
		wantField(t, "cursor=", r.StatusCode(), r.Body, "cursor", "query")
		l := must(c.LookupContactWithResponse(ctx, &client.LookupContactParams{Phone: ""}))
		wantField(t, "phone=", l.StatusCode(), l.Body, "phone", "query")
		for _, q := range []string{"limit=abc", "limit=1.5", "limit=99999999999"} {
			status, body, _ := h.do("GET", "/api/v1/contact-lists?"+q, "", "X-API-Key", h.admin)
			wantField(t, q, status, body, "limit", "query")
		}
		// A refused query changes nothing, whatever the operation would have done.
		list := must(c.CreateContactListWithResponse(ctx, client.NewContactList{Name: "kept"})).JSON201
		for _, q := range []string{"force=1", "%zz=1", "listId=%"} {
			status, body, _ := h.do("DELETE", fmt.Sprintf("/api/v1/contact-lists/%d?%s", list.Id, q), "", "X-API-Key", h.admin)
			envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
		}
		if r := must(c.GetContactListWithResponse(ctx, list.Id)); r.JSON200 == nil {
			t.Fatalf("a refused delete deleted the list: %d %s", r.StatusCode(), r.Body)
		}

		// Well-formed ones pass, escapes included.
		if r := must(c.ListContactListsWithResponse(ctx, &client.ListContactListsParams{Limit: ptr(int32(200))})); r.JSON200 == nil {
			t.Fatalf("limit=200: %d %s", r.StatusCode(), r.Body)
		}
		if status, body, _ := h.do("GET", "/api/v1/contact-lookup/?phone=%2B54+223+15-596-1983&&", "", "X-API-Key", h.admin); status != http.StatusOK {
			t.Fatalf("an escaped phone: %d %s", status, body)
		}
	})
}

// queryParams lists an operation's query parameters, by name.
func queryParams(op *openapi3.Operation) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, ref := range op.Parameters {
		if ref.Value.In == openapi3.ParameterInQuery {
			out = append(out, ref.Value)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// exampleOf is a parameter's example as the query string carries it.
func exampleOf(t *testing.T, p *openapi3.Parameter) string {
	t.Helper()
	ex := p.Example
	if ex == nil && p.Schema != nil && p.Schema.Value != nil {
		ex = p.Schema.Value.Example
	}
	if ex == nil {
		ex = unexampled[p.Name]
	}
	if ex == nil {
		t.Fatalf("parameter %s has no example", p.Name)
	}
	return fmt.Sprint(ex)
}

// unexampled are well-formed values of the optional parameters the spec gives no example, so
// that tools (Swagger UI, Postman) do not send one unasked: a session narrows the lookup,
// source, group and q narrow the seen contacts, contactListId and prefix narrow the tag and
// category counts, a made-up cursor is a 400, and the QR code's format is JSON unless a
// person asks for the PNG.
var unexampled = map[string]any{
	"sessionId":     "sess_01HZX3B0V6W8Q9M2N4P5R7T1Y0",
	"cursor":        "eyJrIjoiY29udGFjdC1saXN0cyIsImEiOjV9.Zm9v",
	"format":        "json",
	"source":        "dm",
	"group":         "120363025246125888@g.us",
	"q":             "ana",
	"contactListId": 1,
	"prefix":        "le",
}

// fillPath puts each path parameter's example into a spec path.
func fillPath(t *testing.T, path string, op *openapi3.Operation) string {
	for _, ref := range op.Parameters {
		if p := ref.Value; p.In == openapi3.ParameterInPath {
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(exampleOf(t, p)))
		}
	}
	return path
}

// TestQueryProblemsAreBounded: a query string of thousands of bad pairs is a 400 that lists
// the first few problems and counts the rest, not one entry per pair (which answered 100 kB of
// "a&a&a…" with 5 MB).
func TestQueryProblemsAreBounded(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const pairs = 5000
		for name, query := range map[string]string{
			"one unknown name, repeated": strings.Repeat("a&", pairs-1) + "a",
			"distinct unknown names":     strings.Join(numbered("x", pairs), "&"),
			"bad escapes":                strings.Join(numbered("limit=%zz", pairs), "&"),
		} {
			status, body, _ := h.do("GET", "/api/v1/contact-lists?"+query, "", "X-API-Key", h.admin)
			e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
			fields, _ := e.Details["fields"].([]any)
			if len(fields) == 0 || len(fields) > 20 {
				t.Errorf("%s: %d fields listed, want 1 to 20", name, len(fields))
			}
			if !strings.Contains(e.Message, fmt.Sprintf("%d problems in all", pairs)) {
				t.Errorf("%s: the message does not count the problems: %q", name, e.Message)
			}
			if len(body) > len(query) {
				t.Errorf("%s: a %d-byte query string is answered with %d bytes", name, len(query), len(body))
			}
		}
		// A few problems are all listed, without a count.
		status, body, _ := h.do("GET", "/api/v1/contact-lists?a&b&limit=", "", "X-API-Key", h.admin)
		e := envelope(t, status, body, http.StatusBadRequest, client.ErrorCodeValidationError)
		if fields, _ := e.Details["fields"].([]any); len(fields) != 3 || strings.Contains(e.Message, "in all") {
			t.Errorf("three problems: %d fields, message %q", len(fields), e.Message)
		}
	})
}

// numbered is n copies of s, each with its index after it: x0, x1, …
func numbered(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", s, i)
	}
	return out
}
