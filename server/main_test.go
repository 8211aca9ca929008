package server_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestMain runs the tests, then, when the whole package ran (no -run, no -short), fails if a
// declared operation or status was never produced: a spec that promises an answer no test
// sees is a spec nobody checked.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		doc, _ := loadSpec(nil)
		if missing := coverage.missing(doc); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: the tests never produced these declared responses:\n  %s\n", strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}
