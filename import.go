package contacts

import "context"

// What an import does with a row whose phone number is already taken, in
// the book or earlier in the same file.
const (
	ConflictFail    = "fail"    // report it; the import writes nothing
	ConflictSkip    = "skip"    // keep the contact that has the number
	ConflictUpdate  = "update"  // merge: the fields the row gives a value for replace the contact's; the others are kept
	ConflictReplace = "replace" // the row replaces the contact whole: a field it leaves empty is cleared
)

// ConflictPolicies lists the policies, in the order help shows them.
var ConflictPolicies = []string{ConflictFail, ConflictSkip, ConflictUpdate, ConflictReplace}

// ImportOptions control an import.
type ImportOptions struct {
	OnConflict  string // ConflictFail (the default when ""), ConflictSkip, ConflictUpdate or ConflictReplace
	SkipInvalid bool   // write the good rows even if some are invalid
	DryRun      bool   // validate and report, write nothing
	// Changes, when not nil, is told of each contact the import changes
	// or would change, with its fields before and after: what a dry run
	// shows field by field.
	Changes func(Change)
}

// FieldSet is a set of a contact's writable fields.
type FieldSet uint8

// The writable fields of a contact.
const (
	FieldName FieldSet = 1 << iota
	FieldEmail
	FieldPhone
	FieldCompanyName
	FieldNote

	AllFields = FieldName | FieldEmail | FieldPhone | FieldCompanyName | FieldNote
)

// Has reports whether s holds every field of f.
func (s FieldSet) Has(f FieldSet) bool { return s&f == f }

// ImportRow is one row of an import, through the gate (Prepare): Contact
// is the contact it makes (id and timestamps set), Given the fields the
// row gives a value for; or Err says why the row is invalid.
type ImportRow struct {
	Pos     string // "line 12", "card 3": where the row is, for the report
	Contact *Contact
	Given   FieldSet
	// OwnID is true when the row carried its own id and timestamps (our
	// own export): they are kept.
	OwnID bool
	Err   error
}

// Problem is a row that was not imported, or that stopped the import.
type Problem struct {
	Pos       string `json:"pos"`
	Code      string `json:"code"` // EINVALID or ECONFLICT
	Field     string `json:"field"`
	Message   string `json:"message"`
	ContactID string `json:"contact_id,omitempty"` // for a conflict, who holds the number
	Skipped   bool   `json:"skipped"`              // the row was left out and the import went on
}

// ImportResult counts what an import did (or, dry or failed, would have done).
type ImportResult struct {
	Created   int  `json:"created"`
	Updated   int  `json:"updated"`
	Unchanged int  `json:"unchanged"`
	Skipped   int  `json:"skipped"`
	Invalid   int  `json:"invalid"`
	Conflicts int  `json:"conflicts"`
	Written   bool `json:"written"` // the transaction was committed
}

// Change is one contact an import (or another bulk write) changes: Before
// is nil for a contact it creates.
type Change struct {
	Pos    string
	Before *Contact
	After  *Contact
}

// Importer is a book that takes imports. The local store implements it.
type Importer interface {
	// Import writes the rows that rows yields in one transaction, all or
	// nothing by default: any invalid row, or (with ConflictFail) any
	// conflict, writes nothing. rows calls yield with each row in file
	// order; an error from yield stops it and is to be returned. Every
	// problem is passed to report as it is found, so that a bad file's
	// whole report streams in constant memory. The error is for the
	// import as a whole (I/O, a damaged book, ctx cancelled); rows'
	// problems are in the result and the report. EUSAGE for an unknown
	// policy.
	Import(ctx context.Context, opts ImportOptions, rows func(yield func(*ImportRow) error) error, report func(Problem)) (*ImportResult, error)
}
