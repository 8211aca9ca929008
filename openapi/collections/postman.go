package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// object is a JSON object of the collection; encoding/json writes its keys sorted, so the
// output is the same on every run (CI compares it with the committed file).
type object = map[string]any

const postmanSchema = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

func postmanCollection(doc *openapi3.T, ops []operation) object {
	variables := []object{
		{"key": "baseUrl", "value": defaultBaseURL, "type": "string", "description": "Where wagate serves, without a trailing slash."},
		{"key": "apiKey", "value": "", "type": "string", "description": "An API key (wgk_…): the one the first start printed, or one from POST /api/v1/api-keys."},
	}
	for _, name := range pathVariables {
		variables = append(variables, object{"key": name, "value": exampleOf(doc, name), "type": "string",
			"description": "The spec's example; the walk-through sets it from its answers."})
	}
	folders := []any{walkThrough()}
	var current object
	for _, o := range ops {
		if current == nil || current["name"] != o.tag {
			current = object{"name": o.tag, "item": []any{}}
			for _, t := range doc.Tags {
				if t.Name == o.tag {
					current["description"] = strings.TrimSpace(t.Description)
				}
			}
			folders = append(folders, current)
		}
		current["item"] = append(current["item"].([]any), postmanItem(o))
	}
	return object{
		"info": object{
			"name":        doc.Info.Title,
			"description": "Generated from openapi/openapi.yaml by openapi/collections (go generate ./openapi). Set apiKey (and baseUrl when the server is not at " + defaultBaseURL + "), then run the Walk-through folder.\n\n" + strings.TrimSpace(doc.Info.Description),
			"schema":      postmanSchema,
		},
		"auth": object{"type": "apikey", "apikey": []object{
			{"key": "key", "value": "X-API-Key", "type": "string"},
			{"key": "value", "value": "{{apiKey}}", "type": "string"},
			{"key": "in", "value": "header", "type": "string"},
		}},
		"variable": variables,
		"item":     folders,
	}
}

// postmanItem is one operation as a request of the reference folders, with a test that its
// answer has a status the spec declares for it.
func postmanItem(o operation) object {
	var vars []object
	path := segments(o.path, func(n string) string {
		vars = append(vars, object{"key": n, "value": "{{" + n + "}}"})
		return ":" + n
	})
	url := object{
		"raw":  "{{baseUrl}}/" + strings.Join(path, "/"),
		"host": []string{"{{baseUrl}}"},
		"path": path,
	}
	if len(vars) > 0 {
		url["variable"] = vars
	}
	var query []object
	var raw []string
	for _, q := range o.query {
		p := object{"key": q.name, "value": q.value, "description": q.description}
		if !q.required {
			p["disabled"] = true
		} else {
			raw = append(raw, q.name+"="+q.value)
		}
		query = append(query, p)
	}
	if len(query) > 0 {
		url["query"] = query
		if len(raw) > 0 {
			url["raw"] = url["raw"].(string) + "?" + strings.Join(raw, "&")
		}
	}
	req := object{"method": o.method, "url": url, "description": o.description}
	if o.body != "" {
		req["header"] = []object{{"key": "Content-Type", "value": "application/json"}}
		req["body"] = object{"mode": "raw", "raw": o.body, "options": object{"raw": object{"language": "json"}}}
	}
	if o.noAuth {
		req["auth"] = object{"type": "noauth"}
	}
	declared := fmt.Sprintf("[%s]", strings.Join(o.statuses, ", "))
	return object{
		"name":    o.summary,
		"request": req,
		"event": []object{testScript(
			fmt.Sprintf("pm.test(\"answers a status the spec declares for %s\", () => {", o.id),
			fmt.Sprintf("  pm.expect(%s).to.include(pm.response.code);", declared),
			"});",
		)},
	}
}

func testScript(lines ...string) object {
	return object{"listen": "test", "script": object{"type": "text/javascript", "exec": lines}}
}

// spellings are the README's five spellings of one Argentine mobile, written as a query
// string carries them ('+' and ' ' escaped: a bare '+' in a query means a space).
var spellings = []struct{ shown, query string }{
	{"+5492235961983", "%2B5492235961983"},
	{"5492235961983", "5492235961983"},
	{"+54223155961983", "%2B54223155961983"},
	{"54223155961983", "54223155961983"},
	{"+54 223 15-596-1983", "%2B54%20223%2015-596-1983"},
}

// walkThrough is the README's walk-through as a folder run in order: each request checks its
// answer and hands the ids it created to the next through collection variables.
func walkThrough() object {
	post := func(name, path, body string, tests ...string) object {
		return object{
			"name": name,
			"request": object{
				"method": "POST",
				"header": []object{{"key": "Content-Type", "value": "application/json"}},
				"url":    object{"raw": "{{baseUrl}}/" + path, "host": []string{"{{baseUrl}}"}, "path": strings.Split(path, "/")},
				"body":   object{"mode": "raw", "raw": body, "options": object{"raw": object{"language": "json"}}},
			},
			"event": []object{testScript(tests...)},
		}
	}
	items := []any{
		post("Create a list", "api/v1/contact-lists",
			"{\n  \"name\": \"Walk-through {{$guid}}\",\n  \"description\": \"Made by the Postman walk-through\"\n}",
			`pm.test("201 with the new list", () => {`,
			`  pm.response.to.have.status(201);`,
			`  const list = pm.response.json();`,
			`  pm.expect(list.id).to.be.a("number");`,
			`  pm.expect(list.name).to.match(/^Walk-through /);`,
			`  pm.collectionVariables.set("listId", String(list.id));`,
			`});`),
		post("Add a contact", "api/v1/contacts",
			"{\n  \"contactListId\": {{listId}},\n  \"phone\": \"+54 223 15-596-1983\",\n  \"fullName\": \"Juan Perez\",\n  \"email\": \"juan@ejemplo.com\",\n  \"source\": \"organic\",\n  \"tags\": [\"lead\"]\n}",
			`pm.test("201 with the contact, its phone in E.164", () => {`,
			`  pm.response.to.have.status(201);`,
			`  const contact = pm.response.json();`,
			`  pm.expect(contact.phone).to.eql("+5492235961983");`,
			`  pm.expect(String(contact.contactListId)).to.eql(pm.collectionVariables.get("listId"));`,
			`  pm.collectionVariables.set("contactId", String(contact.id));`,
			`});`),
	}
	for _, s := range spellings {
		path := []string{"api", "v1", "contact-lookup", ""}
		items = append(items, object{
			"name": "Look it up as " + s.shown,
			"request": object{
				"method": "GET",
				"url": object{
					"raw":  "{{baseUrl}}/api/v1/contact-lookup/?phone=" + s.query,
					"host": []string{"{{baseUrl}}"}, "path": path,
					"query": []object{{"key": "phone", "value": s.query}},
				},
			},
			"event": []object{testScript(
				fmt.Sprintf(`pm.test(%q, () => {`, "200, found: "+s.shown+" is the contact just added"),
				`  pm.response.to.have.status(200);`,
				`  const lookup = pm.response.json();`,
				`  pm.expect(lookup.found).to.eql(true);`,
				`  pm.expect(String(lookup.contact.id)).to.eql(pm.collectionVariables.get("contactId"));`,
				`  pm.expect(lookup.contact.phone).to.eql("+5492235961983");`,
				`  pm.expect(lookup).to.have.property("sessionWindowActive");`,
				`});`,
			)},
		})
	}
	items = append(items, post("Look many up at once", "api/v1/contact-lookup/batch",
		"{\n  \"phones\": [\"5492235961983\", \"+54 223 15-596-1983\", \"not a phone\"]\n}",
		`pm.test("200, one result per phone in input order, the bad one with its own error", () => {`,
		`  pm.response.to.have.status(200);`,
		`  const results = pm.response.json().results;`,
		`  pm.expect(results).to.have.length(3);`,
		`  for (const r of results.slice(0, 2)) {`,
		`    pm.expect(r.found).to.eql(true);`,
		`    pm.expect(String(r.contact.id)).to.eql(pm.collectionVariables.get("contactId"));`,
		`  }`,
		`  pm.expect(results[2].found).to.eql(false);`,
		`  pm.expect(results[2].error.code).to.eql("validation_error");`,
		`});`))
	// bare is a request without a body; query, when set, is one name=value parameter.
	bare := func(method, name, path, query string, tests ...string) object {
		url := object{"raw": "{{baseUrl}}/" + path, "host": []string{"{{baseUrl}}"}, "path": strings.Split(path, "/")}
		if k, v, ok := strings.Cut(query, "="); ok {
			url["raw"] = url["raw"].(string) + "?" + query
			url["query"] = []object{{"key": k, "value": v}}
		}
		return object{"name": name, "request": object{"method": method, "url": url}, "event": []object{testScript(tests...)}}
	}
	items = append(items,
		post("Create a WhatsApp session", "api/v1/sessions",
			"{\n  \"name\": \"Walk-through {{$guid}}\"\n}",
			`pm.test("201 with the new session, disconnected", () => {`,
			`  pm.response.to.have.status(201);`,
			`  const session = pm.response.json();`,
			`  pm.expect(session.id).to.match(/^sess_/);`,
			`  pm.expect(session.status).to.eql("disconnected");`,
			`  pm.collectionVariables.set("sessionId", session.id);`,
			`});`),
		bare("POST", "Connect it", "api/v1/sessions/{{sessionId}}/connect", "",
			`pm.test("200 at once, connecting: the dial goes on in the background", () => {`,
			`  pm.response.to.have.status(200);`,
			`  pm.expect(pm.response.json().status).to.eql("connecting");`,
			`});`),
		bare("GET", "See its status and why", "api/v1/sessions/{{sessionId}}", "",
			`pm.test("200 with a status and its reason in words", () => {`,
			`  pm.response.to.have.status(200);`,
			`  const session = pm.response.json();`,
			`  pm.expect(["connecting", "pairing", "disconnected"]).to.include(session.status);`,
			`  pm.expect(session.reason).to.be.a("string").and.not.be.empty;`,
			`});`),
		bare("GET", "Check a number before it is paired", "api/v1/sessions/{{sessionId}}/contacts/check", "phone=5492235961983",
			`pm.test("501 not_implemented: a live check needs a connected session", () => {`,
			`  pm.response.to.have.status(501);`,
			`  pm.expect(pm.response.json().error.code).to.eql("not_implemented");`,
			`});`),
	)
	return object{
		"name":        "Walk-through",
		"description": "The README's walk-through, run in order: create a list, add a contact, look it up by every spelling, look many up at once; then create a WhatsApp session, connect it, see its status and why, and check a number (501 until a phone is paired). Each request checks its answer; the ids go from one request to the next through the listId, contactId and sessionId variables.",
		"item":        slices.Clip(items),
	}
}
