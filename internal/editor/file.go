// Package editor edits a contact in the user's text editor, kubectl-style:
// the contact is written to a temporary file as YAML, with its read-only
// fields as comments, the editor runs, and the saved file is read back,
// compared with the contact and turned into a contacts.ContactUpdate of the
// fields that changed. An update that is not valid reopens the editor with
// the error at the top of the user's own text, so nothing typed is lost.
//
// file.go is the file format (Render, Parse, Diff, Annotate); editor.go
// runs the editor and the edit loop (Editor.Edit).
package editor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/phoneinc/contacts"
	"go.yaml.in/yaml/v3"
)

// Keys are the editable keys, in the order the file lists them.
var Keys = []string{"name", "email", "phone", "company_name", "note"}

// ReadOnlyKeys are the keys the file shows as comments only.
var ReadOnlyKeys = []string{"id", "phone_formatted", "created_at", "updated_at"}

// Header is the comment block at the top of every file to edit.
const Header = `# Edit the contact below, then save the file and quit the editor to apply it.
# Lines starting with '#' are ignored, and an empty file cancels the edit.
# An empty (or null) value means not set; the phone is required.
# If the changes are not valid, this file reopens with the error at the top:
# fix it, or save the file unchanged (or empty it) to give up.
#
# Read-only:
`

// errorPrefix starts the comment lines that Annotate adds, and that the
// next round strips again.
const errorPrefix = "# error: "

// Fields are the editable fields as a saved file gives them. A nil field
// is not set: its key is missing, empty or null.
type Fields struct {
	Name, Email, Phone, CompanyName, Note *string
}

// ptr returns the field of f named key.
func (f *Fields) ptr(key string) **string {
	switch key {
	case "name":
		return &f.Name
	case "email":
		return &f.Email
	case "phone":
		return &f.Phone
	case "company_name":
		return &f.CompanyName
	case "note":
		return &f.Note
	}
	return nil
}

// Render writes c as the file to edit: the header, the read-only fields as
// comments, then one line per editable key in a fixed order (a note of
// several lines as a literal block scalar). Values are quoted as YAML
// needs, so Parse reads back exactly the stored text.
func Render(c *contacts.Contact) []byte {
	var b bytes.Buffer
	b.WriteString(Header)
	for _, k := range ReadOnlyKeys {
		fmt.Fprintf(&b, "# %s: %s\n", k, readOnlyValue(c, k))
	}
	b.WriteString("\n")
	b.Write(renderFields(c))
	return b.Bytes()
}

// renderFields writes c's editable fields, as Render does.
func renderFields(c *contacts.Contact) []byte {
	var b bytes.Buffer
	f := Fields{Name: c.Name, Email: c.Email, Phone: &c.Phone, CompanyName: c.CompanyName, Note: c.Note}
	for _, k := range Keys {
		writeKey(&b, k, *f.ptr(k))
	}
	return b.Bytes()
}

// readOnlyValue is the text of a read-only field of c, as Render shows it.
func readOnlyValue(c *contacts.Contact, key string) string {
	switch key {
	case "id":
		return c.ID
	case "phone_formatted":
		return c.PhoneFormatted
	case "created_at":
		return c.CreatedAt.UTC().Format(contacts.TimeFormat)
	case "updated_at":
		return c.UpdatedAt.UTC().Format(contacts.TimeFormat)
	}
	return ""
}

// writeKey writes "key: value" with yaml.v3's quoting: plain when that
// reads back as the same string, quoted when not, and a literal block
// ("|-", "|", "|+") for text of several lines where YAML allows one.
// A value that is not set is "key:" with nothing after it.
func writeKey(b *bytes.Buffer, key string, v *string) {
	if v == nil || *v == "" {
		b.WriteString(key + ":\n")
		return
	}
	if strings.IndexFunc(*v, func(r rune) bool { return r != '\n' && r != '\t' && contacts.Invisible(r) }) >= 0 {
		// YAML would write these characters raw, where the editor shows
		// them as nothing (or acts on them): write the value double-quoted
		// with each one as a visible escape, which YAML reads back as the
		// same character.
		b.WriteString(key + ": " + yamlQuote(*v) + "\n")
		return
	}
	val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: *v}
	if strings.Contains(*v, "\n") {
		val.Style = yaml.LiteralStyle
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val,
	}}
	enc := yaml.NewEncoder(b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		// A string always encodes; keep the file usable if it does not.
		b.WriteString(key + ": " + strconv.Quote(*v) + "\n")
	}
	enc.Close()
}

// yamlQuote writes s as a YAML double-quoted scalar in which every
// invisible character is an escape (\u200b, \U000e0041, \x1b).
func yamlQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
	s = contacts.EscapeInvisible(s, "")
	return `"` + s + `"`
}

// ParseError is a mistake in a saved file. It unwraps to an EINVALID
// contacts.Error, so it exits 4 like any invalid input.
type ParseError struct {
	Line  int    // 1-based line of the file as parsed; 0 when none
	Field string // the key at fault, "" when none
	Msg   string
}

func (e *ParseError) Error() string { return e.at(0) }

// at formats the error with its line moved down by shift lines.
func (e *ParseError) at(shift int) string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line+shift, e.Msg)
	}
	return e.Msg
}

func (e *ParseError) Unwrap() error {
	return &contacts.Error{Code: contacts.EINVALID, Field: e.Field, Message: e.Error()}
}

// yamlLineErr matches yaml.v3's syntax errors, "yaml: line 3: …".
var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads a saved file. It checks the shape only (a mapping of known
// keys to text, each key once, read-only keys unchanged); the values are
// validated by the domain when the update is applied. c is the contact
// being edited: a read-only key may be uncommented, but not changed.
// A key that is missing, empty or null is not set (Fields' nil).
func Parse(text []byte, c *contacts.Contact) (Fields, error) {
	var f Fields
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return f, nil
	} else if err != nil {
		return f, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return f, &ParseError{Line: extra.Line, Msg: "the file holds more than one YAML document (a second one starts with ---): keep only the contact"}
	} else if !errors.Is(err, io.EOF) {
		return f, yamlError(err)
	}
	if len(doc.Content) == 0 {
		return f, nil
	}
	m := doc.Content[0]
	if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
		return f, nil
	}
	if m.Kind != yaml.MappingNode {
		return f, &ParseError{Line: m.Line, Msg: "the file must hold the contact as `key: value` lines (" + strings.Join(Keys, ", ") + ")"}
	}
	seen := map[string]int{}
	var unknown []string
	unknownLine := 0
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return f, &ParseError{Line: k.Line, Msg: "a key must be one of " + strings.Join(Keys, ", ")}
		}
		key := k.Value
		if line, dup := seen[key]; dup {
			return f, &ParseError{Line: k.Line, Field: key, Msg: fmt.Sprintf("%s is given twice (lines %d and %d)", key, line, k.Line)}
		}
		seen[key] = k.Line
		if p := f.ptr(key); p != nil {
			s, err := scalar(key, v)
			if err != nil {
				return f, err
			}
			*p = s
			continue
		}
		if isReadOnly(key) {
			if s, err := scalar(key, v); err != nil || s == nil || c == nil || strings.TrimSpace(*s) != readOnlyValue(c, key) {
				return f, &ParseError{Line: k.Line, Field: key, Msg: key + " is read-only: leave it as a comment"}
			}
			continue
		}
		if unknown == nil {
			unknownLine = k.Line
		}
		unknown = append(unknown, strconv.Quote(key))
	}
	if len(unknown) > 0 {
		what := "unknown key " + unknown[0]
		if len(unknown) > 1 {
			what = "unknown keys " + strings.Join(unknown, ", ")
		}
		return f, &ParseError{Line: unknownLine, Msg: what + " (the keys are " + strings.Join(Keys, ", ") + ")"}
	}
	return f, nil
}

// scalar returns the text of a value node: its source text for any scalar
// (so that `phone: +4520123456` or `name: yes` are the text typed, not a
// number or a boolean), nil for null.
func scalar(key string, v *yaml.Node) (*string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, nil
		}
		s := v.Value
		return &s, nil
	case yaml.SequenceNode:
		return nil, &ParseError{Line: v.Line, Field: key, Msg: key + ": must be text, not a list"}
	case yaml.MappingNode:
		return nil, &ParseError{Line: v.Line, Field: key, Msg: key + ": must be text, not a mapping (quote a value that holds \": \")"}
	}
	return nil, &ParseError{Line: v.Line, Field: key, Msg: key + ": must be text"}
}

func isReadOnly(key string) bool {
	for _, k := range ReadOnlyKeys {
		if k == key {
			return true
		}
	}
	return false
}

// yamlError turns a yaml.v3 syntax error into a ParseError with its line.
func yamlError(err error) *ParseError {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ParseError{Line: line, Msg: "not valid YAML: " + m[2]}
	}
	return &ParseError{Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// Diff returns the update that turns c into f: only the fields whose value
// changed, compared as the domain would store them (trimmed; a note's CRLF
// as LF and its trailing newlines dropped, as --note-file drops them; a
// phone number in any form of the same number, read in region). A field
// cleared is a pointer to "". Values are passed on as typed, for the
// domain to validate and normalize.
func Diff(c *contacts.Contact, f Fields, region string) contacts.ContactUpdate {
	var u contacts.ContactUpdate
	text := func(old, new *string) *string {
		if str(old) == strings.TrimSpace(str(new)) {
			return nil
		}
		s := str(new)
		return &s
	}
	u.Name = text(c.Name, f.Name)
	u.Email = text(c.Email, f.Email)
	u.CompanyName = text(c.CompanyName, f.CompanyName)
	if n := note(str(f.Note)); n != note(str(c.Note)) {
		u.Note = &n
	}
	if p := str(f.Phone); p != c.Phone {
		if n, err := contacts.NormalizePhone(p, region); err != nil || n.E164 != c.Phone {
			u.Phone = &p
		}
	}
	return u
}

// note is a note as the editor path stores it: CRLF as LF, trailing
// newlines dropped, blank as "".
func note(s string) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\r\n")
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return s
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// StripErrors removes the error lines that Annotate added (every line that
// starts with "# error: "). They are comments at the start of a line, so
// removing them never changes what the file says.
func StripErrors(text []byte) []byte {
	if !bytes.Contains(text, []byte(errorPrefix)) {
		return text
	}
	var out []byte
	for _, line := range bytes.SplitAfter(text, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(errorPrefix)) && !bytes.Equal(bytes.TrimRight(line, "\r\n"), []byte(strings.TrimSpace(errorPrefix))) {
			out = append(out, line...)
		}
	}
	return out
}

// Annotate returns text (without error lines, as StripErrors leaves it)
// with err at the top as "# error: …" comment lines. A ParseError's line
// number is moved down by the lines added, so it names the line the user
// sees.
func Annotate(text []byte, err error) []byte {
	msg := err.Error()
	var pe *ParseError
	isParse := errors.As(err, &pe)
	if isParse {
		msg = pe.at(0)
	}
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	if isParse {
		lines = strings.Split(strings.TrimRight(pe.at(len(lines)), "\n"), "\n")
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(strings.TrimRight(errorPrefix+l, " ") + "\n")
	}
	b.Write(text)
	return b.Bytes()
}

// Blank reports whether text holds nothing but blank lines and comments:
// the user emptied the file to cancel the edit.
func Blank(text []byte) bool {
	for _, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}
