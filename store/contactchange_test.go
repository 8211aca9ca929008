package store

import "testing"

// BenchmarkContactChange is what a PATCH of two fields spends reading its change by reflection.
func BenchmarkContactChange(b *testing.B) {
	notes := "called back"
	c := ContactChange{Notes: Some(&notes), Tags: Some([]string{"lead"})}
	var f ContactFields
	for b.Loop() {
		if !c.empty() {
			c.applyFields(&f)
		}
	}
}
