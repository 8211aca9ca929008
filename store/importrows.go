package store

import (
	"github.com/wagate/wagate/whatsapp/phone"
)

// ImportRow is one row of an import file, read and checked: a phone and the fields the row
// carries. Present says which of ContactFields the row gave (a CSV's columns, an object's
// keys): an update writes those and leaves the others as they were.
type ImportRow struct {
	Row   int64 // among the file's rows, from 1
	Line  int64 // the file's line the row starts on, from 1; 0 in a JSON array
	Phone phone.Number
	ContactFields
	Present FieldSet
}

// RowError is a row that failed, and why. Field is the field's name as the file spells it,
// or empty when the row as a whole is at fault.
type RowError struct {
	Row    int64  `json:"row"`
	Line   int64  `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// ImportBatch is a run of consecutive rows of a file: those that were read and checked, and
// those that failed before reaching the store.
type ImportBatch struct {
	Rows   []ImportRow
	Failed []RowError
}

// Read counts the batch's rows, those checked and those that failed.
func (b ImportBatch) Read() int64 { return int64(len(b.Rows) + len(b.Failed)) }

// FieldSet is a set of the caller-written fields of ContactFieldList, a bit per field by its
// index there.
type FieldSet uint32

// FieldBit is the bit of the field of ContactFieldList named name (its Go name: "FullName").
// It panics for a name the list does not have: a caller's typo, found by its first test.
func FieldBit(name string) FieldSet {
	for i, f := range ContactFieldList {
		if f.Name == name {
			return 1 << i
		}
	}
	panic("store: no contact field " + name)
}

// Has reports whether the set holds the field named name.
func (s FieldSet) Has(name string) bool { return s&FieldBit(name) != 0 }
