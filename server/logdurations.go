package server

import (
	"log/slog"
	"time"
)

// ReadableDurations is a slog ReplaceAttr that writes every duration as milliseconds, a float
// under the attribute's name with _ms appended ("latency_ms":3.214): slog's JSON handler
// would write nanoseconds, its text handler a Go duration string; one unit in both formats
// reads alike to a person and sums and sorts alike in a log store.
func ReadableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_ms", millis(a.Value.Duration()))
	}
	return a
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}
