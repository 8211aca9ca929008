// Package phone turns any human or WhatsApp spelling of a phone number into
// one identity, so that a contact typed by a person, imported from a list and
// seen in a WhatsApp JID is stored once and found with one indexed read.
//
// Parse reads the spelling under libphonenumber's rules
// (github.com/nyaruka/phonenumbers) and the organization's default region,
// accepts only numbers libphonenumber considers valid, and returns a Number
// with two stored forms:
//
//   - E164, the number as E.164, used to send and to show;
//   - MatchKey, digits only, equal for every spelling WhatsApp uses for the
//     same number (see matchkey.go), used to look the number up.
//
// Anything that cannot be a phone number is an *Error whose Reason can be
// returned to the client as is.
//
// Two of libphonenumber's steps are done here, from its own metadata and by
// its own rules, because they were most of a bulk import's CPU: deciding
// validity and type (validity.go) and parsing a '+' spelling already reduced
// to digits (international.go). Tests hold both to the library's answers on
// every region's numbers.
package phone
