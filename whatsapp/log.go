package whatsapp

import (
	"context"
	"fmt"
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// slogLogger is whatsmeow's logger over wagate's slog: its lines join the service's, with
// the whatsmeow module that wrote them ("Client/Socket") as an attribute.
type slogLogger struct {
	log    *slog.Logger
	module string
}

// newLogger is whatsmeow's logger writing to log (discarding, when log is nil) as module.
func newLogger(log *slog.Logger, module string) waLog.Logger {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return slogLogger{log: log, module: module}
}

func (l slogLogger) Errorf(msg string, args ...any) { l.logf(slog.LevelError, msg, args) }
func (l slogLogger) Warnf(msg string, args ...any)  { l.logf(slog.LevelWarn, msg, args) }
func (l slogLogger) Infof(msg string, args ...any)  { l.logf(slog.LevelInfo, msg, args) }
func (l slogLogger) Debugf(msg string, args ...any) { l.logf(slog.LevelDebug, msg, args) }

// Sub names a part of the module, as whatsmeow's own loggers do: "Client" → "Client/Socket".
func (l slogLogger) Sub(module string) waLog.Logger {
	return slogLogger{log: l.log, module: l.module + "/" + module}
}

func (l slogLogger) logf(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	// whatsmeow logs much at debug: format only what the handler keeps.
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, fmt.Sprintf(msg, args...), "component", "whatsmeow", "module", l.module)
}
