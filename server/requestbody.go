package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// strictBody refuses a request body that the validator and the handlers would read as
// something else than what was sent, and hands the validator the bytes it read:
//
//   - a media type the operation does not take, or JSON in a charset other than UTF-8, is a 415
//     (the validator would read UTF-16 as UTF-8);
//   - bytes that are not UTF-8 are a 400: encoding/json turns each into U+FFFD, so the value
//     stored would not be the value sent;
//   - an escape of half a UTF-16 surrogate pair ("\ud800" alone) is a 400 for the same reason:
//     it names no character and encoding/json makes it U+FFFD (PostgreSQL's own JSON parser
//     refuses it outright);
//   - anything but white space after the JSON value is a 400: encoding/json's Decoder stops at
//     the end of the first value, so `{"name":"x"} garbage` was a 201.
//
// Bodies stay bounded by limitBody: a body over the limit fails the read here with a 413.
// An operation that streams its body (x-streamed-body) has its media type checked, and its
// bytes left for its handler to read as they arrive.
func strictBody(ops operations) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !strings.HasPrefix(c.Request().URL.Path, "/api/") {
				return next(c)
			}
			op := ops.of(c)
			if op == nil || len(op.bodyTypes) == 0 {
				return next(c)
			}
			req, declared := c.Request(), op.bodyTypes
			contentType, mediaType := req.Header.Get(echo.HeaderContentType), ""
			if contentType != "" {
				var err error
				if mediaType, err = supportedMediaType(contentType, declared); err != nil {
					return err
				}
			}
			if op.streamedBody {
				// The handler reads it as it arrives, and judges each part; without a media
				// type it cannot know how to read it.
				if contentType == "" {
					return unsupportedMediaType("the request has no Content-Type; send %s", strings.Join(declared, " or ")).
						with("supported", declared)
				}
				return next(c)
			}
			body, err := io.ReadAll(req.Body)
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				return err // the error handler's 413
			case err != nil: // a malformed chunked body, or a client that went away
				return unreadableBody(err)
			}
			if len(body) > 0 && contentType == "" {
				return unsupportedMediaType("the request has a body but no Content-Type; send %s", strings.Join(declared, " or ")).
					with("supported", declared)
			}
			if isJSON(mediaType) {
				if err := wellFormedJSON(body); err != nil {
					return err
				}
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			return next(c)
		}
	}
}

// supportedMediaType checks a Content-Type against the media types an operation declares and
// returns its media type; JSON must come in UTF-8, the only encoding RFC 8259 allows between
// systems.
func supportedMediaType(contentType string, declared []string) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", unsupportedMediaType("Content-Type %q is not a media type; send %s", contentType, strings.Join(declared, " or ")).
			with("supported", declared)
	}
	if !slices.Contains(declared, mediaType) {
		return "", unsupportedMediaType("Content-Type %s is not supported here; send %s", mediaType, strings.Join(declared, " or ")).
			with("supported", declared)
	}
	if charset, ok := params["charset"]; ok && isJSON(mediaType) && !strings.EqualFold(charset, "utf-8") {
		return "", unsupportedMediaType("charset %s is not supported; send %s in UTF-8", charset, mediaType).
			with("supported", declared)
	}
	return mediaType, nil
}

func isJSON(mediaType string) bool {
	return mediaType == echo.MIMEApplicationJSON || strings.HasSuffix(mediaType, "+json")
}

func unsupportedMediaType(format string, args ...any) *apiError {
	return newError(kindUnsupportedMedia, format, args...)
}

// wellFormedJSON refuses what encoding/json would read without a word but not as sent. A body
// that is not JSON at all passes: the validator says so, in its words.
func wellFormedJSON(body []byte) error {
	if !utf8.Valid(body) {
		at := invalidUTF8At(body)
		return invalid(fieldError{In: "body", Message: fmt.Sprintf("is not valid UTF-8 (at byte %d)", at)})
	}
	if !json.Valid(body) {
		dec := json.NewDecoder(bytes.NewReader(body))
		var first json.RawMessage
		if len(bytes.TrimSpace(body)) == 0 || dec.Decode(&first) != nil {
			return nil // not JSON: the validator's to word
		}
		return invalid(fieldError{In: "body", Message: fmt.Sprintf("has data after the JSON value (at byte %d); send one JSON value", dec.InputOffset())})
	}
	if at, found := loneSurrogate(body); found {
		return invalid(fieldError{In: "body", Message: fmt.Sprintf("has an escape of half a UTF-16 surrogate pair (%s at byte %d), which is no character", body[at:at+6], at)})
	}
	return nil
}

// invalidUTF8At is the offset of the first byte of b that does not start a UTF-8 character.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// loneSurrogate finds, in valid JSON text, a \u escape of a UTF-16 surrogate that is not one
// half of a high-low pair, and returns its offset.
func loneSurrogate(b []byte) (int, bool) {
	if !bytes.Contains(b, []byte(`\u`)) {
		return 0, false
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '"':
			inString = !inString
		case b[i] == '\\' && inString:
			if b[i+1] != 'u' {
				i++ // a one-character escape such as \" or \\
				continue
			}
			r := hexRune(b[i+2 : i+6])
			if !utf16.IsSurrogate(r) {
				i += 5
				continue
			}
			// A high surrogate followed by an escaped low one is a pair: one character.
			if r < 0xDC00 && i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
				if low := hexRune(b[i+8 : i+12]); low >= 0xDC00 && low <= 0xDFFF {
					i += 11
					continue
				}
			}
			return i, true
		}
	}
	return 0, false
}

// hexRune reads the four hex digits of a \u escape; the JSON is valid, so they are digits.
func hexRune(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}
