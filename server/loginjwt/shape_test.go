package loginjwt

import (
	"strings"
	"testing"
)

func TestLooksLikeJWT(t *testing.T) {
	real := sign(t, rsaSigner(), validClaims())
	tests := []struct {
		token string
		want  bool
	}{
		{real, true},
		{"eyJhbGciOiJub25lIn0.e30.", true},         // unsigned: still a JWT, refused later by Verify
		{"eyAiYWxnIjogIm5vbmUiIH0.e30.c2ln", true}, // "{ "alg"..." with a space
		{"wgk_3kTq9ZpW1vXb7LmN2cRd5sHf8JyA0uEo", false},
		{"", false},
		{"..", false},
		{"e30..c2ln", false},
		{".e30.c2ln", false},
		{"e30.e30", false},
		{"e30.e30.c2ln.c2ln", false},
		{"e30.e30.c2ln=", false},  // padding is not base64url-raw
		{"e30.e3+.c2ln", false},   // standard base64 alphabet
		{"WzFd.e30.c2ln", false},  // header decodes to [1], not an object
		{"e30xx.e30.c2ln", false}, // header is not valid base64
		{"e30.e30.c2ln ", false},  // trailing space
		{"Bearer " + real, false}, // caller forgot to strip the scheme
		{strings.Repeat("e", maxHeaderChars+1) + ".e30.c2ln", false},
	}
	for _, tt := range tests {
		if got := LooksLikeJWT(tt.token); got != tt.want {
			t.Errorf("LooksLikeJWT(%.40q) = %v, want %v", tt.token, got, tt.want)
		}
	}
}
