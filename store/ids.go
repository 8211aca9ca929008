package store

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// crockford is the ULID alphabet: no I, L, O or U, so ids survive being read aloud or retyped.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulids makes ids monotonic within this process: two ids minted in the same millisecond differ
// by one in their random part instead of being drawn independently, so that ids sort in
// creation order and keyset pages list things oldest first.
var ulids struct {
	sync.Mutex
	ms     uint64
	hi, lo uint64 // the 80 random bits: 16 in hi, 64 in lo
}

// newID returns prefix + "_" + a ULID: 48 bits of milliseconds then 80 random bits, in 26
// Crockford base-32 characters.
func newID(prefix string, at time.Time) string {
	ms := uint64(at.UnixMilli())
	ulids.Lock()
	if ms <= ulids.ms { // same millisecond, or a clock that stepped back
		ms = ulids.ms
		ulids.lo++
		if ulids.lo == 0 {
			ulids.hi = (ulids.hi + 1) & 0xFFFF
		}
	} else {
		var b [10]byte
		rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		ulids.ms = ms
		ulids.hi = uint64(binary.BigEndian.Uint16(b[:2]))
		ulids.lo = binary.BigEndian.Uint64(b[2:])
	}
	hi := ms<<16 | ulids.hi
	lo := ulids.lo
	ulids.Unlock()

	out := make([]byte, 0, len(prefix)+1+26)
	out = append(out, prefix...)
	out = append(out, '_')
	// 128 bits in 26 groups of 5 bits, the first group holding the top 3 bits.
	for i := 25; i >= 0; i-- {
		shift := uint(i * 5)
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+5 > 64:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		out = append(out, crockford[v&31])
	}
	return string(out)
}
