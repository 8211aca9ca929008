package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed collections are what the spec generates: a spec change without
// `go generate ./openapi` fails here as well as in CI's drift check.
func TestCommittedCollectionsAreGenerated(t *testing.T) {
	dir := t.TempDir()
	postman, insomnia := filepath.Join(dir, "postman.json"), filepath.Join(dir, "insomnia.json")
	if err := run(filepath.Join("..", "openapi.yaml"), postman, insomnia); err != nil {
		t.Fatal(err)
	}
	for committed, generated := range map[string]string{"postman.json": postman, "insomnia.json": insomnia} {
		want, err := os.ReadFile(generated)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", committed))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("openapi/%s is not what openapi/openapi.yaml generates: run go generate ./openapi", committed)
		}
	}
}
