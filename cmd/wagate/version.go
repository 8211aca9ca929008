package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// binaryDescription describes this binary from what the Go toolchain recorded in it.
func binaryDescription() string {
	info, _ := debug.ReadBuildInfo() // nil when the binary carries none
	return buildDescription(info)
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
