package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// longTransferLimit bounds a long transfer (an import's upload, an export's download) in
// place of the HTTP server's read and write timeouts, which are sized for the API's short
// answers and would cut a million rows off midway.
const longTransferLimit = time.Hour

// longTransfers lifts the connection's deadlines for an operation marked as a long transfer
// (x-streamed-body, x-streamed-response). It runs after authentication: only a caller with
// credentials holds a connection this long.
func longTransfers(ops operations) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if op := ops.of(c); op != nil && (op.streamedBody || op.streamedResponse) {
				rc := http.NewResponseController(c.Response().Writer)
				until := time.Now().Add(longTransferLimit)
				for _, set := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
					// A writer without deadlines (a test's recorder) has nothing to lift.
					if err := set(until); err != nil && !errors.Is(err, http.ErrNotSupported) {
						return err
					}
				}
				if op.streamedBody {
					req := c.Request()
					c.SetRequest(req.WithContext(context.WithValue(req.Context(), uploadCutKey{}, func() { _ = rc.SetReadDeadline(time.Now()) })))
				}
			}
			return next(c)
		}
	}
}

type uploadCutKey struct{}

// cutUpload ends the reading of a streamed body the handler gives up on (its import failed):
// a read in progress returns at once instead of waiting for a client that stopped sending,
// for as long as the lifted deadline allows.
func cutUpload(ctx context.Context) {
	if cut, ok := ctx.Value(uploadCutKey{}).(func()); ok {
		cut()
	}
}
