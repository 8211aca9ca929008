package phone

import "github.com/nyaruka/phonenumbers"

// resolve turns what phonenumbers parsed into a valid candidate, accepting
// the WhatsApp spellings that libphonenumber itself rejects. Checked against
// nyaruka/phonenumbers v1.8.1:
//
//   - Brazil: +551187654321 (8-digit mobile, the JID of older accounts) is
//     invalid; +5511987654321 is valid. The legacy 8-digit 7xxx range is still
//     valid in the metadata (+551171234567) but is the same subscriber as
//     +5511971234567 for WhatsApp, so the nine-digit form is preferred
//     whenever it is valid: one number never gets two E164 spellings.
//   - Mexico: +5215512345678 (old mobile token) is invalid, +525512345678 is
//     valid; the 10-digit form is preferred for the same reason. The token
//     only ever followed 52, so it is dropped only when the country code was
//     written: nationally, "1 479 894 8985" is not a Mexican number.
//   - Argentina: +5492235961983 (mobile), +54223155961983 and the national
//     0223 15 596-1983 all parse to the same valid number (phonenumbers
//     rewrites the 15 into the 9). +542235961983 is valid too, as a landline,
//     and is kept as given: nothing in the digits says it is the mobile, and
//     the match key joins the two. Only spellings that are invalid as given
//     are repaired: the 9 and the 15 together (+54 9 223 15 596-1983) and a
//     10-digit number valid only as a mobile.
//
// explicitCC reports that the country code was in the input rather than
// taken from the default region.
func resolve(n *phonenumbers.PhoneNumber, explicitCC bool) (candidate, bool) {
	c, valid := readValid(n)
	cc, nsn := c.cc(), c.nsn()
	switch cc {
	case ccBrazil:
		if brazilLegacyMobile(nsn) {
			if modern, ok := check(cc, brazilNinthDigit(nsn)); ok {
				return modern, true
			}
		}
	case ccMexico:
		if explicitCC && len(nsn) == 11 && nsn[0] == '1' {
			if modern, ok := check(cc, nsn[1:]); ok {
				return modern, true
			}
		}
	}
	if valid {
		return c, true
	}
	if cc == ccArgentina {
		return repairArgentina(nsn)
	}
	return candidate{}, false
}

func repairArgentina(nsn string) (candidate, bool) {
	if len(nsn) > 1 && nsn[0] == '9' {
		// Without the 9, phonenumbers' own rule turns the 15 into the 9.
		n, err := parseInternational("+54" + nsn[1:])
		if err == nil && n.GetCountryCode() == ccArgentina {
			if c, ok := readValid(n); ok {
				return c, true
			}
		}
	}
	if len(nsn) == 10 {
		return check(ccArgentina, "9"+nsn)
	}
	return candidate{}, false
}
