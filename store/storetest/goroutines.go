package storetest

import (
	"runtime"
	"strings"
)

// RevocationWatchers counts the goroutines of this process running Store.WatchRevocations:
// a test that stopped every server expects none left.
func RevocationWatchers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "store.(*Store).WatchRevocations(")
		}
		buf = make([]byte, 2*len(buf))
	}
}
