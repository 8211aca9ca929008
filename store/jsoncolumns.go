package store

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// jsonTags is a list of tags kept as a JSON array (jsonb on PostgreSQL, TEXT on SQLite).
type jsonTags []string

func (t jsonTags) Value() (driver.Value, error) {
	if t == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(t))
	return string(b), err
}

func (t *jsonTags) Scan(src any) error {
	b, err := jsonBytes(src)
	if err != nil {
		return err
	}
	*t = nil
	return json.Unmarshal(b, (*[]string)(t))
}

// jsonObject is a free JSON object, kept as raw JSON (jsonb on PostgreSQL, TEXT on SQLite):
// the store never looks inside, and decoding it would turn 12345678901234567 into a float64.
type jsonObject json.RawMessage

func (o jsonObject) Value() (driver.Value, error) {
	if len(o) == 0 {
		return "{}", nil
	}
	return string(o), nil
}

func (o *jsonObject) Scan(src any) error {
	b, err := jsonBytes(src)
	if err != nil {
		return err
	}
	*o = append((*o)[:0], b...) // the driver may reuse b
	return nil
}

// compactObject checks that raw is one JSON object and returns it without insignificant white
// space. Returns EINVALID otherwise.
func compactObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage("{}"), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, invalid(field, "%s must be a JSON object", field)
	}
	return buf.Bytes(), nil
}

func jsonBytes(src any) ([]byte, error) {
	switch v := src.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	case nil:
		return []byte("null"), nil
	default:
		return nil, fmt.Errorf("cannot read JSON column from %T", src)
	}
}
