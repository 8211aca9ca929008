package main

import "runtime/debug"

// Garbage-collector defaults for serve, used unless GOGC or GOMEMLIMIT are set (the Go
// runtime reads those itself). A lookup allocates tens of kilobytes while the live heap stays
// around ten megabytes, so Go's default (collect when the heap doubles) runs the collector
// dozens of times a second under load: about a tenth of the CPU in `task bench`. Letting the
// heap grow to five times the live data halves that cost for some tens of megabytes of memory,
// and the soft limit keeps a spike from growing the heap without bound.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 256 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
