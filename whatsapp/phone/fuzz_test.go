package phone

import (
	"errors"
	"testing"
)

// fuzzRegions are the default regions the fuzzer picks from: arbitrary
// strings would almost always be unknown regions and waste the budget.
var fuzzRegions = []string{"", "AR", "US", "BR", "MX", "DE", "GB", "IN", "ES", "IT", "ar", "XX"}

func FuzzParse(f *testing.F) {
	for i, tc := range validCases {
		f.Add(tc.raw, uint8(i))
	}
	for i, tc := range errorCases {
		f.Add(tc.raw, uint8(i))
	}
	f.Fuzz(func(t *testing.T, raw string, pick uint8) {
		region := fuzzRegions[int(pick)%len(fuzzRegions)]
		n, err := Parse(raw, region)
		if err != nil {
			checkError(t, raw, region, n, err)
			return
		}
		checkNumber(t, raw, region, n)
	})
}

func checkError(t *testing.T, raw, region string, n Number, err error) {
	t.Helper()
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("Parse(%q, %q): error %T %v, want *Error", raw, region, err, err)
	}
	if perr.Code == "" || perr.Reason == "" || "phone "+perr.Reason != err.Error() {
		t.Fatalf("Parse(%q, %q): incomplete error %+v", raw, region, perr)
	}
	if perr.Input != truncate(raw, maxInputLen) {
		t.Fatalf("Parse(%q, %q): Input %q", raw, region, perr.Input)
	}
	if n != (Number{}) {
		t.Fatalf("Parse(%q, %q) = %+v with error %v", raw, region, n, err)
	}
}

func checkNumber(t *testing.T, raw, region string, n Number) {
	t.Helper()
	if len(n.E164) < 2 || len(n.E164) > 16 || n.E164[0] != '+' || !allDigits(n.E164[1:]) {
		t.Fatalf("Parse(%q, %q): bad E164 %q", raw, region, n.E164)
	}
	if !allDigits(n.MatchKey) || n.MatchKey == "" {
		t.Fatalf("Parse(%q, %q): bad MatchKey %q", raw, region, n.MatchKey)
	}
	if len(n.Region) != 2 || !ValidRegion(n.Region) || n.Region[0] < 'A' || n.Region[0] > 'Z' {
		t.Fatalf("Parse(%q, %q): bad Region %q", raw, region, n.Region)
	}
	// The stored E164 is itself an input (lookups, re-imports): it must read
	// back to the same Number whatever the default region.
	for _, r := range []string{"", region, n.Region} {
		if got, err := Parse(n.E164, r); err != nil || got != n {
			t.Fatalf("Parse(%q, %q) = %+v; Parse(%q, %q) = %+v, %v", raw, region, n, n.E164, r, got, err)
		}
	}
	// The key is stable: the number it names has the same key.
	if got, err := Parse("+"+n.MatchKey, ""); err != nil || got.MatchKey != n.MatchKey {
		t.Fatalf("Parse(%q, %q) = %+v; Parse(+%s) = %+v, %v", raw, region, n, n.MatchKey, got, err)
	}
	if again, err := Parse(raw, region); err != nil || again != n {
		t.Fatalf("Parse(%q, %q) not deterministic: %+v then %+v, %v", raw, region, n, again, err)
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
