package phone

import "unicode/utf8"

// Code classifies why an input is not a phone number. It is stable and meant
// for programs (an API error code, a metric label); Reason is for people.
type Code string

const (
	CodeEmpty              Code = "empty"
	CodeTooShort           Code = "too_short"
	CodeTooLong            Code = "too_long"
	CodeLetters            Code = "letters"
	CodeNotDigits          Code = "not_digits"
	CodeUnknownCountryCode Code = "unknown_country_code"
	CodeNonGeographic      Code = "non_geographic"
	CodeInvalidForRegion   Code = "invalid_for_region"
	CodeUnknownRegion      Code = "unknown_region"
)

// EINVALID is the kind of every *Error: the input is not a phone number. It is
// for callers that answer the errors of several packages by kind (an API
// answers it with a 400); Code says more precisely why.
const EINVALID = "phone_invalid"

// Error says why an input is not a phone number.
type Error struct {
	// Input is the raw input, cut to maxInputLen bytes so that echoing it
	// back cannot amplify an oversized request.
	Input string
	// Reason is short, names no internals and is safe to return to the
	// client. It does not repeat the word phone, since a caller's message
	// names the field already: "phone: contains letters".
	Reason string
	// Code is the machine-readable class of Reason.
	Code Code
}

// Error returns "phone " and Reason only: the input is personal data and
// callers decide whether to log or echo it.
func (e *Error) Error() string { return "phone " + e.Reason }

// Kind returns EINVALID.
func (e *Error) Kind() string { return EINVALID }

// newError builds the *Error for code. region is used only by
// CodeInvalidForRegion and names the region the number was checked against.
func newError(raw string, code Code, region string) *Error {
	return &Error{Input: truncate(raw, maxInputLen), Reason: reason(code, region), Code: code}
}

func reason(code Code, region string) string {
	switch code {
	case CodeEmpty:
		return "is empty"
	case CodeTooShort:
		return "is too short"
	case CodeTooLong:
		return "is too long"
	case CodeLetters:
		return "contains letters"
	case CodeNotDigits:
		return "contains characters that are not digits"
	case CodeUnknownCountryCode:
		return "has an unknown country code"
	case CodeNonGeographic:
		return "has a non-geographic country code"
	case CodeInvalidForRegion:
		if region == "" {
			return "is not a valid number"
		}
		return "is not a valid number for region " + region
	case CodeUnknownRegion:
		// The region is not echoed: it may be arbitrary caller input.
		return "cannot be read: the default region is not known"
	}
	return "is not a valid number"
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence, so
// Input stays valid text when it is marshalled into a response.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
