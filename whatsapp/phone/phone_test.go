package phone

import (
	"errors"
	"strings"
	"testing"
)

type parseCase struct {
	name   string
	raw    string
	region string
	want   Number
}

// juanPerez is the number every accepted spelling below must become.
var juanPerez = Number{E164: "+5492235961983", Region: "AR", MatchKey: "542235961983"}

var validCases = []parseCase{
	// Five spellings, plus the national forms, are one number.
	{"E.164 with +", "+5492235961983", "AR", juanPerez},
	{"E.164 without +", "5492235961983", "AR", juanPerez},
	{"with 15", "+54223155961983", "AR", juanPerez},
	{"with 15 without +", "54223155961983", "AR", juanPerez},
	{"with spaces and dashes", "+54 223 15-596-1983", "AR", juanPerez},
	{"national with 0 and 15", "0223 15 596-1983", "AR", juanPerez},
	{"national with 15", "223 15 596 1983", "AR", juanPerez},
	{"national mobile 9", "9 223 596 1983", "AR", juanPerez},
	{"international prefix 00", "0054 9 223 596 1983", "AR", juanPerez},
	{"9 and 15 together", "+54 9 223 15 596-1983", "", juanPerez},
	{"parenthesised area code", "+54 (0223) 15 596-1983", "", juanPerez},
	// Without '+' under another region or none: read as international.
	{"without + under US", "5492235961983", "US", juanPerez},
	{"with 15 without + under US", "54223155961983", "US", juanPerez},
	{"without + no region", "5492235961983", "", juanPerez},
	{"with 15 without + no region", "54223155961983", "", juanPerez},
	{"00 under US", "00 54 9 223 596 1983", "US", juanPerez},
	{"00 no region", "0054 9 223 596 1983", "", juanPerez},
	{"without + under DE", "5492235961983", "DE", juanPerez},
	{"with + under ES", "+54 9 223 596-1983", "ES", juanPerez},

	// Argentina without the 9 (WhatsApp JID spelling): valid as given, same key.
	{"AR without 9", "+542235961983", "", Number{"+542235961983", "AR", "542235961983"}},
	{"AR without 9 no +", "542235961983", "AR", Number{"+542235961983", "AR", "542235961983"}},
	{"AR without 9 under US", "542235961983", "US", Number{"+542235961983", "AR", "542235961983"}},
	{"AR national landline", "(0223) 596-1983", "AR", Number{"+542235961983", "AR", "542235961983"}},
	{"AR Buenos Aires mobile", "+54 9 11 2345-6789", "", Number{"+5491123456789", "AR", "541123456789"}},
	{"AR Buenos Aires national 15", "011 15 2345-6789", "AR", Number{"+5491123456789", "AR", "541123456789"}},
	{"AR Buenos Aires 9 and 15", "+54 9 11 15 2345 6789", "", Number{"+5491123456789", "AR", "541123456789"}},

	// Mexico with and without the 1 after 52.
	{"MX modern", "+52 55 1234 5678", "", Number{"+525512345678", "MX", "525512345678"}},
	{"MX with 1", "+52 1 55 1234 5678", "", Number{"+525512345678", "MX", "525512345678"}},
	{"MX with 1 JID", "5215512345678", "", Number{"+525512345678", "MX", "525512345678"}},
	{"MX with 1 no + under MX", "5215512345678", "MX", Number{"+525512345678", "MX", "525512345678"}},
	{"MX national", "55 1234 5678", "MX", Number{"+525512345678", "MX", "525512345678"}},
	{"MX Guadalajara with 1", "+5213312345678", "", Number{"+523312345678", "MX", "523312345678"}},

	// Brazil mobiles with and without the ninth digit.
	{"BR mobile", "+55 11 98765-4321", "", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR mobile without ninth digit", "+55 11 8765-4321", "", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR JID without ninth digit", "551187654321", "", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR JID without ninth digit under BR", "551187654321", "BR", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR JID without ninth digit DDD 31", "553187654321", "", Number{"+5531987654321", "BR", "5531987654321"}},
	{"BR national", "(11) 98765-4321", "BR", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR national without ninth digit", "(11) 8765-4321", "BR", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR national with carrier code", "0 21 11 98765-4321", "BR", Number{"+5511987654321", "BR", "5511987654321"}},
	{"BR legacy 7xxx range gets the 9", "+55 11 7123-4567", "", Number{"+5511971234567", "BR", "5511971234567"}},
	{"BR landline untouched", "+55 11 3333-4444", "", Number{"+551133334444", "BR", "551133334444"}},
	{"BR landline national", "(11) 3333-4444", "BR", Number{"+551133334444", "BR", "551133334444"}},
	{"BR landline starting 2", "+55 21 2345-6789", "", Number{"+552123456789", "BR", "552123456789"}},

	// Other countries: the key is the E.164 digits.
	{"US international", "+1 650-253-0000", "", Number{"+16502530000", "US", "16502530000"}},
	{"US national", "(650) 253-0000", "US", Number{"+16502530000", "US", "16502530000"}},
	{"US national with trunk 1", "1 650 253 0000", "US", Number{"+16502530000", "US", "16502530000"}},
	{"US dotted", "650.253.0000", "US", Number{"+16502530000", "US", "16502530000"}},
	{"CA via +1", "+1 416 555 0123", "", Number{"+14165550123", "CA", "14165550123"}},
	{"ES international", "+34 612 34 56 78", "", Number{"+34612345678", "ES", "34612345678"}},
	{"ES national", "612 34 56 78", "ES", Number{"+34612345678", "ES", "34612345678"}},
	{"ES landline national", "91 123 45 67", "ES", Number{"+34911234567", "ES", "34911234567"}},
	{"GB international", "+44 7400 123456", "", Number{"+447400123456", "GB", "447400123456"}},
	{"GB national", "07400 123456", "GB", Number{"+447400123456", "GB", "447400123456"}},
	{"GB landline national", "020 7946 0018", "GB", Number{"+442079460018", "GB", "442079460018"}},
	{"GB international prefix 00", "00 44 7400 123456", "GB", Number{"+447400123456", "GB", "447400123456"}},
	{"DE international", "+49 151 12345678", "", Number{"+4915112345678", "DE", "4915112345678"}},
	{"DE national", "0151 12345678", "DE", Number{"+4915112345678", "DE", "4915112345678"}},
	{"DE national slash", "030/1234567", "DE", Number{"+49301234567", "DE", "49301234567"}},
	{"DE without + under DE", "4915112345678", "DE", Number{"+4915112345678", "DE", "4915112345678"}},
	{"IN international", "+91 98765 43210", "", Number{"+919876543210", "IN", "919876543210"}},
	{"IN national", "98765 43210", "IN", Number{"+919876543210", "IN", "919876543210"}},
	{"IN national with trunk 0", "098765-43210", "IN", Number{"+919876543210", "IN", "919876543210"}},
	{"IN without + under AR", "919876543210", "AR", Number{"+919876543210", "IN", "919876543210"}},

	// Ambiguous digits without '+' (see Parse for the order).
	{"national reading first", "297 560 9157", "AR", Number{"+542975609157", "AR", "542975609157"}},
	{"foreign mobile beats a national landline", "5492235961983", "DE", juanPerez},
	{"national mobile beats a foreign mobile", "51 93148-0698", "BR", Number{"+5551931480698", "BR", "5551931480698"}},
	{"MX 1 token needs the 52", "1 479 894 8985", "MX", Number{"+14798948985", "US", "14798948985"}},
	{"trunk 0 has no international reading", "0297 560 9157", "AR", Number{"+542975609157", "AR", "542975609157"}},

	// Regions: case-insensitive.
	{"lower-case region", "0223 15 596-1983", "ar", juanPerez},
	{"mixed-case region", "0223 15 596-1983", "aR", juanPerez},

	// Surrounding whitespace and copy-paste artefacts.
	{"surrounding whitespace", "  \t+5492235961983\n ", "", juanPerez},
	{"non-breaking spaces", "\u00a0+54\u00a09\u00a0223\u00a0596\u00a01983\u00a0", "", juanPerez},
	{"bidi marks from WhatsApp", "\u202a+54 9 223 596-1983\u202c", "", juanPerez},
	{"unicode dashes", "+54 9 223 596\u20131983", "", juanPerez},
	{"arabic-indic digits", "+٥٤٩٢٢٣٥٩٦١٩٨٣", "", juanPerez},
	{"full-width digits", "+５４９２２３５９６１９８３", "", juanPerez},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.raw, tc.region)
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tc.raw, tc.region, err)
			}
			if got != tc.want {
				t.Fatalf("Parse(%q, %q) = %+v, want %+v", tc.raw, tc.region, got, tc.want)
			}
		})
	}
}

// The WhatsApp spellings the key must join, each pair read without a region.
func TestMatchKeyJoinsWhatsAppSpellings(t *testing.T) {
	pairs := [][2]string{
		{"+5492235961983", "+542235961983"},
		{"+5491123456789", "+541123456789"},
		{"+5215512345678", "+525512345678"},
		{"+5511987654321", "+551187654321"},
		{"+5531987654321", "+553187654321"},
		{"+5511971234567", "+551171234567"},
	}
	for _, p := range pairs {
		a, errA := Parse(p[0], "")
		b, errB := Parse(p[1], "")
		if errA != nil || errB != nil {
			t.Fatalf("Parse(%q), Parse(%q): %v, %v", p[0], p[1], errA, errB)
		}
		if a.MatchKey != b.MatchKey {
			t.Errorf("MatchKey(%q) = %q, MatchKey(%q) = %q, want equal", p[0], a.MatchKey, p[1], b.MatchKey)
		}
	}
}

func TestMatchKeyKeepsDifferentNumbersApart(t *testing.T) {
	// A Brazilian landline and the mobile its digits would become with a 9.
	landline, err1 := Parse("+551133334444", "")
	mobile, err2 := Parse("+5511933334444", "")
	if err1 != nil || err2 != nil {
		t.Fatalf("Parse: %v, %v", err1, err2)
	}
	if landline.MatchKey == mobile.MatchKey {
		t.Fatalf("landline and mobile share MatchKey %q", landline.MatchKey)
	}
}

type errorCase struct {
	name   string
	raw    string
	region string
	code   Code
	reason string
}

var errorCases = []errorCase{
	{"empty", "", "AR", CodeEmpty, "is empty"},
	{"only whitespace", " \t\n ", "AR", CodeEmpty, "is empty"},
	{"only separators", "( ) - .", "AR", CodeEmpty, "is empty"},
	{"only plus", "+", "", CodeEmpty, "is empty"},
	{"letters", "hello", "AR", CodeLetters, "contains letters"},
	{"vanity number", "1-800-FLOWERS", "US", CodeLetters, "contains letters"},
	{"extension", "+1 650 253 0000 ext. 12", "", CodeLetters, "contains letters"},
	{"JID with server", "5492235961983@s.whatsapp.net", "", CodeLetters, "contains letters"},
	{"hash", "+54 223 596#1983", "AR", CodeNotDigits, "contains characters that are not digits"},
	{"star", "*5492235961983", "AR", CodeNotDigits, "contains characters that are not digits"},
	{"plus in the middle", "54+92235961983", "AR", CodeNotDigits, "contains characters that are not digits"},
	{"two plus signs", "++5492235961983", "", CodeNotDigits, "contains characters that are not digits"},
	{"comma", "5492235961983,", "", CodeNotDigits, "contains characters that are not digits"},
	{"other unicode digits", "+५४९२२३५९६१९८३", "", CodeNotDigits, "contains characters that are not digits"},
	{"two digits", "12", "US", CodeTooShort, "is too short"},
	{"too short international", "+54 12", "", CodeTooShort, "is too short"},
	{"too short national", "596 1983", "AR", CodeTooShort, "is too short"},
	{"too many digits", "+549223596198312345678", "", CodeTooLong, "is too long"},
	{"too long for the region", "+54 9 223 596 1983 1234", "", CodeTooLong, "is too long"},
	{"too long input", "+54 9 223 596 1983" + strings.Repeat(" ", 60) + "0", "", CodeTooLong, "is too long"},
	{"longer than E.164 allows", "+49 201 0000 0000 0000", "", CodeTooLong, "is too long"},
	{"unknown country code", "+999 1234 5678", "", CodeUnknownCountryCode, "has an unknown country code"},
	{"national form without region", "0223 15 596-1983", "", CodeUnknownCountryCode, "has an unknown country code"},
	{"non-geographic", "+800 1234 5678", "", CodeNonGeographic, "has a non-geographic country code"},
	{"invalid for AR", "+54 9 000 000 0000", "", CodeInvalidForRegion, "is not a valid number for region AR"},
	{"invalid national AR", "0223 000 0000", "AR", CodeInvalidForRegion, "is not a valid number for region AR"},
	{"invalid for US", "+1 123 456 7890", "", CodeInvalidForRegion, "is not a valid number for region US"},
	{"unknown default region", "+5492235961983", "XX", CodeUnknownRegion, "cannot be read: the default region is not known"},
	{"non-geographic default region", "+5492235961983", "001", CodeUnknownRegion, "cannot be read: the default region is not known"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.raw, tc.region)
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %+v, want error %s", tc.raw, tc.region, got, tc.code)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q, %q) error %T, want *Error", tc.raw, tc.region, err)
			}
			if perr.Code != tc.code || perr.Reason != tc.reason || err.Error() != "phone "+tc.reason {
				t.Fatalf("Parse(%q, %q) = {%s %q}, want {%s %q}", tc.raw, tc.region, perr.Code, perr.Reason, tc.code, tc.reason)
			}
			if perr.Input != truncate(tc.raw, maxInputLen) {
				t.Fatalf("Input = %q, want %q", perr.Input, tc.raw)
			}
			if got != (Number{}) {
				t.Fatalf("Parse returned %+v with an error", got)
			}
		})
	}
}

func TestErrorInputIsBounded(t *testing.T) {
	raw := strings.Repeat("é", 1000)
	_, err := Parse(raw, "AR")
	var perr *Error
	if !errors.As(err, &perr) || perr.Code != CodeTooLong {
		t.Fatalf("Parse(long) = %v, want too_long", err)
	}
	if len(perr.Input) > maxInputLen || !strings.HasPrefix(raw, perr.Input) || perr.Input != strings.Repeat("é", maxInputLen/2) {
		t.Fatalf("Input = %q, want the first %d bytes on a rune boundary", perr.Input, maxInputLen)
	}
}

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"AR", "ar", "Ar", "US", "BR", "MX", "DE", "GB", "GG"} {
		if !ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = false, want true", r)
		}
	}
	for _, r := range []string{"", "XX", "001", "ZZ", "ARG", "A", " AR", "ＡＲ"} {
		if ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = true, want false", r)
		}
	}
}

// Every accepted E164 must read back as itself, with or without a region,
// and its key must read back to the same key: stored values are inputs
// again when they are looked up or re-imported.
func TestStoredFormsRoundTrip(t *testing.T) {
	for _, tc := range validCases {
		n := tc.want
		for _, region := range []string{"", "AR", "US", "DE"} {
			got, err := Parse(n.E164, region)
			if err != nil || got != n {
				t.Errorf("Parse(%q, %q) = %+v, %v; want %+v", n.E164, region, got, err, n)
			}
		}
		got, err := Parse(n.E164[1:], n.Region)
		if err != nil || got != n {
			t.Errorf("Parse(%q, %q) = %+v, %v; want %+v", n.E164[1:], n.Region, got, err, n)
		}
		got, err = Parse("+"+n.MatchKey, "")
		if err != nil || got.MatchKey != n.MatchKey {
			t.Errorf("Parse(+%s) = %+v, %v; want MatchKey %q", n.MatchKey, got, err, n.MatchKey)
		}
	}
}

// The lookup endpoint parses from many goroutines; run with -race.
func TestParseConcurrent(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, tc := range validCases {
				if got, err := Parse(tc.raw, tc.region); err != nil || got != tc.want {
					t.Errorf("Parse(%q, %q) = %+v, %v", tc.raw, tc.region, got, err)
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
}
