package output

import (
	"bufio"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
)

// ListColumns are the columns of a contact listing.
// On a narrow terminal the note and the email go first, then the company
// and the name shrink; the id and the phone are never cut (an id is what
// show, edit and rm take).
var ListColumns = []Column{
	{Header: "ID", Max: 26, Min: 26, Priority: 6},
	{Header: "NAME", Max: 30, Min: 14, Priority: 4},
	{Header: "PHONE", Max: 22, Min: 22, Priority: 5},
	{Header: "COMPANY", Max: 26, Min: 12, Priority: 3},
	{Header: "EMAIL", Max: 30, Min: 20, Priority: 2},
	{Header: "NOTE", Max: 40, Min: 20, Priority: 1},
}

// ListRow is a contact as a row of ListColumns.
func ListRow(c *contacts.Contact) []string {
	return []string{c.ID, str(c.Name), c.PhoneFormatted, str(c.CompanyName), str(c.Email), str(c.Note)}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A Field is a labelled line of the detail view.
type Field int

// The fields of the detail view.
const (
	FieldID Field = iota
	FieldName
	FieldEmail
	FieldPhone
	FieldCompany
	FieldNote
	FieldCreated
	FieldUpdated
)

// DetailOrder is the order of show, add and edit: the API's.
var DetailOrder = []Field{FieldID, FieldName, FieldEmail, FieldPhone, FieldCompany, FieldNote, FieldCreated, FieldUpdated}

// CallerOrder is the order of lookup: who is calling comes first.
var CallerOrder = []Field{FieldName, FieldCompany, FieldPhone, FieldNote, FieldEmail, FieldID}

var labels = map[Field]string{
	FieldID: "ID", FieldName: "Name", FieldEmail: "Email", FieldPhone: "Phone", FieldCompany: "Company",
	FieldNote: "Note", FieldCreated: "Created", FieldUpdated: "Updated",
}

func value(c *contacts.Contact, f Field) string {
	switch f {
	case FieldID:
		return c.ID
	case FieldName:
		return str(c.Name)
	case FieldEmail:
		return str(c.Email)
	case FieldPhone:
		return c.PhoneFormatted
	case FieldCompany:
		return str(c.CompanyName)
	case FieldNote:
		return str(c.Note)
	case FieldCreated:
		return c.CreatedAt.UTC().Format(contacts.TimeFormat)
	case FieldUpdated:
		return c.UpdatedAt.UTC().Format(contacts.TimeFormat)
	}
	return ""
}

// WriteDetail writes one contact as labelled lines in the given order. A
// multi-line note continues under its first line.
func WriteDetail(w io.Writer, c *contacts.Contact, order []Field) error {
	bw := bufio.NewWriter(w)
	const pad = 9 // "Company: "
	for _, f := range order {
		label := labels[f] + ":"
		bw.WriteString(label)
		v := Safe(value(c, f), f == FieldNote)
		if v == "" {
			bw.WriteByte('\n')
			continue
		}
		bw.WriteString(strings.Repeat(" ", pad-len(label)))
		bw.WriteString(strings.ReplaceAll(v, "\n", "\n"+strings.Repeat(" ", pad)))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// JSONIndent is the indentation of JSON output, as in the API's examples.
const JSONIndent = "  "

// WriteJSON writes one contact as an indented JSON document.
func WriteJSON(w io.Writer, c *contacts.Contact) error {
	b := c.AppendJSONIndent(make([]byte, 0, 512), "", JSONIndent)
	_, err := w.Write(append(b, '\n'))
	return err
}
