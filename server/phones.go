package server

import (
	"errors"
	"strings"

	"github.com/wagate/wagate/whatsapp/phone"
)

// parsePhone reads a phone from the request field at (in, field) under region, and words a
// phone that cannot be a phone as a 400 on that field.
func parsePhone(raw, region, in, field string) (phone.Number, error) {
	n, err := phone.Parse(raw, region)
	var pe *phone.Error
	if errors.As(err, &pe) {
		// The field is named already: "phone: contains letters", not "phone: phone contains letters".
		return phone.Number{}, invalid(fieldError{Field: field, In: in, Message: strings.TrimPrefix(pe.Reason, "phone ")})
	}
	return n, err
}

// regionOr is the region a request names, or the organization's default.
func regionOr(requested *string, fallback string) string {
	if requested != nil {
		return *requested
	}
	return fallback
}
