package phone

import (
	"strconv"
	"testing"
)

func TestMatchKey(t *testing.T) {
	cases := []struct {
		cc        int32
		nsn, want string
	}{
		{54, "92235961983", "542235961983"}, // AR mobile: drop the 9
		{54, "2235961983", "542235961983"},  // AR without the 9: as is
		{54, "8001234567", "548001234567"},  // AR toll-free: as is
		{52, "15512345678", "525512345678"}, // MX old mobile token: drop the 1
		{52, "5512345678", "525512345678"},  // MX modern: as is
		{55, "1187654321", "5511987654321"}, // BR legacy mobile: add the 9
		{55, "1161234567", "5511961234567"}, // BR legacy mobile from 6
		{55, "1171234567", "5511971234567"}, // BR legacy 7 range
		{55, "1199999999", "5511999999999"}, // BR legacy mobile from 9
		{55, "1153334444", "551153334444"},  // BR landline from 5: untouched
		{55, "1123334444", "551123334444"},  // BR landline from 2: untouched
		{55, "11987654321", "5511987654321"},
		{1, "6502530000", "16502530000"},
		{49, "15112345678", "4915112345678"},
		{39, "0612345678", "390612345678"}, // Italian leading zero kept
	}
	for _, c := range cases {
		e164 := "+" + strconv.Itoa(int(c.cc)) + c.nsn
		if got := matchKey(e164, c.cc, c.nsn); got != c.want {
			t.Errorf("matchKey(%s) = %s, want %s", e164, got, c.want)
		}
	}
}
