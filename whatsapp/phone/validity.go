package phone

import (
	"regexp"
	"slices"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Validity and number type, as phonenumbers' IsValidNumber and GetNumberType decide them,
// from the same metadata, without their cost. For each description it tests (the general
// one, then premium rate, toll free, …, fixed line, mobile) phonenumbers builds the pattern's
// anchored text anew, hashes that text, several kilobytes for some regions, to find its
// compiled regexp in a cache behind a lock the parsing goroutines contend for, and runs it
// twice (isNumberPossibleForDesc runs it again). That was half of parsing a valid number,
// and parsing most of a million-row import's CPU. Here each description's regexp is compiled
// once and found by its pattern's address; the decisions are phonenumbers' own, in its
// order, and TestValidityAgreesWithPhonenumbers holds them to it on every region's numbers.

// regionMetadata is phonenumbers' metadata of each geographic region, and of each non-geographic
// country code (+800 …), which it keeps in maps of its own, unexported. MetadataCollection
// returns the collection it built them from, parsed once.
var regionMetadata = sync.OnceValue(func() (m struct {
	byRegion map[string]*phonenumbers.PhoneMetadata
	nonGeo   map[int32]*phonenumbers.PhoneMetadata
}) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic("phonenumbers' embedded metadata: " + err.Error()) // its own init would have failed first
	}
	m.byRegion = make(map[string]*phonenumbers.PhoneMetadata, len(coll.GetMetadata()))
	m.nonGeo = make(map[int32]*phonenumbers.PhoneMetadata)
	for _, md := range coll.GetMetadata() {
		if id := md.GetId(); id == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			m.nonGeo[md.GetCountryCode()] = md
		} else {
			m.byRegion[id] = md
		}
	}
	return m
})

// metadataFor is phonenumbers' getMetadataForRegionOrCallingCode.
func metadataFor(cc int32, region string) *phonenumbers.PhoneMetadata {
	if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
		return regionMetadata().nonGeo[cc]
	}
	return regionMetadata().byRegion[region]
}

// compiled holds the regexps of the patterns met so far, by the address of the string in the
// metadata that holds the pattern and how it is anchored: a description's national number
// pattern matches a number whole, a region's leading digits or national prefix its start.
var compiled sync.Map // patternKey → *regexp.Regexp

type patternKey struct {
	p      *string // nil is the empty pattern
	anchor anchor
}

// anchor is how phonenumbers anchors a pattern.
type anchor bool

const (
	anchorWhole anchor = true  // "^(?:p)$"
	anchorStart anchor = false // "^(?:p)"
)

func patternFor(p *string, a anchor) *regexp.Regexp {
	key := patternKey{p, a}
	if re, ok := compiled.Load(key); ok {
		return re.(*regexp.Regexp)
	}
	text := ""
	if p != nil {
		text = *p
	}
	text = "^(?:" + text + ")"
	if a == anchorWhole {
		text += "$"
	}
	re, _ := compiled.LoadOrStore(key, regexp.MustCompile(text))
	return re.(*regexp.Regexp)
}

// matchesDesc is phonenumbers' isNumberMatchingDesc: one of the description's possible
// lengths, if it lists any, and its pattern, whole. phonenumbers' metadata has every
// description and pattern; were one missing, phonenumbers would panic or match only the
// empty number, which a national number never is.
func matchesDesc(nsn string, d *phonenumbers.PhoneNumberDesc) bool {
	if d == nil || d.NationalNumberPattern == nil {
		return false
	}
	if len(d.PossibleLength) > 0 && !slices.Contains(d.PossibleLength, int32(len(nsn))) {
		return false
	}
	return patternFor(d.NationalNumberPattern, anchorWhole).MatchString(nsn)
}

// numberType is phonenumbers' getNumberTypeHelper.
func numberType(nsn string, md *phonenumbers.PhoneMetadata) phonenumbers.PhoneNumberType {
	if !matchesDesc(nsn, md.GetGeneralDesc()) {
		return phonenumbers.UNKNOWN
	}
	for _, t := range []struct {
		desc *phonenumbers.PhoneNumberDesc
		typ  phonenumbers.PhoneNumberType
	}{
		{md.GetPremiumRate(), phonenumbers.PREMIUM_RATE},
		{md.GetTollFree(), phonenumbers.TOLL_FREE},
		{md.GetSharedCost(), phonenumbers.SHARED_COST},
		{md.GetVoip(), phonenumbers.VOIP},
		{md.GetPersonalNumber(), phonenumbers.PERSONAL_NUMBER},
		{md.GetPager(), phonenumbers.PAGER},
		{md.GetUan(), phonenumbers.UAN},
		{md.GetVoicemail(), phonenumbers.VOICEMAIL},
	} {
		if matchesDesc(nsn, t.desc) {
			return t.typ
		}
	}
	if matchesDesc(nsn, md.GetFixedLine()) {
		if md.GetSameMobileAndFixedLinePattern() || matchesDesc(nsn, md.GetMobile()) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	}
	if !md.GetSameMobileAndFixedLinePattern() && matchesDesc(nsn, md.GetMobile()) {
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// regionOf is phonenumbers' GetRegionCodeForNumber for the national significant number nsn
// under country code cc: "" when no region has the number. Of the regions that share a code,
// the first whose leading digits start nsn, or, for one without them, which has nsn's type.
func regionOf(cc int32, nsn string) (string, *phonenumbers.PhoneMetadata) {
	regions := phonenumbers.GetRegionCodesForCountryCode(int(cc))
	if len(regions) == 1 {
		return regions[0], metadataFor(cc, regions[0])
	}
	for _, r := range regions {
		md := metadataFor(cc, r)
		if md.LeadingDigits != nil && *md.LeadingDigits != "" {
			if patternFor(md.LeadingDigits, anchorStart).MatchString(nsn) {
				return r, md
			}
		} else if numberType(nsn, md) != phonenumbers.UNKNOWN {
			return r, md
		}
	}
	return "", nil
}

// typeOf is phonenumbers.GetNumberType of cc and nsn, with the region that decided it.
func typeOf(cc int32, nsn string) (phonenumbers.PhoneNumberType, string) {
	region, md := regionOf(cc, nsn)
	if md == nil {
		return phonenumbers.UNKNOWN, region
	}
	return numberType(nsn, md), region
}
