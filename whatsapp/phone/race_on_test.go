//go:build race

package phone

// raceEnabled: the race detector slows phonenumbers' regexps about twentyfold; the tests that
// compare with phonenumbers on every region's numbers then take a sample (see sampled).
const raceEnabled = true
