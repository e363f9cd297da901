package importer

import (
	"errors"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
)

// preparedRow is a row through the gate, and the numbers of the record it
// did not use (a vCard with several TELs), for the report.
type preparedRow struct {
	contacts.ImportRow
	unused []string
}

// rowMaker puts records through the domain's one gate.
type rowMaker struct {
	region string
	vcard  bool      // a phone's vCard UID is some other id: ignored
	now    time.Time // the import's time, for rows without their own
}

// make validates one record as add does (contacts.Prepare) and returns it
// as a row. A field the record leaves empty is not given: an import's
// update keeps the stored value of such a field.
func (m *rowMaker) make(r record) *preparedRow {
	if r.err != nil {
		var re *format.RowError
		errors.As(r.err, &re)
		msg := re.Message
		if re.Field != "" {
			msg = re.Field + ": " + msg
		}
		return &preparedRow{ImportRow: contacts.ImportRow{Pos: re.Pos, Err: &contacts.Error{Code: contacts.EINVALID, Field: re.Field, Message: msg}}}
	}
	rec := r.rec
	row := &preparedRow{ImportRow: contacts.ImportRow{Pos: rec.Pos}, unused: rec.Unused}
	in := contacts.NewContact{Name: rec.Name, Email: rec.Email, Phone: rec.Phone, CompanyName: rec.CompanyName, Note: rec.Note}
	c, err := contacts.Prepare(nil, in.Update(), m.region)
	if err != nil {
		row.Err, row.unused = err, nil
		return row
	}
	row.Given = contacts.FieldPhone
	for _, f := range []struct {
		v   string
		set contacts.FieldSet
	}{{rec.Name, contacts.FieldName}, {rec.Email, contacts.FieldEmail}, {rec.CompanyName, contacts.FieldCompanyName}, {rec.Note, contacts.FieldNote}} {
		if strings.TrimSpace(f.v) != "" {
			row.Given |= f.set
		}
	}
	if rec.ID != "" {
		if id, ok := contacts.ParseID(rec.ID); ok {
			c.ID, row.OwnID = id, true
		} else if !m.vcard {
			row.Err, row.unused = contacts.FieldErrorf("id", "%q is not a contact id (a 26-character ULID)", rec.ID), nil
			return row
		}
	}
	c.CreatedAt, c.UpdatedAt = m.now, m.now
	if rec.CreatedAt != "" {
		if c.CreatedAt, err = contacts.ParseTime(rec.CreatedAt); err != nil {
			row.Err, row.unused = contacts.FieldErrorf("created_at", "%q is not an RFC 3339 time", rec.CreatedAt), nil
			return row
		}
		c.UpdatedAt = c.CreatedAt
	}
	if rec.UpdatedAt != "" {
		if c.UpdatedAt, err = contacts.ParseTime(rec.UpdatedAt); err != nil {
			row.Err, row.unused = contacts.FieldErrorf("updated_at", "%q is not an RFC 3339 time", rec.UpdatedAt), nil
			return row
		}
		if rec.CreatedAt == "" && c.UpdatedAt.Before(m.now) {
			c.CreatedAt = c.UpdatedAt
		}
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		row.Err, row.unused = contacts.FieldErrorf("updated_at", "%s is before created_at %s",
			c.UpdatedAt.Format(contacts.TimeFormat), c.CreatedAt.Format(contacts.TimeFormat)), nil
		return row
	}
	row.Contact = c
	return row
}
