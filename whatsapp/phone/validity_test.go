package phone

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"google.golang.org/protobuf/proto"
)

// numberTypes are the types phonenumbers has example numbers of.
var numberTypes = []phonenumbers.PhoneNumberType{
	phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
	phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
	phonenumbers.UAN, phonenumbers.VOICEMAIL,
}

// validityCases are numbers of every region and non-geographic code: each example number
// phonenumbers has, and around each the numbers one digit away (changed, added, dropped),
// valid and invalid, then random national numbers of every length under each country code.
var validityCases = sync.OnceValue(func() []*phonenumbers.PhoneNumber {
	var out []*phonenumbers.PhoneNumber
	add := func(cc int32, nsn string, leadingZeros int32) {
		if nsn == "" {
			return
		}
		v, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			return
		}
		n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &v}
		if leadingZeros > 0 {
			yes := true
			n.ItalianLeadingZero, n.NumberOfLeadingZeros = &yes, &leadingZeros
		}
		out = append(out, n)
	}
	around := func(ex *phonenumbers.PhoneNumber) {
		digits := strconv.FormatUint(ex.GetNationalNumber(), 10)
		zeros := int32(0)
		if ex.GetItalianLeadingZero() {
			zeros = max(ex.GetNumberOfLeadingZeros(), 1)
		}
		cc := ex.GetCountryCode()
		add(cc, digits, zeros)
		for i := range len(digits) {
			for d := byte('0'); d <= '9'; d += 3 {
				add(cc, digits[:i]+string(d)+digits[i+1:], zeros)
			}
		}
		add(cc, digits+"7", zeros)
		add(cc, digits[:len(digits)-1], zeros)
		add(cc, digits[1:], 0)
	}
	// In a fixed order, so that each run draws the same random numbers.
	for _, region := range slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions())) {
		for _, t := range numberTypes {
			if ex := phonenumbers.GetExampleNumberForType(region, t); ex != nil {
				around(ex)
			}
		}
	}
	rng := rand.New(rand.NewPCG(9, 2026))
	for _, cc := range slices.Sorted(maps.Keys(phonenumbers.GetSupportedCallingCodes())) {
		if ex := phonenumbers.GetExampleNumberForNonGeoEntity(cc); ex != nil {
			around(ex)
		}
		for length := 2; length <= 15; length++ {
			for range 4 {
				b := make([]byte, length)
				for i := range b {
					b[i] = byte('0' + rng.IntN(10))
				}
				b[0] = byte('1' + rng.IntN(9))
				add(int32(cc), string(b), 0)
			}
		}
	}
	return out
})

// sampled is every case, or under the race detector every tenth: the comparisons are of one
// goroutine, and what the race detector looks at (the caches of compiled patterns) a tenth
// exercises as well.
func sampled[T any](cases []T) []T {
	if !raceEnabled {
		return cases
	}
	var out []T
	for i := 0; i < len(cases); i += 10 {
		out = append(out, cases[i])
	}
	return out
}

// TestValidityAgreesWithPhonenumbers holds validity.go (and readValid) to phonenumbers' own decisions: the
// region, the type and the validity of every case, as GetRegionCodeForNumber, GetNumberType
// and IsValidNumber give them.
func TestValidityAgreesWithPhonenumbers(t *testing.T) {
	cases := validityCases()
	if len(cases) < 20000 {
		t.Fatalf("only %d cases: phonenumbers' example numbers are missing", len(cases))
	}
	cases = sampled(cases)
	valid, disagree := 0, 0
	for _, n := range cases {
		e164, at := formatE164(n)
		gotType, gotRegion := typeOf(n.GetCountryCode(), e164[at:])
		read, gotValid := readValid(n)
		gotValidRegion := read.region
		wantRegion := phonenumbers.GetRegionCodeForNumber(n)
		wantType := phonenumbers.GetNumberType(n)
		wantValid := phonenumbers.IsValidNumber(n)
		if gotRegion != wantRegion || gotType != wantType || gotValid != wantValid || gotValidRegion != wantRegion {
			disagree++
			if disagree <= 20 {
				t.Errorf("%s: region %q, type %v, valid %v; phonenumbers says %q, %v, %v",
					e164, gotRegion, gotType, gotValid, wantRegion, wantType, wantValid)
			}
		}
		if wantValid {
			valid++
		}
	}
	if disagree > 0 {
		t.Errorf("%d of %d numbers disagree", disagree, len(cases))
	}
	// Both kinds must be well represented, or the agreement says little.
	if valid < len(cases)/10 || valid > len(cases)*9/10 {
		t.Errorf("%d of %d cases are valid: the cases test one side only", valid, len(cases))
	}
	t.Logf("%d numbers, %d of them valid", len(cases), valid)
}

// internationalCases are "+" and digits: every case of validityCases as E.164; where the
// region has a national prefix, the same with a 0 or a 15 after the country code (+54 0 11 …)
// and a 15 inside, as Argentines write mobiles; and random digits of every length from 1 to
// 20 (unknown codes, too short, too long, leading zeros).
func internationalCases() []string {
	var out []string
	for _, n := range validityCases() {
		e164, at := formatE164(n)
		out = append(out, e164)
		cc, nsn := e164[:at], e164[at:]
		md := metadataFor(n.GetCountryCode(), phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())))
		if md.GetNationalPrefixForParsing() == "" {
			continue
		}
		out = append(out, cc+"0"+nsn, cc+"15"+nsn)
		if len(nsn) > 6 {
			out = append(out, cc+nsn[:3]+"15"+nsn[3:])
		}
	}
	rng := rand.New(rand.NewPCG(7, 2026))
	for length := 1; length <= 20; length++ {
		for range 300 {
			b := make([]byte, length)
			for i := range b {
				b[i] = byte('0' + rng.IntN(10))
			}
			out = append(out, "+"+string(b))
		}
	}
	return out
}

// TestParseInternationalAgreesWithPhonenumbers holds parseInternational to phonenumbers.Parse:
// the same number, field for field, or the same error.
func TestParseInternationalAgreesWithPhonenumbers(t *testing.T) {
	cases := sampled(internationalCases())
	disagree, parsed := 0, 0
	for _, s := range cases {
		got, gotErr := parseInternational(s)
		want, wantErr := phonenumbers.Parse(s, "")
		same := gotErr == wantErr
		if same && wantErr == nil {
			parsed++
			same = proto.Equal(got, want) // each field set or not, as phonenumbers sets it
		}
		if !same {
			disagree++
			if disagree <= 20 {
				t.Errorf("%s: %v, %v; phonenumbers.Parse: %v, %v", s, got, gotErr, want, wantErr)
			}
		}
	}
	if disagree > 0 {
		t.Errorf("%d of %d spellings disagree", disagree, len(cases))
	}
	if parsed < len(cases)/2 || parsed == len(cases) {
		t.Errorf("%d of %d spellings parsed: the cases test one side only", parsed, len(cases))
	}
	t.Logf("%d spellings, %d of them parsed", len(cases), parsed)
}

// TestParseInternationalErrors names the error of each way a '+' spelling fails.
func TestParseInternationalErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"+1", phonenumbers.ErrNotANumber},
		{"+12", phonenumbers.ErrNotANumber},
		{"+0123456", phonenumbers.ErrInvalidCountryCode},
		{"+999123456", phonenumbers.ErrInvalidCountryCode},
		{"+3551", phonenumbers.ErrTooShortNSN},
		{"+54912345678901234567", phonenumbers.ErrNumTooLong},
	} {
		n, err := parseInternational(c.in)
		if !errors.Is(err, c.want) || n != nil {
			t.Errorf("parseInternational(%q) = %v, %v; want nil, %v", c.in, n, err, c.want)
		}
		if _, libErr := phonenumbers.Parse(c.in, ""); libErr != c.want {
			t.Errorf("phonenumbers.Parse(%q) fails with %v, not %v: the case no longer tests what it names", c.in, libErr, c.want)
		}
	}
	// A national prefix rewritten by its rule: Argentina's 15 after the area code becomes the 9 before it.
	n, err := parseInternational("+54223155961983")
	if err != nil || n.GetNationalNumber() != 92235961983 {
		t.Errorf("parseInternational(+54 223 15 596 1983) = %v, %v; want national number 92235961983", n, err)
	}
}
