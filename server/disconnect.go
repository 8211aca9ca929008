package server

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/labstack/echo/v4"
)

// unreadableBody answers a body that could not be read to its end. A body that stops short
// (the client closed or reset the connection midway) is a client that went away; anything
// else (a malformed chunked encoding, say) is the client's malformed request. Either way it
// is a 400: the body is not there to validate, and nothing on the server failed.
func unreadableBody(err error) *apiError {
	if bodyCutShort(err) {
		ae := invalid(fieldError{In: "body", Message: "ended before it was complete: the connection closed or was reset"})
		ae.Cause, ae.Disconnected = err, true
		return ae
	}
	ae := invalid(fieldError{In: "body", Message: "could not be read: " + err.Error()})
	ae.Cause = err
	return ae
}

// bodyCutShort reports whether reading a body failed because the connection under it ended:
// net/http says io.ErrUnexpectedEOF when a body stops before its Content-Length or its last
// chunk, and the socket says ECONNRESET or EPIPE when the client resets it.
func bodyCutShort(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// cancelled answers a request whose context ended while it ran: net/http cancels it when the
// client's connection closes. The client is not there to read the answer; a 503 says what
// happened (the work was abandoned; retry) should a client still be reading.
func cancelled(err error) *apiError {
	ae := newError(kindUnavailable, "the request was cancelled before it finished; retry")
	ae.Cause, ae.Disconnected = err, true
	return ae
}

// disconnectedKey carries a disconnect from the error handler to the access log, which logs
// it as one (the client's doing, at INFO) rather than as a failure of the server.
const disconnectedKey = "wagate.disconnected"

// clientGone reports whether the request's client went away while it ran.
func clientGone(c echo.Context) bool { return c.Request().Context().Err() != nil }
