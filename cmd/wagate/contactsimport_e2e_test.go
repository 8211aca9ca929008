package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wagate/wagate/store/storetest"
)

// TestImportAgainstTheServer runs `wagate contacts import` against `wagate serve` on each
// engine: the report counts what the server did, a second run of the same file changes
// nothing, and a file with a bad row exits 1 naming it.
func TestImportAgainstTheServer(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			e := backendEnv(t, b)
			e["LISTEN_ADDR"] = "127.0.0.1:0"
			out, addr, stop := startServe(t, e)
			defer stop()
			client := env{"WAGATE_SERVER": "http://" + addr, "WAGATE_API_KEY": printedKey(t, out())}

			var file strings.Builder
			file.WriteString("phone,full_name,tags\n")
			for i := range 1200 {
				fmt.Fprintf(&file, "+549115%07d,Contact %d,lead;vip\n", i, i)
			}
			path := writeFile(t, "leads.csv", file.String())
			code, stdout, stderr := importCLI(t, client, nil, "contacts", "import", path, "--list", "Leads")
			if code != 0 || !strings.Contains(stdout, "succeeded") || !strings.Contains(stdout, "created 1200,") || !strings.Contains(stdout, `"Leads" (created by this import)`) {
				t.Fatalf("first import: exit %d\n%s\n%s", code, stdout, stderr)
			}
			code, stdout, stderr = importCLI(t, client, nil, "contacts", "import", path, "--list", "Leads")
			if code != 0 || !strings.Contains(stdout, "created 0, updated 0, unchanged 1200,") {
				t.Fatalf("the same file again: exit %d\n%s\n%s", code, stdout, stderr)
			}
			bad := writeFile(t, "bad.ndjson", `{"phone":"+5491155550000"}`+"\n"+`{"phone":"not a phone"}`+"\n")
			code, stdout, stderr = importCLI(t, client, nil, "contacts", "import", bad, "--list", "Leads", "--quiet")
			if code != 1 || !strings.Contains(stdout, "row 2 (line 2) phone: contains letters") || !strings.Contains(stdout, "created 1,") {
				t.Fatalf("a bad row: exit %d\n%s\n%s", code, stdout, stderr)
			}
		})
	}
}
