package phone

// WhatsAppSpellings returns the E.164 spellings (with '+') under which WhatsApp may know n,
// n's own E164 first. A live check asks for all of them in one query and keeps the one
// WhatsApp confirms: accounts registered before a numbering change keep the old spelling
// as their JID, and WhatsApp answers "not on WhatsApp" for the other one.
//
//   - Argentina: with and without the 9 after 54. The 9 form of a 10-digit number is added
//     only when it is a valid mobile (a landline has no WhatsApp spelling with the 9).
//   - Mexico: with and without the 1 after 52 (the mobile token abolished in 2019).
//   - Brazil: a mobile with its ninth digit also without it, when the 8-digit spelling is
//     one a legacy mobile had (subscriber number from 6 to 9; see brazilLegacyMobile); a
//     legacy spelling Parse kept (its 9 form is not valid) gets the 9 form only if valid.
//
// Every other number has one spelling. All the spellings of n share n's MatchKey. A Number
// whose E164 is not one Parse could have made returns just its E164.
func (n Number) WhatsAppSpellings() []string {
	own := n.E164
	if len(own) < 4 || own[0] != '+' {
		return []string{own}
	}
	nsn := own[3:]
	switch own[1:3] {
	case "54":
		if len(nsn) == 11 && nsn[0] == '9' {
			return []string{own, "+54" + nsn[1:]}
		}
		if len(nsn) == 10 {
			if _, ok := check(ccArgentina, "9"+nsn); ok {
				return []string{own, "+549" + nsn}
			}
		}
	case "52":
		if len(nsn) == 11 && nsn[0] == '1' {
			return []string{own, "+52" + nsn[1:]}
		}
		if len(nsn) == 10 {
			return []string{own, "+521" + nsn}
		}
	case "55":
		if len(nsn) == 11 && nsn[2] == '9' && brazilLegacyMobile(nsn[:2]+nsn[3:]) {
			return []string{own, "+55" + nsn[:2] + nsn[3:]}
		}
		if brazilLegacyMobile(nsn) {
			if _, ok := check(ccBrazil, brazilNinthDigit(nsn)); ok {
				return []string{own, "+55" + brazilNinthDigit(nsn)}
			}
		}
	}
	return []string{own}
}
