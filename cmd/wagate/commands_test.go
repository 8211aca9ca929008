package main

import (
	"bytes"
	"context"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wagate/wagate/store/storetest"
)

// TestHelpNeverActs: --help on every command prints that command's usage and flags and exits
// 0 without doing the command's work: no database file appears in the data directory. The
// context is cancelled and the configuration invalid, so a command that acted anyway would
// also fail rather than serve.
func TestHelpNeverActs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // in the output besides the usage line
	}{
		{[]string{"--help"}, []string{"serve", "migrate", "org", "key", "version", "completion", "--version", "METRICS_ADDR"}},
		{[]string{"-h"}, []string{"migrate"}},
		{[]string{"help"}, []string{"migrate"}},
		{[]string{"serve", "--help"}, []string{"LISTEN_ADDR"}},
		{[]string{"migrate", "--help"}, []string{"-h, --help"}},
		{[]string{"help", "migrate"}, []string{"-h, --help"}},
		{[]string{"org", "--help"}, []string{"create"}},
		{[]string{"org", "create", "--help"}, []string{"--region"}},
		{[]string{"org", "create", "acme", "--region", "MX", "--help"}, []string{"--region"}},
		{[]string{"key", "--help"}, []string{"create"}},
		{[]string{"key", "create", "--help"}, []string{"--org", "--caps", "--name"}},
		{[]string{"key", "create", "--org", "acme", "--caps", "read", "--help"}, []string{"--caps"}},
		{[]string{"contacts", "--help"}, []string{"import"}},
		{[]string{"contacts", "import", "--help"}, []string{"--list-id", "--on-conflict", "WAGATE_API_KEY"}},
		{[]string{"version", "--help"}, []string{"-h, --help"}},
		{[]string{"completion", "--help"}, []string{"bash", "zsh"}},
	} {
		dir := t.TempDir()
		e := env{"WAGATE_DATA_DIR": dir, "LISTEN_ADDR": "127.0.0.1:0", "LOG_LEVEL": "loud"}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out, errOut bytes.Buffer
		code := run(ctx, tc.args, e.get, &out, &errOut)
		path := "wagate"
		for _, a := range tc.args {
			if strings.HasPrefix(a, "-") || a == "help" || a == "acme" || a == "MX" || a == "read" {
				break
			}
			path += " " + a
		}
		if len(tc.args) == 2 && tc.args[0] == "help" {
			path += " " + tc.args[1]
		}
		if code != 0 || errOut.Len() > 0 || !strings.Contains(out.String(), "Usage:\n  "+path) {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s\nwant 0 and the usage of %q", tc.args, code, errOut.String(), out.String(), path)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: the help does not mention %q:\n%s", tc.args, w, out.String())
			}
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
			t.Errorf("%v: the data directory holds %v (%v): the command acted", tc.args, entries, err)
		}
	}
}

// TestHelpMigratesNothing: after migrate --help (and serve's, and the bare --help), migrate
// still has every migration to apply, on both databases.
func TestHelpMigratesNothing(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			e := backendEnv(t, b)
			for _, args := range [][]string{{"migrate", "--help"}, {"migrate", "-h"}, {"serve", "--help"}, {"--help"}} {
				if code, _, errs := runCLI(t, e, args...); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, errs)
				}
			}
			if code, out, errs := runCLI(t, e, "migrate"); code != 0 || !strings.Contains(out, "applied 00001 contacts") {
				t.Fatalf("migrate after the helps: %d %q %q; want every migration applied now", code, out, errs)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		code, out, errs := runCLI(t, env{"LOG_LEVEL": "loud"}, args...)
		// A test binary, like go run, is built without VCS information.
		if code != 0 || errs != "" || !strings.HasPrefix(out, "wagate ") ||
			!strings.Contains(out, "\nrevision: unknown (built without VCS information") || !strings.Contains(out, "\ngo: go1.") {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, errs, out)
		}
	}
}

// TestBuildDescription describes a build the test binary is not: one from a tagged commit
// with uncommitted changes.
func TestBuildDescription(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/wagate/wagate", Version: "v1.2.3+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "bd923f4c1d2e"},
			{Key: "vcs.time", Value: "2026-11-28T16:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	got := buildDescription(info)
	for _, want := range []string{"v1.2.3+dirty\n", "revision: bd923f4c1d2e (modified", "committed: 2026-11-28T16:00:00Z", "go: go1.99.1 "} {
		if !strings.Contains(got, want) {
			t.Errorf("description lacks %q:\n%s", want, got)
		}
	}
	info.Settings[3].Value = "false"
	if got := buildDescription(info); !strings.Contains(got, "revision: bd923f4c1d2e\n") {
		t.Errorf("an unmodified build:\n%s", got)
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "# bash completion V2 for wagate", "zsh": "#compdef wagate", "fish": "complete -c wagate", "powershell": "Register-ArgumentCompleter",
	} {
		code, out, errs := runCLI(t, env{"LOG_LEVEL": "loud"}, "completion", shell)
		if code != 0 || errs != "" || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, stderr %q, %d bytes without %q", shell, code, errs, len(out), want)
		}
	}
}

// TestCompletionOfCapabilities: the shell completes --caps with capabilities, and offers no
// files where no command takes one.
func TestCompletionOfCapabilities(t *testing.T) {
	code, out, errs := runCLI(t, env{}, "__complete", "key", "create", "--caps", "")
	if code != 0 || !strings.Contains(out, "read,write\n") || !strings.Contains(out, ":4\n") { // 4: ShellCompDirectiveNoFileComp
		t.Errorf("completing --caps: exit %d, stderr %q:\n%s", code, errs, out)
	}
	code, out, errs = runCLI(t, env{}, "__complete", "migrate", "")
	if code != 0 || !strings.HasSuffix(out, ":4\n") {
		t.Errorf("completing migrate's arguments: exit %d, stderr %q:\n%s", code, errs, out)
	}
}

// TestHelpNamesEveryVariable: wagate --help names each of wagate's own variables in README.md's
// configuration table (GOGC and GOMEMLIMIT are the Go runtime's), so that the list in the
// help cannot fall behind the table.
func TestHelpNamesEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "\n## Configuration\n")
	table, _, _ = strings.Cut(table, "\n## ")
	var names []string
	for _, line := range strings.Split(table, "\n") {
		if name, ok := strings.CutPrefix(line, "| `"); ok {
			name, _, _ = strings.Cut(name, "`")
			if name != "GOGC" {
				names = append(names, name)
			}
		}
	}
	if len(names) < 10 {
		t.Fatalf("found %d variables in README.md's configuration table: %v", len(names), names)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, env{}.get, &out, &out); code != 0 {
		t.Fatalf("--help: exit %d: %s", code, out.String())
	}
	for _, name := range names {
		if !strings.Contains(out.String(), name) {
			t.Errorf("wagate --help does not name %s, which README.md's configuration table has", name)
		}
	}
}
