package main

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// insomniaExport is every operation as an Insomnia v4 export: one folder per tag, the
// credentials and the base URL from the base environment's api_key and base_url.
func insomniaExport(doc *openapi3.T, ops []operation) object {
	const workspace = "wrk_wagate"
	env := object{"base_url": defaultBaseURL, "api_key": ""}
	for _, name := range pathVariables {
		env[name] = exampleOf(doc, name)
	}
	resources := []any{
		object{"_id": workspace, "_type": "workspace", "parentId": nil, "name": doc.Info.Title, "scope": "collection",
			"description": "Generated from openapi/openapi.yaml by openapi/collections (go generate ./openapi). Set api_key in the base environment (and base_url when the server is not at " + defaultBaseURL + ")."},
		object{"_id": "env_wagate", "_type": "environment", "parentId": workspace, "name": "Base Environment", "data": env},
	}
	folders := map[string]string{}
	for _, o := range ops {
		folder, ok := folders[o.tag]
		if !ok {
			folder = "fld_" + strings.ToLower(strings.ReplaceAll(o.tag, " ", "_"))
			folders[o.tag] = folder
			resources = append(resources, object{"_id": folder, "_type": "request_group", "parentId": workspace, "name": o.tag})
		}
		url := "{{ _.base_url }}/" + strings.Join(segments(o.path, func(n string) string { return "{{ _." + n + " }}" }), "/")
		params := []object{}
		for _, q := range o.query {
			params = append(params, object{"name": q.name, "value": q.value, "description": q.description, "disabled": !q.required})
		}
		req := object{
			"_id": "req_" + o.id, "_type": "request", "parentId": folder,
			"name": o.summary, "description": o.description, "method": o.method, "url": url,
			"parameters": params, "headers": []object{}, "body": object{},
			"authentication": object{"type": "apikey", "disabled": false, "key": "X-API-Key", "value": "{{ _.api_key }}", "addTo": "header"},
		}
		if o.noAuth {
			req["authentication"] = object{}
		}
		if o.body != "" {
			req["headers"] = []object{{"name": "Content-Type", "value": "application/json"}}
			req["body"] = object{"mimeType": "application/json", "text": o.body}
		}
		resources = append(resources, req)
	}
	return object{"_type": "export", "__export_format": 4, "__export_source": "wagate.openapi.collections", "resources": resources}
}
