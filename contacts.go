// Package contacts is the domain of the contacts address book: the Contact
// model of the Phone.inc Contacts API, the validation and normalization that
// every way in (the CLI, the importer, the HTTP server) goes through, the one
// error model, and the Service that the store and the HTTP client implement.
package contacts

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on stored text, in Unicode characters. The Phone.inc Contacts API fixes the note's;
// the others are generous bounds of our own, documented in the README.
const (
	MaxNameLen        = 1000
	MaxEmailLen       = 254
	MaxCompanyNameLen = 1000
	MaxNoteLen        = 10000
)

// TimeFormat is how timestamps are written: RFC 3339 in UTC, whole seconds,
// as the Phone.inc Contacts API shows them ("2026-06-10T10:00:00Z"). It is fixed-width, so the
// text sorts in time order.
const TimeFormat = "2006-01-02T15:04:05Z"

// Contact is a person or business you talk to, exactly the Phone.inc Contacts API's model.
// Optional fields that are not set are nil and encode as JSON null.
type Contact struct {
	ID             string    `json:"id"`
	Name           *string   `json:"name"`
	Email          *string   `json:"email"`
	Phone          string    `json:"phone"`           // E.164, unique within the company
	PhoneFormatted string    `json:"phone_formatted"` // read-only
	CompanyName    *string   `json:"company_name"`
	Note           *string   `json:"note"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Fields lists the JSON keys of a Contact, in their output order.
var Fields = []string{"id", "name", "email", "phone", "phone_formatted", "company_name", "note", "created_at", "updated_at"}

// DisplayName is what a caller-ID display shows: the name, else the company
// name, else "".
func (c *Contact) DisplayName() string {
	if c.Name != nil {
		return *c.Name
	}
	if c.CompanyName != nil {
		return *c.CompanyName
	}
	return ""
}

// NewContact is the input to create a contact. An empty optional field means
// not set. Phone is required and may be in any accepted written form.
type NewContact struct {
	Name        string
	Email       string
	Phone       string
	CompanyName string
	Note        string
}

// ContactUpdate is a partial update: a nil field is left as it is, a
// pointer to "" clears an optional field. The phone cannot be cleared.
type ContactUpdate struct {
	Name        *string
	Email       *string
	Phone       *string
	CompanyName *string
	Note        *string
}

// Empty reports whether the update changes no field.
func (u ContactUpdate) Empty() bool {
	return u.Name == nil && u.Email == nil && u.Phone == nil && u.CompanyName == nil && u.Note == nil
}

// ContactFilter selects contacts for a listing.
type ContactFilter struct {
	// Phone, when not "", keeps only the contact with this number, in any
	// accepted written form. A value that is not a phone number matches
	// nothing, as the API's ?phone= does.
	Phone string
	// IDPrefix, when not "", keeps the contacts whose id starts with it, in
	// any case (see IDPrefix); a value no id starts with matches nothing.
	IDPrefix string
	// PhonePrefix, when not "", keeps the contacts whose E.164 number
	// starts with it ("+4520"); a value that is not "+" and digits matches
	// nothing.
	//
	// A listing by a prefix is for completion, and is not newest first:
	// the store walks its index of ids (the greatest first) or of numbers,
	// and stops at the limit, rather than sort a short prefix's matches
	// (nearly the whole book for "01J").
	PhonePrefix string
	// Limit, when positive, caps the number of contacts.
	Limit int
}

// Prefixed reports whether c passes f's IDPrefix and PhonePrefix, for a
// listing that filters as it reads (a client of a server that cannot).
func (f ContactFilter) Prefixed(c *Contact) bool {
	if f.IDPrefix != "" {
		p, ok := IDPrefix(f.IDPrefix)
		if !ok || !strings.HasPrefix(c.ID, p) {
			return false
		}
	}
	if f.PhonePrefix != "" && (!IsPhonePrefix(f.PhonePrefix) || !strings.HasPrefix(c.Phone, f.PhonePrefix)) {
		return false
	}
	return true
}

// IsPhonePrefix reports whether s can start an E.164 number: "+" and at
// most 15 digits.
func IsPhonePrefix(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) > 15 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Service is an address book of one company. The SQLite store and the HTTP
// client implement it, so commands do not know which one they talk to.
type Service interface {
	// FindContactByID returns the contact with id (any case).
	// ENOTFOUND when there is none, or id is not an id.
	FindContactByID(ctx context.Context, id string) (*Contact, error)

	// FindContactByPhone returns the contact whose number is phone, in any
	// accepted form. ENOTFOUND when there is none; EINVALID when phone is
	// not a valid number.
	FindContactByPhone(ctx context.Context, phone string) (*Contact, error)

	// ListContacts calls fn with each contact that f selects, newest first
	// (ties by id, descending; by a prefix, see ContactFilter), streaming.
	// An error from fn stops the listing and is returned.
	ListContacts(ctx context.Context, f ContactFilter, fn func(*Contact) error) error

	// CreateContact validates and stores a new contact.
	// EINVALID for bad input; ECONFLICT when the phone number is taken.
	CreateContact(ctx context.Context, in NewContact) (*Contact, error)

	// UpdateContact changes the given fields of the contact with id.
	// ENOTFOUND, EINVALID, ECONFLICT.
	UpdateContact(ctx context.Context, id string, upd ContactUpdate) (*Contact, error)

	// DeleteContacts deletes the contacts with ids, all or none.
	// ENOTFOUND names the first id that is not there, and nothing is deleted.
	DeleteContacts(ctx context.Context, ids []string) error

	// Close releases the book.
	Close() error
}

// Update returns the input as the update that gives every field: a create
// is this update applied to no contact.
func (in NewContact) Update() ContactUpdate {
	return ContactUpdate{Name: &in.Name, Email: &in.Email, Phone: &in.Phone, CompanyName: &in.CompanyName, Note: &in.Note}
}

// Prepare is the one gate of every write to a contact, whatever its way in
// (add, edit and the editor, a POST or PATCH, an import's row, a sync, an
// undo): it applies upd to old (nil for a new contact), trimming,
// validating and normalizing each field given, national numbers read in
// region, and returns the contact as it is to be stored. It does not touch
// id and timestamps, which the store sets. A new contact needs a phone.
// Errors are EINVALID, naming the field.
func Prepare(old *Contact, upd ContactUpdate, region string) (*Contact, error) {
	var out Contact
	if old != nil {
		out = *old
	} else if upd.Phone == nil {
		return nil, FieldErrorf("phone", "required")
	}
	var err error
	if upd.Name != nil {
		if out.Name, err = optionalText("name", *upd.Name, MaxNameLen); err != nil {
			return nil, err
		}
	}
	if upd.Email != nil {
		if out.Email, err = optionalEmail(*upd.Email); err != nil {
			return nil, err
		}
	}
	if upd.Phone != nil {
		p, err := NormalizePhone(*upd.Phone, region)
		if err != nil {
			return nil, err
		}
		out.Phone, out.PhoneFormatted = p.E164, p.Formatted
	}
	if upd.CompanyName != nil {
		if out.CompanyName, err = optionalText("company_name", *upd.CompanyName, MaxCompanyNameLen); err != nil {
			return nil, err
		}
	}
	if upd.Note != nil {
		if out.Note, err = optionalText("note", *upd.Note, MaxNoteLen); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// Validate checks a whole contact as it is about to be stored, whatever
// path it came by (an import of our own export keeps ids and timestamps).
func (c *Contact) Validate() error {
	if _, ok := ParseID(c.ID); !ok {
		return FieldErrorf("id", "%s is not a contact id (a 26-character ULID)", quote(c.ID))
	}
	p, err := NormalizePhone(c.Phone, "")
	if err != nil {
		return err
	}
	if p.E164 != c.Phone {
		return FieldErrorf("phone", "%s is not in E.164 form", quote(c.Phone))
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"name", c.Name, MaxNameLen}, {"company_name", c.CompanyName, MaxCompanyNameLen}, {"note", c.Note, MaxNoteLen}} {
		if f.v == nil {
			continue
		}
		if got, err := optionalText(f.name, *f.v, f.max); err != nil {
			return err
		} else if got == nil || *got != *f.v {
			return FieldErrorf(f.name, "not in stored form (untrimmed or empty)")
		}
	}
	if c.Email != nil {
		if got, err := optionalEmail(*c.Email); err != nil {
			return err
		} else if got == nil || *got != *c.Email {
			return FieldErrorf("email", "not in stored form (untrimmed or empty)")
		}
	}
	if c.CreatedAt.IsZero() || c.UpdatedAt.IsZero() {
		return FieldErrorf("created_at", "timestamps are required")
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		return FieldErrorf("updated_at", "is before created_at")
	}
	return nil
}

// optionalText checks a stored text field: valid UTF-8, no control
// characters but newline and tab, CRLF stored as LF, at most max
// characters. Name-like fields are trimmed; "" (after trimming) is nil.
func optionalText(field, s string, max int) (*string, error) {
	if !utf8.ValidString(s) {
		return nil, FieldErrorf(field, "not valid UTF-8 text")
	}
	if field != "note" {
		s = strings.TrimSpace(s)
	} else if strings.TrimSpace(s) == "" {
		s = ""
	}
	if s == "" {
		return nil, nil
	}
	if strings.Contains(s, "\r\n") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	n := 0
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return nil, FieldErrorf(field, "contains the control character %U, which is not allowed", r)
		}
		n++
	}
	if n > max {
		return nil, FieldErrorf(field, "too long: %d characters, at most %d", n, max)
	}
	return &s, nil
}

func optionalEmail(s string) (*string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if err := ValidateEmail(s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ParseTime reads a timestamp in TimeFormat, or any RFC 3339 time, in UTC
// and truncated to the second.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Second), nil
}

func quote(s string) string { return Excerpt(s) }

func itoa(n int) string { return strconv.Itoa(n) }
