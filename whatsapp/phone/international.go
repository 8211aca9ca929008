package phone

import (
	"slices"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// parseInternational is phonenumbers.Parse(s, "") for what scan leaves of an international
// spelling: "+" and ASCII digits; on an error the number is nil. phonenumbers first looks for
// a number inside free text, checks with a regexp that it looks like one, then looks for an
// extension ("ext. 12", "#12", ",,12") with a regexp of every language's markers run at
// every position: a third of parsing a valid number, for text scan already reduced to
// digits, where the extension is never there and looking like a number is having three
// digits. What follows is the rest of phonenumbers' parse (parseHelper) for such input, step
// for step; TestParseInternationalAgreesWithPhonenumbers holds its numbers and its errors to
// phonenumbers' own.
func parseInternational(s string) (*phonenumbers.PhoneNumber, error) {
	if len(s) < 2 || s[0] != '+' {
		return phonenumbers.Parse(s, "") // not what scan makes: phonenumbers decides
	}
	digits := s[1:]
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return phonenumbers.Parse(s, "")
		}
	}
	if len(digits) < 3 {
		// Not viable: phonenumbers' pattern wants at least three digits after a '+'.
		return nil, phonenumbers.ErrNotANumber
	}
	cc, national := countryCodeOf(digits)
	if cc == 0 {
		return nil, phonenumbers.ErrInvalidCountryCode
	}
	if len(national) < phonenumbers.MIN_LENGTH_FOR_NSN {
		return nil, phonenumbers.ErrTooShortNSN
	}
	if md := metadataFor(cc, phonenumbers.GetRegionCodeForCountryCode(int(cc))); md != nil {
		// The national prefix is taken off only if what is left is of a possible length.
		if stripped := stripNationalPrefix(national, md); possibleAfterStrip(stripped, md) {
			national = stripped
		}
	}
	if len(national) < phonenumbers.MIN_LENGTH_FOR_NSN {
		return nil, phonenumbers.ErrTooShortNSN
	}
	if len(national) > phonenumbers.MAX_LENGTH_FOR_NSN {
		return nil, phonenumbers.ErrNumTooLong
	}
	v, _ := strconv.ParseUint(national, 10, 64) // as phonenumbers: 17 digits always fit
	n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &v}
	setLeadingZeros(national, n)
	return n, nil
}

// countryCodeOf is phonenumbers' extractCountryCode: the first one to three digits that are a
// country code, and the digits after them. Country codes do not begin with 0.
func countryCodeOf(digits string) (int32, string) {
	if digits[0] == '0' {
		return 0, ""
	}
	for i := 1; i <= phonenumbers.MAX_LENGTH_COUNTRY_CODE && i <= len(digits); i++ {
		cc, _ := strconv.Atoi(digits[:i])
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 0 {
			return int32(cc), digits[i:]
		}
	}
	return 0, ""
}

// stripNationalPrefix is phonenumbers' maybeStripNationalPrefixAndCarrierCode without the
// carrier code (Parse keeps none): the region's national prefix for parsing taken off the
// front, or rewritten by its transform rule (Argentina's 0 … 15 into 9 …), unless the number
// was a valid national number and would stop being one.
func stripNationalPrefix(nsn string, md *phonenumbers.PhoneMetadata) string {
	if nsn == "" || md.GetNationalPrefixForParsing() == "" {
		return nsn
	}
	prefixRe := patternFor(md.NationalPrefixForParsing, anchorStart)
	groups := prefixRe.FindStringSubmatchIndex(nsn)
	if groups == nil {
		return nsn
	}
	general := patternFor(md.GetGeneralDesc().NationalNumberPattern, anchorWhole)
	viable := general.MatchString(nsn)
	last := len(groups)/2 - 1 // the last capturing group; 0, the whole match, when there is none
	rule := md.GetNationalPrefixTransformRule()
	if rule == "" || groups[last*2] < 0 {
		if viable && !general.MatchString(nsn[groups[1]:]) {
			return nsn
		}
		return nsn[groups[1]:]
	}
	transformed := prefixRe.ReplaceAllString(nsn, rule)
	if viable && !general.MatchString(transformed) {
		return nsn
	}
	return transformed
}

// possibleAfterStrip is phonenumbers' testNumberLength(nsn, md, UNKNOWN) answering neither
// TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY nor INVALID_LENGTH: the general description's lengths.
func possibleAfterStrip(nsn string, md *phonenumbers.PhoneMetadata) bool {
	gd := md.GetGeneralDesc()
	lengths, n := gd.GetPossibleLength(), int32(len(nsn))
	switch {
	case len(lengths) == 0 || lengths[0] == -1: // no numbers at all
		return false
	case slices.Contains(gd.GetPossibleLengthLocalOnly(), n), lengths[0] > n:
		return false
	case lengths[0] == n, lengths[len(lengths)-1] < n: // possible, or too long (still kept)
		return true
	}
	return slices.Contains(lengths[1:], n)
}

// setLeadingZeros is phonenumbers' setItalianLeadingZerosForPhoneNumber: it counts the
// leading zeros a uint64 would drop, not counting the last digit of an all-zero number.
func setLeadingZeros(nsn string, n *phonenumbers.PhoneNumber) {
	if len(nsn) < 2 || nsn[0] != '0' {
		return
	}
	yes := true
	n.ItalianLeadingZero = &yes
	zeros := 1
	for zeros < len(nsn)-1 && nsn[zeros] == '0' {
		zeros++
	}
	if zeros != 1 {
		z := int32(zeros)
		n.NumberOfLeadingZeros = &z
	}
}
