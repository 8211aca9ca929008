package main

import "runtime/debug"

// Garbage-collector defaults for serve, used unless GOGC or GOMEMLIMIT are set (the Go
// runtime reads those itself). A lookup allocates tens of kilobytes while the live heap stays
// around ten megabytes, so Go's default (collect when the heap doubles) runs the collector
// dozens of times a second under load: about a tenth of the CPU in `task bench`. Letting the
// heap grow to five times the live data halves that cost for some tens of megabytes of memory,
// and the soft limit keeps a spike from growing the heap without bound. A million-row import
// holds a few batches live (some tens of megabytes) but allocates fast: under a 256 MiB limit
// its process grew to 228 MB, close to its 250 MB target; 192 MiB leaves room, and is still
// twice what the lookup's load reaches (~100 MB).
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 192 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
