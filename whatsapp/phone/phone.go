package phone

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Number is one phone number in its stored forms.
type Number struct {
	E164     string // "+5492235961983"
	Region   string // ISO 3166-1 alpha-2 region of the number, e.g. "AR"
	MatchKey string // digits only, one per real number across WhatsApp's spellings (see matchKey)
}

// Parse reads raw (any spelling: E.164 with or without '+', spaces, dashes,
// dots, slashes, parentheses, national forms with trunk prefixes such as
// Argentina's 0 and 15) under defaultRegion (ISO alpha-2, any case, e.g.
// "AR"; "" means only international spellings are accepted). Failures are
// *Error.
//
// A spelling with '+' is always international. Digits without '+' are read
// first as a number of the default region (which also covers that region's
// own country code or international prefix written without '+', as in
// "5492235961983" or "0054..." under AR), then as international (after a
// leading 00, if any) when the national reading is invalid or not a mobile;
// see interpret for why. Write '+' to be unambiguous.
func Parse(raw, defaultRegion string) (Number, error) {
	region, ok := normRegion(defaultRegion)
	if !ok && defaultRegion != "" {
		return Number{}, newError(raw, CodeUnknownRegion, "")
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return Number{}, newError(raw, CodeEmpty, "")
	}
	if len(s) > maxInputLen {
		return Number{}, newError(raw, CodeTooLong, "")
	}
	in, code := scan(s)
	if code != "" {
		return Number{}, newError(raw, code, "")
	}
	c, fail := interpret(in, region)
	if fail != nil {
		return Number{}, newError(raw, fail.code, fail.region)
	}
	return c.number(), nil
}

// ValidRegion reports whether r is a region phonenumbers knows, in any case,
// as Parse accepts it for defaultRegion. "" and the non-geographic "001" are
// not regions.
func ValidRegion(r string) bool {
	_, ok := normRegion(r)
	return ok
}

func normRegion(r string) (string, bool) {
	if len(r) != 2 {
		return "", false
	}
	if r[0] >= 'a' && r[0] <= 'z' || r[1] >= 'a' && r[1] <= 'z' {
		r = strings.ToUpper(r)
	}
	// The map is phonenumbers' own; it is only read.
	return r, phonenumbers.GetSupportedRegions()[r]
}

// failure is why a reading is not a valid number; Parse turns it into *Error.
type failure struct {
	code   Code
	region string
}

// interpret chooses between the readings of the input. Digits without '+'
// are ambiguous: "5492235961983" is the E.164 of an Argentine mobile without
// its '+' (the usual API and WhatsApp JID spelling), but the same digits may
// also be a national number of the default region.
//
// The national reading goes first because the default region is the
// organization's own and people write their compatriots' numbers nationally.
// Measured on random valid numbers of 25 countries with phonenumbers
// v1.8.1: under AR, no foreign mobile JID is misread this way, while reading
// international first misreads about 19% of Argentine numbers written
// without the 0 (297 560 9157 is also a valid Aruba number).
//
// When both readings are valid and are different numbers, the national one
// still wins unless it is not a mobile and the international one is, since
// WhatsApp numbers are mobiles. Regions with permissive landline plans need
// this: without it, 86% of foreign mobile JIDs under DE, 11% under ID and 8%
// under IT read as national landlines; with it, at most about 1% do. Its
// cost is landlines written without their trunk prefix whose digits are
// also a foreign mobile: 0 to 4% of them in most regions, 7% in TR. An
// Argentine 10-digit number counts as a possible mobile (see mayBeMobile),
// so under AR the national reading always wins. Mobile against mobile stays
// national and is inherently ambiguous: under BR about 7% of foreign mobile
// JIDs are also valid Brazilian mobiles.
func interpret(in scanned, region string) (candidate, *failure) {
	if in.plus || region == "" {
		return parseAs(internationalSpelling(in), "")
	}
	nat, natFail := parseAs(in.digits, region)
	if natFail == nil && mayBeMobile(nat) {
		return nat, nil
	}
	intlSpelling := internationalSpelling(in)
	if intlSpelling == "" {
		// A leading 0 other than 00 is a trunk prefix: no country code
		// starts with 0, so there is no international reading.
		return nat, natFail
	}
	intl, intlFail := parseAs(intlSpelling, "")
	switch {
	case natFail == nil && intlFail == nil:
		if mayBeMobile(intl) && nat.key() != intl.key() {
			return intl, nil
		}
		return nat, nil
	case natFail == nil:
		return nat, nil
	case intlFail == nil:
		return intl, nil
	}
	// The national reason is the one that matches how the digits were
	// most likely meant.
	return candidate{}, natFail
}

// internationalSpelling returns the digits with a '+' for phonenumbers, or ""
// when they cannot be international.
func internationalSpelling(in scanned) string {
	d := in.digits
	switch {
	case in.plus || d[0] != '0':
		return in.intl
	case len(d) > 2 && d[1] == '0' && d[2] != '0':
		return "+" + d[2:]
	}
	return ""
}

// parseAs parses s under region ("" for international spellings) and
// resolves it to a valid candidate.
func parseAs(s, region string) (candidate, *failure) {
	if s == "" {
		return candidate{}, &failure{code: CodeUnknownCountryCode}
	}
	var n *phonenumbers.PhoneNumber
	var err error
	if region == "" {
		n, err = parseInternational(s)
	} else {
		// Keeping the raw input is what makes phonenumbers record whether
		// the country code was written or taken from the region.
		n, err = phonenumbers.ParseAndKeepRawInput(s, region)
	}
	if err != nil {
		return candidate{}, &failure{code: parseErrorCode(err), region: region}
	}
	if isNonGeographic(n) {
		// +800, +882 and the like have no region, and WhatsApp accounts
		// cannot live on them.
		return candidate{}, &failure{code: CodeNonGeographic}
	}
	c, ok := resolve(n, n.GetCountryCodeSource() != phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY)
	if !ok {
		return candidate{}, invalid(n, region)
	}
	if len(c.e164)-1 > maxE164Digits {
		// Some plans (DE) accept national numbers that no E.164 number,
		// and so no WhatsApp account, can have.
		return candidate{}, &failure{code: CodeTooLong}
	}
	return c, nil
}

func parseErrorCode(err error) Code {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return CodeUnknownCountryCode
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return CodeTooLong
	case errors.Is(err, phonenumbers.ErrTooShortNSN),
		errors.Is(err, phonenumbers.ErrTooShortAfterIDD),
		errors.Is(err, phonenumbers.ErrNotANumber):
		// scan already guaranteed digits, so "not a number" means too few.
		return CodeTooShort
	}
	return CodeInvalidForRegion
}

// invalid explains why n, parsed but not valid, was rejected.
func invalid(n *phonenumbers.PhoneNumber, defaultRegion string) *failure {
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		// Local-only means the area code is missing.
		return &failure{code: CodeTooShort}
	case phonenumbers.TOO_LONG:
		return &failure{code: CodeTooLong}
	case phonenumbers.INVALID_COUNTRY_CODE:
		return &failure{code: CodeUnknownCountryCode}
	}
	region := phonenumbers.GetRegionCodeForNumber(n)
	if region == "" {
		// Shared codes (+1, +44, +7) yield no region for numbers outside
		// every member's plan; name the code's main region instead.
		region = phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode()))
	}
	if region == phonenumbers.UNKNOWN_REGION {
		region = defaultRegion
	}
	return &failure{code: CodeInvalidForRegion, region: region}
}

func isNonGeographic(n *phonenumbers.PhoneNumber) bool {
	return phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())) == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
}
