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

// jsonObject is a free JSON object kept as sent (jsonb on PostgreSQL, TEXT on SQLite). Numbers
// stay json.Number so that large integers keep every digit.
type jsonObject map[string]any

func (o jsonObject) Value() (driver.Value, error) {
	if o == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]any(o))
	return string(b), err
}

func (o *jsonObject) Scan(src any) error {
	b, err := jsonBytes(src)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	m := map[string]any{}
	if err := dec.Decode(&m); err != nil {
		return err
	}
	*o = m
	return nil
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
