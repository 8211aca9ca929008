package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// readBuildInfo is what the Go toolchain recorded in the binary; a variable so that tests can
// describe builds they are not.
var readBuildInfo = func() *debug.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return info
}

// moduleVersion is the main module's version as `go build` stamps it: a tag (v1.2.0), a
// pseudo-version from the commit (v0.0.0-20261128163307-bd923f4c1d2e, +dirty with uncommitted
// changes), or "(devel)" when the toolchain knew neither (go run, go test).
func moduleVersion() string {
	if info := readBuildInfo(); info != nil && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// buildDescription says which wagate this is, after its name: the module version, the VCS
// revision and whether the work tree had changes, and the Go toolchain.
func buildDescription(info *debug.BuildInfo) string {
	version, goVersion := "(devel)", runtime.Version()
	settings := map[string]string{}
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", version)
	switch rev := settings["vcs.revision"]; {
	case rev == "":
		b.WriteString("revision: unknown (built without VCS information, as go run and go test build)\n")
	case settings["vcs.modified"] == "true":
		fmt.Fprintf(&b, "revision: %s (modified: built with uncommitted changes)\n", rev)
	default:
		fmt.Fprintf(&b, "revision: %s\n", rev)
	}
	if t := settings["vcs.time"]; t != "" {
		fmt.Fprintf(&b, "committed: %s\n", t)
	}
	fmt.Fprintf(&b, "go: %s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
