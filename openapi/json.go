package openapi

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// JSONDocument is openapi.yaml as the value /openapi.json encodes: the same bytes YAML serves,
// decoded (anchors resolved) into what encoding/json writes, so that /openapi.json and
// /openapi.yaml are one document.
func JSONDocument() (map[string]any, error) {
	var doc any
	if err := yaml.Unmarshal(YAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	m, ok := jsonValue(doc).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi.yaml is not a mapping")
	}
	return m, nil
}

// jsonValue turns what YAML decodes into what JSON encodes: a mapping whose keys are not all
// strings (an unquoted 200) decodes as map[any]any, which JSON cannot hold.
func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonValue(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonValue(e)
		}
		return v
	}
	return v
}
