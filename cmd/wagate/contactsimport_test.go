package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// upload is what the fake server received.
type upload struct {
	method, path, contentType, key string
	query                          url.Values
	contentLength                  int64 // -1 when chunked
	body                           []byte
}

// fakeWagate plays the server of POST /api/v1/contacts/import: it reads the whole body, records
// the request and answers status with answer as JSON (a string as it is).
type fakeWagate struct {
	*httptest.Server
	mu      sync.Mutex
	uploads []upload
	status  int
	answer  any
}

func newFakeWagate(t *testing.T, status int, answer any) *fakeWagate {
	t.Helper()
	f := &fakeWagate{status: status, answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the upload: %v", err)
		}
		f.mu.Lock()
		f.uploads = append(f.uploads, upload{
			method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			key: r.Header.Get("X-API-Key"), query: r.URL.Query(), contentLength: r.ContentLength, body: body,
		})
		f.mu.Unlock()
		if page, ok := f.answer.(string); ok { // not wagate's JSON: a proxy's page
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(f.status)
			io.WriteString(w, page)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		json.NewEncoder(w).Encode(f.answer)
	}))
	t.Cleanup(f.Close)
	return f
}

// only is the one upload the server received.
func (f *fakeWagate) only(t *testing.T) upload {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.uploads) != 1 {
		t.Fatalf("the server received %d uploads, want 1", len(f.uploads))
	}
	return f.uploads[0]
}

func (f *fakeWagate) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.uploads)
}

// succeeded is an Import record of a clean import of n rows.
func succeeded(n int) map[string]any {
	return map[string]any{
		"id": "imp_1", "status": "succeeded", "contactListId": 5, "contactListName": "Leads",
		"listCreated": true, "format": "csv", "onConflict": "update", "atomic": false,
		"rowsRead": n, "created": n, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0,
		"failedRows": []any{}, "failedRowsOmitted": 0, "error": nil,
		"startedAt": "2025-01-15T10:30:00Z", "finishedAt": "2025-01-15T10:30:01Z",
	}
}

// importCLI runs wagate with args, stdin and the environment e; stderr is a buffer, which is
// no terminal.
func importCLI(t *testing.T, e env, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	root := newCommands(e.get)
	root.SetIn(stdin)
	var out, errOut bytes.Buffer
	code = execute(context.Background(), root, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const csvFile = "phone,fullName\n+5491155550000,Ana Gomez\n"

// TestImportFlagsToParameters: each flag becomes its query parameter, and one not given is
// not sent (the server's default holds); the key goes as X-API-Key.
func TestImportFlagsToParameters(t *testing.T) {
	path := writeFile(t, "leads.csv", csvFile)
	for _, tc := range []struct {
		flags []string
		want  url.Values
	}{
		{[]string{"--list", "Lista Principal"}, url.Values{"contactListName": {"Lista Principal"}}},
		{[]string{"--list-id", "7"}, url.Values{"contactListId": {"7"}}},
		{[]string{"--list-id", "7", "--on-conflict", "skip", "--atomic", "--country-code", "AR"},
			url.Values{"contactListId": {"7"}, "onConflict": {"skip"}, "atomic": {"true"}, "countryCode": {"AR"}}},
		{[]string{"--list", "a&b=c", "--atomic=false", "--on-conflict", "fail"},
			url.Values{"contactListName": {"a&b=c"}, "atomic": {"false"}, "onConflict": {"fail"}}},
	} {
		srv := newFakeWagate(t, http.StatusOK, succeeded(1))
		args := append([]string{"contacts", "import", path, "--server", srv.URL, "--key", "k1"}, tc.flags...)
		code, out, errs := importCLI(t, env{}, nil, args...)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s%s", tc.flags, code, out, errs)
			continue
		}
		u := srv.only(t)
		if u.method != http.MethodPost || u.path != "/api/v1/contacts/import" || u.key != "k1" || u.contentType != "text/csv" {
			t.Errorf("%v: %s %s, key %q, Content-Type %q", tc.flags, u.method, u.path, u.key, u.contentType)
		}
		if u.query.Encode() != tc.want.Encode() {
			t.Errorf("%v: query %s, want %s", tc.flags, u.query.Encode(), tc.want.Encode())
		}
	}
}

// TestImportFormat: the Content-Type follows --format, else the extension; a name without a
// known extension, or stdin, needs --format (exit 2, and nothing is sent).
func TestImportFormat(t *testing.T) {
	srv := newFakeWagate(t, http.StatusOK, succeeded(1))
	for _, tc := range []struct {
		name   string
		format string
		want   string // Content-Type; "" for a usage error
	}{
		{"a.csv", "", "text/csv"},
		{"A.CSV", "", "text/csv"},
		{"a.ndjson", "", "application/x-ndjson"},
		{"a.jsonl", "", "application/x-ndjson"},
		{"a.json", "", "application/json"},
		{"a.txt", "csv", "text/csv"},
		{"a.csv", "json", "application/json"},
		{"a.txt", "", ""},
		{"contacts", "", ""},
		{"a.csv", "xml", ""},
	} {
		path := writeFile(t, tc.name, csvFile)
		before := srv.count()
		args := []string{"contacts", "import", path, "--list", "L", "--server", srv.URL, "--key", "k"}
		if tc.format != "" {
			args = append(args, "--format", tc.format)
		}
		code, _, errs := importCLI(t, env{}, nil, args...)
		if tc.want == "" {
			if code != 2 || !strings.Contains(errs, "--format") || srv.count() != before {
				t.Errorf("%s --format %q: exit %d, %d uploads, stderr %q; want 2 asking for --format, nothing sent", tc.name, tc.format, code, srv.count()-before, errs)
			}
			continue
		}
		if code != 0 {
			t.Errorf("%s --format %q: exit %d: %s", tc.name, tc.format, code, errs)
			continue
		}
		if got := srv.uploads[len(srv.uploads)-1].contentType; got != tc.want {
			t.Errorf("%s --format %q: Content-Type %q, want %q", tc.name, tc.format, got, tc.want)
		}
	}
}

// TestImportBodyByteForByte: a file arrives as it is (here 3 MiB of any bytes: the client
// never reads or converts it), with its length; stdin arrives as it is too, chunked.
func TestImportBodyByteForByte(t *testing.T) {
	content := make([]byte, 3<<20+17)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(r.UintN(256))
	}
	path := writeFile(t, "big.ndjson", string(content))

	srv := newFakeWagate(t, http.StatusOK, succeeded(1))
	if code, _, errs := importCLI(t, env{}, nil, "contacts", "import", path, "--list", "L", "--server", srv.URL, "--key", "k"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	u := srv.only(t)
	if !bytes.Equal(u.body, content) || u.contentLength != int64(len(content)) {
		t.Errorf("file: received %d bytes (Content-Length %d), equal %v; sent %d", len(u.body), u.contentLength, bytes.Equal(u.body, content), len(content))
	}

	srv = newFakeWagate(t, http.StatusOK, succeeded(1))
	// A reader that is no file: its size is unknown, as a pipe's.
	stdin := io.MultiReader(bytes.NewReader(content))
	if code, _, errs := importCLI(t, env{}, stdin, "contacts", "import", "-", "--format", "ndjson", "--list", "L", "--server", srv.URL, "--key", "k"); code != 0 {
		t.Fatalf("stdin: exit %d: %s", code, errs)
	}
	u = srv.only(t)
	if !bytes.Equal(u.body, content) || u.contentLength != -1 || u.contentType != "application/x-ndjson" {
		t.Errorf("stdin: received %d bytes (Content-Length %d, %q), equal %v; sent %d", len(u.body), u.contentLength, u.contentType, bytes.Equal(u.body, content), len(content))
	}
}

// TestImportServerAndKey: --key, else WAGATE_API_KEY; neither is exit 2 naming both, before
// anything is sent. --server, else WAGATE_SERVER.
func TestImportServerAndKey(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	srv := newFakeWagate(t, http.StatusOK, succeeded(1))

	code, out, errs := importCLI(t, env{"WAGATE_SERVER": srv.URL}, nil, "contacts", "import", path, "--list", "L")
	if code != 2 || out != "" || !strings.Contains(errs, "--key") || !strings.Contains(errs, "WAGATE_API_KEY") || srv.count() != 0 {
		t.Errorf("no key: exit %d, stdout %q, stderr %q, %d uploads; want 2 naming --key and WAGATE_API_KEY", code, out, errs, srv.count())
	}

	if code, _, errs := importCLI(t, env{"WAGATE_SERVER": srv.URL, "WAGATE_API_KEY": "from-env"}, nil, "contacts", "import", path, "--list", "L"); code != 0 {
		t.Fatalf("key from the environment: exit %d: %s", code, errs)
	}
	if code, _, errs := importCLI(t, env{"WAGATE_SERVER": "http://127.0.0.1:1", "WAGATE_API_KEY": "from-env"}, nil,
		"contacts", "import", path, "--list", "L", "--server", srv.URL, "--key", "from-flag"); code != 0 {
		t.Fatalf("key and server from flags: exit %d: %s", code, errs)
	}
	if srv.count() != 2 || srv.uploads[0].key != "from-env" || srv.uploads[1].key != "from-flag" {
		t.Errorf("uploads %d, keys %q: want from-env then from-flag", srv.count(), []string{srv.uploads[0].key, srv.uploads[len(srv.uploads)-1].key})
	}

	for _, bad := range []string{"127.0.0.1:8080", "ftp://h", "http://"} {
		if code, _, errs := importCLI(t, env{"WAGATE_API_KEY": "k"}, nil, "contacts", "import", path, "--list", "L", "--server", bad); code != 2 || !strings.Contains(errs, "--server") {
			t.Errorf("--server %q: exit %d, stderr %q; want 2", bad, code, errs)
		}
	}
}

// TestImportUsageErrors: the list is --list or --list-id, exactly one; the flags the client
// can judge are judged before anything is sent.
func TestImportUsageErrors(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	srv := newFakeWagate(t, http.StatusOK, succeeded(1))
	for _, args := range [][]string{
		{},
		{"--list", "L", "--list-id", "3"},
		{"--list-id", "0"},
		{"--list", "L", "--on-conflict", "replace"},
		{"--list", "L", "extra"},
	} {
		all := append([]string{"contacts", "import", path, "--server", srv.URL, "--key", "k"}, args...)
		if code, out, errs := importCLI(t, env{}, nil, all...); code != 2 || out != "" || !strings.Contains(errs, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and the usage", args, code, out, errs)
		}
	}
	if code, _, errs := importCLI(t, env{}, nil, "contacts", "import", "--list", "L", "--key", "k"); code != 2 {
		t.Errorf("no FILE: exit %d: %s", code, errs)
	}
	if srv.count() != 0 {
		t.Errorf("%d uploads after usage errors", srv.count())
	}
}

// TestImportReportSucceeded: a clean import is its report on stdout, exit 0, and nothing on
// stderr (a buffer, like a file, is no terminal: no progress is drawn).
func TestImportReportSucceeded(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	rec := succeeded(3)
	rec["created"], rec["updated"], rec["unchanged"] = 1, 1, 1
	srv := newFakeWagate(t, http.StatusOK, rec)
	code, out, errs := importCLI(t, env{}, nil, "contacts", "import", path, "--list", "Leads", "--server", srv.URL, "--key", "k")
	want := `import imp_1: succeeded
list: 5 "Leads" (created by this import)
rows read: 3
created 1, updated 1, unchanged 1, skipped 0, failed 0
imported: 3 rows
`
	if code != 0 || out != want || errs != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant 0 and:\n%s", code, errs, out, want)
	}
}

// TestImportReportRowsFailed: failed rows are listed, 20 at most, then how many more and
// where to find them; exit 1 with the reason on the last line.
func TestImportReportRowsFailed(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	rec := succeeded(40)
	rec["created"], rec["failed"], rec["failedRowsOmitted"] = 10, 30, 5
	rows := []any{}
	for i := 1; i <= 25; i++ {
		rows = append(rows, map[string]any{"row": i, "line": i + 1, "field": "phone", "reason": "is too short to be a phone number"})
	}
	rows[1] = map[string]any{"row": 2, "line": 0, "field": nil, "reason": "unknown key \"phon\""}
	rec["failedRows"] = rows
	srv := newFakeWagate(t, http.StatusOK, rec)
	code, out, errs := importCLI(t, env{}, nil, "contacts", "import", path, "--list", "Leads", "--server", srv.URL, "--key", "k")
	for _, w := range []string{
		"created 10, updated 0, unchanged 0, skipped 0, failed 30\nfailed rows:\n  row 1 (line 2) phone: is too short to be a phone number\n  row 2: unknown key \"phon\"\n",
		"  row 20 (line 21) phone: is too short",
		"  and 10 more: GET /api/v1/imports/imp_1",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the report lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "row 21 ") {
		t.Errorf("the report lists more than 20 rows:\n%s", out)
	}
	if code != 1 || errs != "" || lastLine(out) != "rows failed: 30 of 40 rows read; the others were applied" {
		t.Errorf("exit %d, stderr %q, last line %q; want 1 and the rows failed", code, errs, lastLine(out))
	}
}

// TestImportReportFailed: a failed import is reported with its error on the last line, exit 1.
func TestImportReportFailed(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	rec := succeeded(2)
	rec["status"], rec["atomic"], rec["created"], rec["failed"] = "failed", true, 0, 1
	rec["failedRows"] = []any{map[string]any{"row": 2, "line": 3, "field": "email", "reason": "is not an email address"}}
	rec["error"] = "a row failed: an atomic import applies every row or none"
	srv := newFakeWagate(t, http.StatusOK, rec)
	code, out, errs := importCLI(t, env{}, nil, "contacts", "import", path, "--list", "Leads", "--atomic", "--server", srv.URL, "--key", "k")
	if code != 1 || errs != "" || !strings.HasPrefix(out, "import imp_1: failed\n") || !strings.Contains(out, "row 2 (line 3) email: is not an email address") ||
		lastLine(out) != "import failed: a row failed: an atomic import applies every row or none" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
}

// TestImportErrorEnvelope: an error answer is its status, code and message on stderr (with
// the import and line a file that stops being CSV names), exit 1, and no report.
func TestImportErrorEnvelope(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	envelope := func(code, msg string, details map[string]any) any {
		return map[string]any{"error": map[string]any{"code": code, "message": msg, "details": details}}
	}
	for _, tc := range []struct {
		status int
		answer any
		want   []string
	}{
		{400, envelope("validation_error", "the file stops being CSV", map[string]any{"importId": "imp_9", "line": 12}),
			[]string{"400 validation_error: the file stops being CSV", "import imp_9", "line 12"}},
		{400, envelope("validation_error", "invalid parameters", map[string]any{"fields": []any{map[string]any{"field": "countryCode", "in": "query", "message": "is not a region"}}}),
			[]string{"400 validation_error: invalid parameters; query countryCode: is not a region"}},
		{400, envelope("validation_error", "query parameter countryCode: is not a region", map[string]any{"fields": []any{map[string]any{"field": "countryCode", "in": "query", "message": "is not a region"}}}),
			[]string{"400 validation_error: query parameter countryCode: is not a region\n"}},
		{401, envelope("unauthorized", "a valid API key is required", nil), []string{"401 unauthorized: a valid API key is required"}},
		{403, envelope("forbidden", "requires write", nil), []string{"403 forbidden: requires write"}},
		{404, envelope("not_found", "contact list 7 not found", nil), []string{"404 not_found: contact list 7 not found"}},
		{413, envelope("payload_too_large", "over 512 MiB", nil), []string{"413 payload_too_large: over 512 MiB"}},
		{415, envelope("unsupported_media_type", "want text/csv", nil), []string{"415 unsupported_media_type"}},
		{500, envelope("internal", "internal error", map[string]any{"requestId": "req-1"}), []string{"500 internal: internal error", "request req-1"}},
		{502, "<html>Bad Gateway</html>", []string{"502 Bad Gateway", "Bad Gateway</html>"}},
	} {
		srv := newFakeWagate(t, tc.status, tc.answer)
		code, out, errs := importCLI(t, env{}, nil, "contacts", "import", path, "--list", "L", "--server", srv.URL, "--key", "k")
		if code != 1 || out != "" || strings.Contains(errs, "Usage:") {
			t.Errorf("%d: exit %d, stdout %q, stderr %q; want 1 and no report", tc.status, code, out, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%d: stderr %q lacks %q", tc.status, errs, w)
			}
		}
	}
}

// TestImportUnreachable: no server at the address is exit 1 with a message naming it.
func TestImportUnreachable(t *testing.T) {
	path := writeFile(t, "a.csv", csvFile)
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	code, out, errs := importCLI(t, env{}, nil, "contacts", "import", path, "--list", "L", "--server", addr, "--key", "k")
	if code != 1 || out != "" || !strings.Contains(errs, addr) || !strings.Contains(errs, "connection refused") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 naming %s", code, out, errs, addr)
	}
	missing := filepath.Join(t.TempDir(), "nope.csv")
	if code, _, errs := importCLI(t, env{}, nil, "contacts", "import", missing, "--list", "L", "--server", addr, "--key", "k"); code != 1 || !strings.Contains(errs, "nope.csv") {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}

// TestImportStderrNotTerminal: with stderr a real file (no terminal), and without --quiet,
// nothing is written to it: the report on stdout is all.
func TestImportStderrNotTerminal(t *testing.T) {
	path := writeFile(t, "a.csv", strings.Repeat("+5491155550000\n", 100000))
	srv := newFakeWagate(t, http.StatusOK, succeeded(1))
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	var out bytes.Buffer
	code := execute(context.Background(), newCommands(env{}.get), []string{"contacts", "import", path, "--list", "L", "--server", srv.URL, "--key", "k"}, &out, stderr)
	written, _ := os.ReadFile(stderr.Name())
	if code != 0 || len(written) > 0 || !strings.HasPrefix(out.String(), "import imp_1: succeeded") {
		t.Errorf("exit %d, stderr %q, stdout %q", code, written, out.String())
	}
}

// TestUploadProgress: drawn, the bar counts the bytes read, then says the server is applying
// once the file is read to its end, and is cleared at the end; with no terminal nothing is drawn.
func TestUploadProgress(t *testing.T) {
	for _, size := range []int64{200000, -1} {
		var drawn bytes.Buffer
		p := newUploadProgress(&drawn, size)
		n, err := io.Copy(io.Discard, p.reader(bytes.NewReader(make([]byte, 200000))))
		if err != nil || n != 200000 {
			t.Fatalf("size %d: copied %d: %v", size, n, err)
		}
		p.stop()
		s := drawn.String()
		for _, w := range []string{"uploading", "applying… (all 195.3 KiB sent"} {
			if !strings.Contains(s, w) {
				t.Errorf("size %d: the progress lacks %q: %q", size, w, s)
			}
		}
		if size > 0 && !strings.Contains(s, "/195 KiB)") {
			t.Errorf("size %d: the bar shows no total: %q", size, s)
		}
		if !strings.HasSuffix(s, "\r") {
			t.Errorf("size %d: the last thing drawn does not clear the line: %q", size, s[max(0, len(s)-80):])
		}
	}
	if w := progressWriter(&bytes.Buffer{}, false); w != nil {
		t.Error("progress drawn on a buffer")
	}
	if w := progressWriter(os.Stderr, true); w != nil {
		t.Error("progress drawn with --quiet")
	}
	if fmt.Sprint(humanBytes(1023), humanBytes(1536), humanBytes(5<<30)) != "1023 B1.5 KiB5.0 GiB" {
		t.Errorf("humanBytes: %s %s %s", humanBytes(1023), humanBytes(1536), humanBytes(5<<30))
	}
}
