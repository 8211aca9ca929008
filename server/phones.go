package server

import (
	"errors"

	"github.com/wagate/wagate/whatsapp/phone"
)

// parsePhone reads a phone from the request field at (in, field) under region, and words a
// phone that cannot be a phone as a 400 on that field.
func parsePhone(raw, region, in, field string) (phone.Number, error) {
	n, err := phone.Parse(raw, region)
	if reason, ok := phoneProblem(err); ok {
		return phone.Number{}, invalid(fieldError{Field: field, In: in, Message: reason})
	}
	return n, err
}

// phoneProblem words a phone that cannot be a phone, for a message that names the field
// already ("phone: contains letters"). ok is false for any other error.
func phoneProblem(err error) (reason string, ok bool) {
	var pe *phone.Error
	if !errors.As(err, &pe) {
		return "", false
	}
	return pe.Reason, true
}

// requestRegion is the region a request's countryCode (at in, field: a body's /countryCode,
// the import's query parameter) names for reading a national phone spelling, or the
// organization's default when it names none.
func requestRegion(countryCode *string, fallback, in, field string) (string, error) {
	if countryCode == nil {
		return fallback, nil
	}
	if !phone.ValidRegion(*countryCode) {
		return "", invalid(fieldError{Field: field, In: in, Message: "is not an ISO 3166-1 region with phone numbers"})
	}
	return *countryCode, nil
}
