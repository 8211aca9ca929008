package phone_test

import (
	"slices"
	"testing"

	"github.com/wagate/wagate/whatsapp/phone"
)

// TestWhatsAppSpellings: Argentine, Mexican and Brazilian mobiles are asked in both
// WhatsApp spellings, the number's own first; landlines and other countries in one; and
// every spelling is the same number (the same MatchKey) for Parse.
func TestWhatsAppSpellings(t *testing.T) {
	cases := []struct {
		raw  string
		want []string
	}{
		{"+5492235961983", []string{"+5492235961983", "+542235961983"}}, // AR mobile, Mar del Plata
		{"+5491123456789", []string{"+5491123456789", "+541123456789"}}, // AR mobile, Buenos Aires
		{"+542235961983", []string{"+542235961983", "+5492235961983"}},  // AR as written without the 9
		{"0223 15 596-1983", []string{"+5492235961983", "+542235961983"}},
		{"+525512345678", []string{"+525512345678", "+5215512345678"}},  // MX, Mexico City
		{"+5215512345678", []string{"+525512345678", "+5215512345678"}}, // MX old token: Parse drops it
		{"+523312345678", []string{"+523312345678", "+5213312345678"}},  // MX, Guadalajara
		{"+5511987654321", []string{"+5511987654321", "+551187654321"}}, // BR mobile, São Paulo
		{"+551187654321", []string{"+5511987654321", "+551187654321"}},  // BR legacy: Parse adds the 9
		{"+5521998765432", []string{"+5521998765432", "+552198765432"}}, // BR mobile, Rio
		{"+551133334444", []string{"+551133334444"}},                    // BR landline
		{"+14155552671", []string{"+14155552671"}},                      // US
		{"+34612345678", []string{"+34612345678"}},                      // ES
		{"+447911123456", []string{"+447911123456"}},                    // UK
		{"+4915112345678", []string{"+4915112345678"}},                  // DE
	}
	for _, c := range cases {
		region := ""
		if c.raw[0] != '+' {
			region = "AR"
		}
		n, err := phone.Parse(c.raw, region)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.raw, err)
		}
		got := n.WhatsAppSpellings()
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%s): spellings %v, want %v", c.raw, n.E164, got, c.want)
		}
		if got[0] != n.E164 {
			t.Errorf("%s: first spelling %s is not the number's own %s", c.raw, got[0], n.E164)
		}
		for _, s := range got {
			other, err := phone.Parse(s, "")
			if err != nil {
				t.Errorf("%s: spelling %s does not parse: %v", c.raw, s, err)
				continue
			}
			if other.MatchKey != n.MatchKey {
				t.Errorf("%s: spelling %s has key %s, the number %s", c.raw, s, other.MatchKey, n.MatchKey)
			}
		}
	}
}

// TestWhatsAppSpellingsOfAHandMadeNumber: a Number Parse did not make is asked as it is.
func TestWhatsAppSpellingsOfAHandMadeNumber(t *testing.T) {
	for _, e164 := range []string{"", "+", "+54", "+5499", "5492235961983", "+55119"} {
		if got := (phone.Number{E164: e164}).WhatsAppSpellings(); !slices.Equal(got, []string{e164}) {
			t.Errorf("%q: %v", e164, got)
		}
	}
}
