package whatsapp

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportBoundaries: whatsmeow is imported under whatsapp/ only, so everything above the
// adapter sees its own types; and the adapter imports no HTTP (server/, Echo), so it stays
// usable from anything and its errors are mapped in the one place that maps errors.
func TestImportBoundaries(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "go.mod")); err == nil && filepath.Dir(path) != root {
			return nil // another module (tools/)
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		inAdapter := strings.HasPrefix(filepath.ToSlash(rel), "whatsapp/")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case !inAdapter && strings.HasPrefix(p, "go.mau.fi/"):
				t.Errorf("%s imports %s: only whatsapp/ may import whatsmeow", rel, p)
			case inAdapter && (strings.HasPrefix(p, "github.com/wagate/wagate/server") || strings.HasPrefix(p, "github.com/labstack/echo")):
				t.Errorf("%s imports %s: the adapter knows nothing of HTTP", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("read only %d Go files under %s: the walk missed the module", files, root)
	}
}
