package whatsapp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestLoggerWritesSlog: whatsmeow's lines reach slog at their level, formatted, naming their
// module and its parts; lines under the handler's level are dropped.
func TestLoggerWritesSlog(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})), "Client")
	log.Sub("Socket").Warnf("frame of %d bytes", 42)
	log.Debugf("noise %s", "here")
	got := buf.String()
	for _, want := range []string{"level=WARN", `msg="frame of 42 bytes"`, "component=whatsmeow", "module=Client/Socket"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in %q", want, got)
		}
	}
	if strings.Contains(got, "noise") {
		t.Errorf("a debug line passed an info handler: %q", got)
	}
	newLogger(nil, "Client").Errorf("to nowhere") // a nil logger discards, without a panic
}
