package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/wagate/wagate/whatsapp/phone"
)

// Phones are generated, not stored: phone k is a pure function of k, so the loader and the load
// generator agree on the data set without reading a million rows back from the database.

// area is an Argentine area code and the subscriber range used in it. The ranges are inside the
// mobile plan of libphonenumber's AR metadata (checked by verifyPhones against phone.Parse), so
// every generated number is a valid mobile.
type area struct {
	code    string // without the trunk 0
	first   int    // lowest first digit of a subscriber number
	last    int    // highest first digit
	weight  int    // share of numbers, in buckets out of sum(weight)
	startAt int    // first bucket; set by init
}

// areas spreads numbers roughly like Argentina's population: Buenos Aires first, then the big
// provincial cities. Subscriber numbers fill the rest of the 10 national digits.
var areas = []area{
	{code: "11", first: 2, last: 6, weight: 9},  // Buenos Aires (AMBA)
	{code: "351", first: 3, last: 6, weight: 3}, // Córdoba
	{code: "341", first: 3, last: 6, weight: 2}, // Rosario
	{code: "261", first: 3, last: 6, weight: 2}, // Mendoza
	{code: "221", first: 3, last: 6, weight: 2}, // La Plata
	{code: "223", first: 3, last: 6, weight: 1}, // Mar del Plata
	{code: "381", first: 3, last: 6, weight: 1}, // Tucumán
}

// buckets maps k % len(buckets) to an area index.
var buckets []int

func init() {
	for i := range areas {
		areas[i].startAt = len(buckets)
		for range areas[i].weight {
			buckets = append(buckets, i)
		}
	}
}

// permMult scatters consecutive indexes over an area's subscriber range (Knuth's multiplicative
// hash constant). It is a prime other than 2 and 5, so it is coprime with every range size (a
// digit count times a power of ten) and the affine map below is a bijection: distinct k always
// give distinct numbers. j*permMult stays far below 2^63 for any j an area can hold.
const permMult = 2_654_435_761

// argNumber is generated phone k in its parts.
type argNumber struct {
	area       string
	subscriber string
}

func numberAt(k int) argNumber {
	b := k % len(buckets)
	a := areas[buckets[b]]
	j := (k/len(buckets))*a.weight + (b - a.startAt) // index within the area, unique per k
	digits := 10 - len(a.code)
	unit := pow10(digits - 1)
	span := (a.last - a.first + 1) * unit
	if j >= span {
		panic(fmt.Sprintf("phone %d: area %s has only %d numbers", k, a.code, span))
	}
	sub := a.first*unit + (j*permMult+span/3)%span
	return argNumber{area: a.code, subscriber: strconv.Itoa(sub)}
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// E164 is the stored form phone.Parse gives an Argentine mobile: +54 9 area subscriber.
func (n argNumber) E164() string { return "+549" + n.area + n.subscriber }

// MatchKey is phone.Number.MatchKey: Argentina's key drops the mobile 9.
func (n argNumber) MatchKey() string { return "54" + n.area + n.subscriber }

// spelling is one way clients write a number; weight is its share of requests (sum 100).
type spelling struct {
	name   string
	weight int
	format func(n argNumber) string
}

// spellings mixes what integrations send, so that every request pays for a realistic parse.
var spellings = []spelling{
	{"E.164", 25, func(n argNumber) string { return n.E164() }},
	{"E.164 without +", 30, func(n argNumber) string { return n.E164()[1:] }},
	{"spaces and dashes", 10, func(n argNumber) string { return "+54 9 " + n.area + " " + split(n.subscriber, "-") }},
	{"national 0 area 15", 10, func(n argNumber) string { return "0" + n.area + " 15 " + split(n.subscriber, "-") }},
	{"international 15", 10, func(n argNumber) string { return "+54 " + n.area + " 15-" + split(n.subscriber, "-") }},
	{"WhatsApp JID without 9", 15, func(n argNumber) string { return "54" + n.area + n.subscriber }},
}

// split writes a subscriber number as people group it: the last four digits apart.
func split(sub, sep string) string { return sub[:len(sub)-4] + sep + sub[len(sub)-4:] }

// pickSpelling draws a spelling by weight.
func pickSpelling(r *rand.Rand) spelling {
	x := r.IntN(100)
	for _, s := range spellings {
		if x < s.weight {
			return s
		}
		x -= s.weight
	}
	return spellings[0]
}

// verifyPhones checks the generator against phone.Parse on a sample of n phones out of total:
// the stored E.164, region and match key of the canonical spelling, and the match key of every
// other spelling. The loader writes what numberAt computes; this is what makes it trustworthy.
func verifyPhones(total, n int) error {
	r := rand.New(rand.NewPCG(1, 2))
	sample := []int{0, total - 1}
	for i := range len(buckets) { // the first phone of every bucket, so every area is covered
		sample = append(sample, i)
	}
	for len(sample) < n {
		sample = append(sample, r.IntN(total))
	}
	for _, k := range sample {
		want := numberAt(k)
		got, err := phone.Parse(want.E164(), "AR")
		if err != nil {
			return fmt.Errorf("phone %d %s: %w", k, want.E164(), err)
		}
		if got.E164 != want.E164() || got.Region != "AR" || got.MatchKey != want.MatchKey() {
			return fmt.Errorf("phone %d: generated %s/AR/%s, phone.Parse says %s/%s/%s",
				k, want.E164(), want.MatchKey(), got.E164, got.Region, got.MatchKey)
		}
		for _, s := range spellings {
			raw := s.format(want)
			got, err := phone.Parse(raw, "AR")
			if err != nil {
				return fmt.Errorf("phone %d spelled %s (%q): %w", k, s.name, raw, err)
			}
			if got.MatchKey != want.MatchKey() {
				return fmt.Errorf("phone %d spelled %s (%q): match key %s, want %s", k, s.name, raw, got.MatchKey, want.MatchKey())
			}
		}
	}
	return nil
}
