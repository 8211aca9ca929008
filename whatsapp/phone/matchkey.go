package phone

// Country calling codes whose numbers WhatsApp spells in more than one way.
const (
	ccMexico    = 52
	ccArgentina = 54
	ccBrazil    = 55
)

// matchKey returns the lookup key of the number cc+nsn whose E.164 form is
// e164. The key joins the spellings of one number that WhatsApp (its JIDs,
// its contact sync) and people use interchangeably, so a lookup is one
// indexed read whatever spelling was stored or asked for.
//
// The canonical form is, in each country, the number as the national
// numbering plan defines it today, without dialing tokens:
//
//   - Argentina: without the 9 after 54. The 9 is not part of the number: it
//     is the token for dialing a mobile from abroad, and WhatsApp JIDs
//     sometimes omit it. A 10-digit Argentine number is either a landline or
//     a mobile, never both, so dropping the token cannot merge two numbers,
//     and the key needs no guess about whether a number is a mobile (the
//     stored E164 keeps the 9 when the number was given as a mobile).
//   - Mexico: without the 1 after 52. The 1 was the mobile token, abolished
//     in 2019; the 10-digit form is the valid E.164 and old JIDs keep the 1.
//   - Brazil: with the ninth digit. Since 2016 the leading 9 is part of every
//     mobile subscriber number (not a token), so the key is the valid E.164;
//     older JIDs and contacts lack it. Only 8-digit subscriber numbers
//     starting with 6-9 (mobiles) get it; landlines start with 2-5 and are
//     left as they are.
//
// Everywhere else the key is the E.164 digits. Country calling codes are a
// prefix code, so the key of one country can never equal a key of another.
func matchKey(e164 string, cc int32, nsn string) string {
	switch cc {
	case ccArgentina:
		if len(nsn) == 11 && nsn[0] == '9' {
			return "54" + nsn[1:]
		}
	case ccMexico:
		if len(nsn) == 11 && nsn[0] == '1' {
			return "52" + nsn[1:]
		}
	case ccBrazil:
		if brazilLegacyMobile(nsn) {
			return "55" + brazilNinthDigit(nsn)
		}
	}
	return e164[1:]
}

// brazilLegacyMobile reports an area code (11-99) plus an 8-digit subscriber
// number starting with 6-9: a mobile spelled without its ninth digit.
func brazilLegacyMobile(nsn string) bool {
	return len(nsn) == 10 && nsn[0] != '0' && nsn[2] >= '6' && nsn[2] <= '9'
}

// brazilNinthDigit inserts the 9 between the area code and the subscriber
// number of a brazilLegacyMobile.
func brazilNinthDigit(nsn string) string {
	return nsn[:2] + "9" + nsn[2:]
}
