package phone

import "testing"

// The lookup endpoint parses on every request, an import every row. The
// regexps of the number's region dominate the cost; a spelling without '+'
// goes through phonenumbers' parse of free text, and one whose national
// reading is not a mobile pays for a second parse.
func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, raw, region string }{
		{"E164", "+5492235961983", "AR"},
		{"E164NoPlus", "5492235961983", "AR"},
		{"Formatted15", "+54 223 15-596-1983", "AR"},
		{"National", "0223 15 596-1983", "AR"},
		{"ForeignNoPlus", "5492235961983", "US"},
		{"BrazilJID", "551187654321", ""},
		{"MexicoJID", "5215512345678", ""},
		{"US", "+1 650-253-0000", ""},
		{"Invalid", "+54 9 000 000 0000", ""},
		{"Letters", "1-800-FLOWERS", "US"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(c.raw, c.region)
			}
		})
	}
}
