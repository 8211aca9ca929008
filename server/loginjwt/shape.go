package loginjwt

import (
	"encoding/base64"
	"strings"
)

// maxHeaderChars bounds the header LooksLikeJWT decodes; real JOSE headers are a few dozen
// bytes.
const maxHeaderChars = 4096

// LooksLikeJWT reports whether a bearer token has the shape of a compact JWS: three parts
// separated by dots, each base64url without padding, the first decoding to a JSON object.
// It lets the caller tell a JWT from an API key without a database read or a signature
// check; it says nothing about validity. An empty third part still counts, so that an
// unsigned ("alg":"none") token reaches Verify and is refused with a precise reason.
func LooksLikeJWT(token string) bool {
	header, rest, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return false
	}
	if header == "" || payload == "" || len(header) > maxHeaderChars {
		return false
	}
	if !isBase64URL(header) || !isBase64URL(payload) || !isBase64URL(sig) {
		return false
	}
	decoded, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return false
	}
	trimmed := strings.TrimLeft(string(decoded), " \t\r\n")
	return strings.HasPrefix(trimmed, "{")
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
