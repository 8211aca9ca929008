package storetest

import "slices"

// Difference returns what want holds that got lacks (missing) and what got holds that want
// lacks (extra), each in the order it stands in: what a drift test reports when two places
// that should name the same things do not.
func Difference(got, want []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}
