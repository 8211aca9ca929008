package phone

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// candidate is one reading of the input that libphonenumber considers valid.
type candidate struct {
	e164   string
	nsnAt  int // e164[nsnAt:] is the national significant number
	region string
	num    *phonenumbers.PhoneNumber // as parsed (its country code)
}

func (c candidate) cc() int32   { return c.num.GetCountryCode() }
func (c candidate) nsn() string { return c.e164[c.nsnAt:] }
func (c candidate) key() string { return matchKey(c.e164, c.cc(), c.nsn()) }

func (c candidate) number() Number {
	return Number{E164: c.e164, Region: c.region, MatchKey: c.key()}
}

// readValid is the candidate of n and whether phonenumbers would call it valid: its
// GetRegionCodeForNumber and IsValidNumber in one, the region found once (validity.go). An
// invalid one still holds n's country code and national number, which the repairs read.
func readValid(n *phonenumbers.PhoneNumber) (candidate, bool) {
	e164, at := formatE164(n)
	t, region := typeOf(n.GetCountryCode(), e164[at:])
	return candidate{e164: e164, nsnAt: at, region: region, num: n}, region != "" && t != phonenumbers.UNKNOWN
}

// formatE164 is phonenumbers.Format(n, E164) returning where the national
// significant number starts, in one allocation instead of five: the stored
// forms are built on every request.
func formatE164(n *phonenumbers.PhoneNumber) (string, int) {
	var buf [1 + 3 + phonenumbers.MAX_LENGTH_FOR_NSN + 1]byte
	b := append(buf[:0], '+')
	b = strconv.AppendInt(b, int64(n.GetCountryCode()), 10)
	at := len(b)
	// Italian-style leading zeros belong to the number (+39 06...), as in
	// phonenumbers.GetNationalSignificantNumber.
	if n.GetItalianLeadingZero() {
		for z := min(int(n.GetNumberOfLeadingZeros()), phonenumbers.MAX_LENGTH_FOR_NSN); z > 0; z-- {
			b = append(b, '0')
		}
	}
	b = strconv.AppendUint(b, n.GetNationalNumber(), 10)
	return string(b), at
}

// check validates cc+nsn built by a repair. The repaired countries have no
// national numbers with leading zeros: one left over from a national prefix
// phonenumbers kept must not vanish in the uint64 and yield a number the
// input never spelled.
func check(cc int32, nsn string) (candidate, bool) {
	if nsn == "" || nsn[0] == '0' {
		return candidate{}, false
	}
	v, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return candidate{}, false
	}
	n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &v}
	c, ok := readValid(n)
	if !ok {
		return candidate{}, false
	}
	return c, true
}

// mayBeMobile reports whether c can be a WhatsApp number. In Argentina the
// 10-digit spelling phonenumbers calls a landline is also how mobiles are
// commonly written (without 9 or 15), so it counts when its 9 form is valid.
func mayBeMobile(c candidate) bool {
	// c is valid in c.region: the region's metadata decides the type.
	switch numberType(c.nsn(), metadataFor(c.cc(), c.region)) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return true
	}
	if nsn := c.nsn(); c.cc() == ccArgentina && len(nsn) == 10 {
		_, ok := check(ccArgentina, "9"+nsn)
		return ok
	}
	return false
}
