package store

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm/logger"
)

// slowQuery is the duration over which a statement is logged as a warning.
const slowQuery = 200 * time.Millisecond

// queryLogger reports slow statements through slog, without their bound values (phones,
// names: personal data has no place in logs). It does not log errors: every error is returned
// to a caller that decides what it means (a duplicate key is a 409, not a log line).
type queryLogger struct{ log *slog.Logger }

// ParamsFilter keeps GORM from writing the values into the statement it hands to Trace.
func (queryLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func newQueryLogger(l *slog.Logger) logger.Interface {
	if l == nil {
		return logger.Discard
	}
	return queryLogger{log: l}
}

func (q queryLogger) LogMode(logger.LogLevel) logger.Interface { return q }
func (q queryLogger) Info(context.Context, string, ...any)     {}
func (q queryLogger) Warn(context.Context, string, ...any)     {}
func (q queryLogger) Error(context.Context, string, ...any)    {}

func (q queryLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if elapsed := time.Since(begin); elapsed > slowQuery {
		stmt, rows := fc()
		q.log.WarnContext(ctx, "slow query", "elapsed", elapsed, "rows", rows, "sql", stmt)
	}
}
