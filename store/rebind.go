package store

import (
	"bytes"
	"strings"
)

// rebind turns the $1, $2 ... placeholders of a query written for PostgreSQL into SQLite's
// numbered ?1, ?2 ... (same numbers, so a parameter may be used twice). Only placeholders
// change: a $ inside a string literal ('$.tags', a JSON path), a quoted identifier or a
// comment, or one not followed by a digit, or one inside a name (SQLite and PostgreSQL both
// allow $ within identifiers), stays as written.
func (s *Store) rebind(query string) string {
	if s.dialect == SQLite {
		return numberedToQuestion(query)
	}
	return query
}

// numberedToQuestion rewrites $N to ?N outside literals, quoted identifiers and comments.
func numberedToQuestion(query string) string {
	if !strings.Contains(query, "$") {
		return query
	}
	out := []byte(query)
	for i := 0; i < len(out); i++ {
		switch c := out[i]; c {
		case '\'', '"', '`':
			// A doubled quote inside is an escaped one: skipping to the next quote and going
			// on from there reads it as two adjacent literals, which is the same for our purpose.
			i = skipPast(out, i+1, string(c))
		case '[': // SQLite's [identifier]
			i = skipPast(out, i+1, "]")
		case '-':
			if i+1 < len(out) && out[i+1] == '-' {
				i = skipPast(out, i+2, "\n")
			}
		case '/':
			if i+1 < len(out) && out[i+1] == '*' {
				i = skipPast(out, i+2, "*/")
			}
		case '$':
			if i+1 < len(out) && isDigit(out[i+1]) && (i == 0 || !isNameByte(out[i-1])) {
				out[i] = '?'
			}
		}
	}
	return string(out)
}

// skipPast returns the index of the last byte of the first end at or after from, or the last
// index of b when end never comes (an unterminated literal: nothing after it is rewritten).
func skipPast(b []byte, from int, end string) int {
	if from > len(b) {
		return len(b) - 1
	}
	j := bytes.Index(b[from:], []byte(end))
	if j < 0 {
		return len(b) - 1
	}
	return from + j + len(end) - 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isNameByte reports whether c may continue an unquoted name; any byte of a multi-byte UTF-8
// character may.
func isNameByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}
