package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// requestIDs names each request with the caller's X-Request-Id, when it sends a sane one, or a
// random one; the response carries it back and every log line of the request carries it.
func requestIDs() echo.MiddlewareFunc {
	return middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: func() string {
			var b [8]byte
			rand.Read(b[:])
			return hex.EncodeToString(b[:])
		},
		RequestIDHandler: func(c echo.Context, id string) {
			if len(id) > 64 { // a caller's id lands in logs: keep it short
				id = id[:64]
				c.Response().Header().Set(echo.HeaderXRequestID, id)
			}
			c.Set(echo.HeaderXRequestID, id)
			// On the context too, so that whatever logs on behalf of the request (the store,
			// the key cache) names it; see LogRequestIDs.
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), requestIDKey{}, id)))
		},
	})
}

type requestIDKey struct{}

func requestID(c echo.Context) string {
	id, _ := c.Get(echo.HeaderXRequestID).(string)
	return id
}

// LogRequestIDs wraps a slog handler so that every record logged with a request's context
// carries the request's id as request_id.
func LogRequestIDs(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// failureKey carries a failed request's error from the error handler to the access log, so
// that a failure is one log line with both the status and the cause.
const failureKey = "wagate.failure"

// plannedKey marks a 5xx the server answers by design (see apiError.Planned), which the
// access log keeps at INFO: a load balancer's probes while the server drains are no errors.
const plannedKey = "wagate.planned"

// accessLog writes one line per request.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRemoteIP: true,
		// Run the error handler before logging, so the line has the status the client got.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level, msg := slog.LevelInfo, "request"
			if v.Status >= http.StatusInternalServerError && c.Get(plannedKey) == nil {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Float64("latency_ms", millis(v.Latency)), slog.String("remote_ip", v.RemoteIP),
			}
			// The request as the handlers last saw it carries the principal authenticate found.
			if p, ok := c.Request().Context().Value(principalKey{}).(*Principal); ok {
				attrs = append(attrs, slog.String("org_id", p.Org.ID), slog.String("principal_id", p.ID))
			}
			if err, ok := c.Get(failureKey).(error); ok {
				attrs = append(attrs, slog.String("error", err.Error()))
			}
			if err, ok := c.Get(disconnectedKey).(error); ok {
				level, msg = slog.LevelInfo, "client disconnected"
				attrs = append(attrs, slog.String("cause", err.Error()))
			}
			log.LogAttrs(c.Request().Context(), level, msg, attrs...)
			return nil
		},
	})
}

// recoverPanics turns a panic in a handler into a 500 in the envelope; the server keeps serving.
func recoverPanics(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic", "error", err, "stack", string(stack))
			return err
		},
	})
}

// limitBody refuses bodies over limit bytes (streamedLimit for an operation that streams its
// body, the import) with a 413: at once when Content-Length says so, and otherwise as soon as
// reading passes the limit. Only POST, PUT and PATCH carry bodies in this API; a body sent
// with another method is dropped unread, so it can neither cost memory nor turn a GET into a
// 413 the spec does not declare.
func limitBody(ops operations, defaultLimit, streamedLimit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			limit := defaultLimit
			if op := ops.of(c); op != nil && op.streamedBody {
				limit = streamedLimit
			}
			switch req.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch:
				if req.ContentLength > limit {
					return payloadTooLarge(limit)
				}
				if req.Body != nil && req.Body != http.NoBody {
					req.Body = http.MaxBytesReader(c.Response().Writer, req.Body, limit)
				}
			default:
				// On a copy: net/http keeps the original and must still see the body it
				// discards before reusing the connection.
				bodiless := *req
				bodiless.Body, bodiless.ContentLength = http.NoBody, 0
				c.SetRequest(&bodiless)
			}
			return next(c)
		}
	}
}

// headRoutes registers every GET route for HEAD too: HTTP defines HEAD as GET without the
// body, and load balancers check health with it.
type headRoutes struct{ *echo.Echo }

func (r headRoutes) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	r.Echo.HEAD(path, h, m...)
	return r.Echo.GET(path, h, m...)
}

// headAsGet shows the validator (and the handlers) a HEAD request as the GET the spec declares.
// It changes a copy: net/http drops the body of the response because the request it holds
// stays a HEAD.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if req := c.Request(); req.Method == http.MethodHead {
			get := *req
			get.Method = http.MethodGet
			c.SetRequest(&get)
		}
		return next(c)
	}
}
