package main

import (
	"strings"
	"testing"
	"time"
)

// TestProgressNote keeps about ten of a long upload's polls, at their times and counts.
func TestProgressNote(t *testing.T) {
	var points []progressPoint
	for i := 1; i <= 300; i++ {
		points = append(points, progressPoint{at: time.Duration(i) * time.Second, read: int64(i) * 3000, applied: int64(i) * 2000})
	}
	got := progressNote(points)
	parts := strings.Split(got, ", ")
	if len(parts) != 10 || parts[0] != "30s 90k/60k" || parts[9] != "300s 900k/600k" {
		t.Fatalf("progressNote = %q; want ten points from 30s 90k/60k to 300s 900k/600k", got)
	}
	if got := progressNote(points[:3]); got != "no progress polled" { // nothing 5 s in
		t.Fatalf("a 3 s upload: %q", got)
	}
	if got := progressNote(nil); got != "no progress polled" {
		t.Fatalf("no polls: %q", got)
	}
}
