package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// batchBody is a batch lookup of 1000 phones, the largest body that operation takes.
var batchBody = []byte(`{"phones": ["` + strings.Repeat(`+54 223 15-596-1983", "`, 999) + `5492235961983"]}`)

// BenchmarkWellFormedJSON is the cost strictBody adds to a body; compare it with
// BenchmarkDecodeAsValidatorDoes, the least the validator then spends on the same bytes.
func BenchmarkWellFormedJSON(b *testing.B) {
	b.SetBytes(int64(len(batchBody)))
	for b.Loop() {
		if err := wellFormedJSON(batchBody); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAsValidatorDoes(b *testing.B) {
	b.SetBytes(int64(len(batchBody)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(batchBody, &v); err != nil {
			b.Fatal(err)
		}
	}
}
