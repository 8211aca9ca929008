package phone

import "unicode"

const (
	// maxInputLen bounds the input in bytes before any parsing: no spelling
	// of a phone number needs more, and phonenumbers' regexps then never see
	// attacker-sized input.
	maxInputLen = 64
	// maxDigits is E.164's 15 digits plus room for national tokens (trunk 0,
	// Argentina's 9 and 15) or an international prefix such as 00 or 011.
	maxDigits = 20
	// minDigits: no valid number anywhere, national form included, has fewer.
	minDigits = 3
	// maxE164Digits is the ITU-T E.164 limit, country code included.
	maxE164Digits = 15
)

// scanned is the input reduced to what phonenumbers needs.
type scanned struct {
	// plus reports a leading '+': the spelling is international and the
	// default region must not be used.
	plus bool
	// intl is "+" followed by the digits; digits is intl[1:]. Both share one
	// allocation.
	intl   string
	digits string
}

// scan checks every character of s and collects its digits. We do our own
// pass instead of handing s to phonenumbers because phonenumbers is lenient
// in ways a contacts gateway must not be: it converts vanity letters
// ("1-800-FLOWERS"), drops extensions ("ext. 12") and skips leading garbage.
// Handing it bare digits also makes its parse cheaper.
func scan(s string) (scanned, Code) {
	var buf [maxDigits + 1]byte
	buf[0] = '+'
	n := 1
	plus := false
	var bad Code
	for _, r := range s {
		d, isDigit := digitValue(r)
		switch {
		case isDigit:
			if n <= maxDigits {
				buf[n] = d
			}
			n++
		case r == '+' && n == 1 && !plus:
			plus = true
		case isSeparator(r):
		case unicode.IsLetter(r):
			// Letters win over other junk: "contains letters" is the
			// more useful message for "+1 800 FLOWERS #2".
			bad = CodeLetters
		case bad == "":
			bad = CodeNotDigits
		}
	}
	digits := n - 1
	switch {
	case bad != "":
		return scanned{}, bad
	case digits == 0:
		return scanned{}, CodeEmpty
	case digits > maxDigits:
		return scanned{}, CodeTooLong
	case digits < minDigits:
		return scanned{}, CodeTooShort
	}
	intl := string(buf[:n])
	return scanned{plus: plus, intl: intl, digits: intl[1:]}, ""
}

// digitValue maps the digits people actually paste to ASCII: ASCII, the two
// Arabic-Indic sets (which phonenumbers also accepts) and full-width digits
// from CJK input methods. Other Unicode digits are rejected rather than
// guessed.
func digitValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '\u0660' && r <= '\u0669':
		return byte('0' + r - '\u0660'), true
	case r >= '\u06F0' && r <= '\u06F9':
		return byte('0' + r - '\u06F0'), true
	case r >= '\uFF10' && r <= '\uFF19':
		return byte('0' + r - '\uFF10'), true
	}
	return 0, false
}

// isSeparator reports characters people use to group digits. Format
// characters (Cf) are included because copying a number from WhatsApp or a
// right-to-left page wraps it in invisible bidi marks (U+202A..U+202C).
func isSeparator(r rune) bool {
	switch r {
	case '-', '.', '(', ')', '/', '\u2212':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || unicode.Is(unicode.Cf, r)
}
