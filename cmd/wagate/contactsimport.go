package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wagate/wagate/client"
)

// defaultServer is the wagate `contacts import` calls without --server or WAGATE_SERVER: the
// address `wagate serve` listens on by default.
const defaultServer = "http://127.0.0.1:8080"

// importFormats are the --format values and the Content-Type each is sent as.
var importFormats = map[string]string{
	"csv":    "text/csv",
	"ndjson": "application/x-ndjson",
	"json":   "application/json",
}

// importFlags are the command line of `contacts import`, as given.
type importFlags struct {
	list, onConflict, countryCode, format, server, key string
	listID                                             int64
	atomic, quiet                                      bool
}

// importCall is one upload, with everything the command line and the environment decided.
type importCall struct {
	path        string // "-" for stdin
	contentType string
	server, key string
	params      client.ImportContactsParams
	quiet       bool
}

// newContactsCommand is `contacts`, the client commands that work on contacts through a
// running wagate's API. Unlike the others, they read no server configuration.
func newContactsCommand(getenv func(string) string) *cobra.Command {
	return group("contacts", "Work with the contacts of a running wagate, through its API", newContactsImportCommand(getenv))
}

func newContactsImportCommand(getenv func(string) string) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a file of contacts (CSV, NDJSON or a JSON array) into a list",
		Long: "Upload FILE (\"-\" for stdin) to POST /api/v1/contacts/import of the wagate at --server, " +
			"streamed, and print the import's report. The format comes from the extension (.csv, .ndjson or .jsonl, .json) " +
			"unless --format says it. Exit 0 when every row was imported, 1 when the import or some rows failed, " +
			"2 for a mistake in the command line.",
		Args: cobra.ExactArgs(1),
		// FILE is the one argument any command takes that is a file: complete file names.
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			call, err := f.call(args[0], cmd.Flags().Changed("atomic"), getenv)
			if err != nil {
				return err
			}
			return importContacts(cmd.Context(), call, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.list, "list", "", "the list to import into, by name (created when there is none)")
	fl.Int64Var(&f.listID, "list-id", 0, "the list to import into, by id")
	fl.StringVar(&f.onConflict, "on-conflict", "", "when the list already holds a row's phone: update (the server's default), skip or fail")
	fl.BoolVar(&f.atomic, "atomic", false, "every row or none")
	fl.StringVar(&f.countryCode, "country-code", "", "the region national phone spellings are read under (ISO 3166-1 alpha-2, such as AR; default the organization's)")
	fl.StringVar(&f.format, "format", "", "csv, ndjson or json (default from FILE's extension)")
	fl.StringVar(&f.server, "server", "", "the wagate to call (default $WAGATE_SERVER, else "+defaultServer+")")
	fl.StringVar(&f.key, "key", "", "an API key with write (default $WAGATE_API_KEY)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "draw no progress; print only the report")
	cmd.MarkFlagsMutuallyExclusive("list", "list-id")
	cmd.MarkFlagsOneRequired("list", "list-id")
	cmd.RegisterFlagCompletionFunc("on-conflict", cobra.FixedCompletions([]string{"update", "skip", "fail"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"csv", "ndjson", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// call checks the flags and turns them into the request's parameters; every mistake is a
// usageError. Values the server judges (a country code, a list name) go as given: its answer
// names the one at fault.
func (f importFlags) call(path string, atomicGiven bool, getenv func(string) string) (importCall, error) {
	c := importCall{path: path, server: f.server, key: f.key, quiet: f.quiet}
	if c.server == "" {
		c.server = getenv("WAGATE_SERVER")
	}
	if c.server == "" {
		c.server = defaultServer
	}
	if u, err := url.Parse(c.server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, usageError{fmt.Sprintf("--server %q is not an http:// or https:// URL", c.server)}
	}
	if c.key == "" {
		c.key = getenv("WAGATE_API_KEY")
	}
	if c.key == "" {
		return c, usageError{"an API key is required: give --key or set WAGATE_API_KEY"}
	}

	format := f.format
	if format == "" {
		format = formatOf(path)
	}
	if format == "" {
		return c, usageError{fmt.Sprintf("cannot tell the format of %q from its name: give --format csv, ndjson or json", path)}
	}
	if c.contentType = importFormats[format]; c.contentType == "" {
		return c, usageError{fmt.Sprintf("--format %q: want csv, ndjson or json", format)}
	}

	if f.list != "" {
		c.params.ContactListName = &f.list
	} else {
		if f.listID <= 0 {
			return c, usageError{fmt.Sprintf("--list-id %d: a list id is a positive number", f.listID)}
		}
		c.params.ContactListId = &f.listID
	}
	if f.onConflict != "" {
		oc := client.ImportOnConflict(f.onConflict)
		if !oc.Valid() {
			return c, usageError{fmt.Sprintf("--on-conflict %q: want update, skip or fail", f.onConflict)}
		}
		c.params.OnConflict = &oc
	}
	// Sent only when given, so that the server's default holds otherwise.
	if atomicGiven {
		c.params.Atomic = &f.atomic
	}
	if f.countryCode != "" {
		c.params.CountryCode = &f.countryCode
	}
	return c, nil
}

// formatOf is the import format a file's extension names, or "" (stdin has none).
func formatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv"
	case ".ndjson", ".jsonl":
		return "ndjson"
	case ".json":
		return "json"
	}
	return ""
}

// importContacts uploads the file and prints the server's report on stdout. The file is
// streamed: the server imports as it reads, so memory stays flat on both sides whatever its size.
func importContacts(ctx context.Context, call importCall, stdin io.Reader, stdout, stderr io.Writer) error {
	src, size, closeSrc, err := openImportFile(call.path, stdin)
	if err != nil {
		return failure{err}
	}
	defer closeSrc()

	c, err := client.New(call.server, client.WithAPIKey(call.key))
	if err != nil {
		return failure{err}
	}
	progress := newUploadProgress(progressWriter(stderr, call.quiet), size)
	var editors []client.RequestEditorFn
	if size >= 0 {
		// A known length is sent as Content-Length rather than chunked, so a server whose
		// limit it exceeds answers 413 before a byte of it travels.
		editors = append(editors, func(_ context.Context, r *http.Request) error {
			r.ContentLength = size
			return nil
		})
	}
	resp, err := c.Responses().ImportContactsWithBodyWithResponse(ctx, &call.params, call.contentType, progress.reader(src), editors...)
	progress.stop()
	if err != nil {
		return failure{unreachable(call.server, err)}
	}
	if resp.StatusCode() == http.StatusOK && resp.JSON200 != nil {
		if verdict := writeImportReport(stdout, *resp.JSON200); verdict != "" {
			return reported{verdict}
		}
		return nil
	}
	return failure{describeAPIError(apiError(resp.HTTPResponse, resp.Body))}
}

// openImportFile opens the file to upload, and says its size when it is a regular file (-1
// otherwise: a pipe, stdin from a terminal), for the progress bar's total and Content-Length.
func openImportFile(path string, stdin io.Reader) (r io.Reader, size int64, closeFn func(), err error) {
	noop := func() {}
	if path == "-" {
		if f, ok := stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				// Redirected from a file: what is left of it to read.
				if off, err := f.Seek(0, io.SeekCurrent); err == nil {
					return stdin, st.Size() - off, noop, nil
				}
			}
		}
		return stdin, -1, noop, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%s is a directory", path)
	}
	size = -1
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, func() { f.Close() }, nil
}

// unreachable says why a request got no answer, naming the server for the usual cause: none
// listening at that address.
func unreachable(server string, err error) error {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("no wagate is listening at %s (connection refused): start it, or point --server or WAGATE_SERVER at it", server)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted before the server answered; the import may have applied some chunks: GET /api/v1/imports lists it")
	}
	return fmt.Errorf("calling %s: %w", server, err)
}
