package format

import (
	"bytes"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
)

// This file serves the CardDAV sync: one card's text in, one card's text
// out, through the same mapping as import and export (the reader and the
// writer of this package), and the rewrite of a card that a server holds,
// which changes only the properties a contact is made of.

// ReadCard reads the text of one vCard, as a CardDAV server holds it, into
// a record with the import's mapping. The record's Pos is pos. A card that
// cannot be read is a *RowError naming pos.
func ReadCard(text []byte, pos string) (*Record, error) {
	r, err := newVCardReader(bytes.NewReader(text))
	if err != nil {
		return nil, &RowError{Pos: pos, Message: err.Error()}
	}
	rec, err := r.Read()
	switch e := err.(type) {
	case nil:
	case *RowError:
		e.Pos = pos
		return nil, e
	case *FileError:
		return nil, &RowError{Pos: pos, Message: e.Msg}
	default:
		if err == io.EOF {
			return nil, &RowError{Pos: pos, Message: "no vCard found (no BEGIN:VCARD line)"}
		}
		return nil, &RowError{Pos: pos, Message: err.Error()}
	}
	rec.Pos = pos
	return rec, nil
}

// CardText writes c as one card with the export's mapping: vCard 4.0, or
// 3.0 when version is "3.0".
func CardText(c *contacts.Contact, version string) ([]byte, error) {
	var buf bytes.Buffer
	w, err := newVCardWriter(&buf, version)
	if err != nil {
		return nil, err
	}
	if err := w.Write(c); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cardProp is one property of a card's text: its physical lines as the
// text has them (without line ends), and its logical line (unfolded).
type cardProp struct {
	lines   []string
	logical string
	name    string // upper case, without group
	group   string // "item1." or ""
	// replaced, when not nil, is the new logical line; removed drops it.
	replaced *string
	removed  bool
}

// splitCard splits a card's text into properties. Lines end in CRLF or LF;
// a line that starts with a space or a tab continues the one before.
func splitCard(text []byte) []*cardProp {
	s := strings.ReplaceAll(string(text), "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	var props []*cardProp
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && len(props) > 0 {
			p := props[len(props)-1]
			p.lines = append(p.lines, line)
			p.logical += line[1:]
			continue
		}
		p := &cardProp{lines: []string{line}, logical: line, name: propertyName([]byte(line))}
		if end := strings.IndexAny(line, ";:"); end > 0 {
			if dot := strings.LastIndexByte(line[:end], '.'); dot >= 0 {
				p.group = line[:dot+1]
			}
		}
		props = append(props, p)
	}
	return props
}

// value returns a property's value as text: unescaped, a tel: URI's number.
func (p *cardProp) value() string {
	i := valueStart([]byte(p.logical))
	if i < 0 {
		return ""
	}
	v := unescape(p.logical[i+1:])
	if p.name == "TEL" {
		v = trimTelURI(v)
	}
	return strings.TrimSpace(v)
}

// head returns a property's group, name and parameters.
func (p *cardProp) head() string {
	if i := valueStart([]byte(p.logical)); i >= 0 {
		return p.logical[:i]
	}
	return p.logical
}

// PatchCard rewrites a card's text for the contact c: FN and N, the TEL the
// card's number came from, the preferred EMAIL, ORG's organization name and
// NOTE are changed where c's value differs from the card's, and REV is set
// when anything changed. Every other property, and every property of those
// whose value did not change, keeps its lines byte for byte (line ends
// become CRLF). It reports whether anything changed. region reads the
// card's national numbers, as the import does.
func PatchCard(text []byte, c *contacts.Contact, region string) ([]byte, bool, error) {
	rec, err := ReadCard(text, "card")
	if err != nil {
		return nil, false, err
	}
	props := splitCard(text)
	version := "3.0"
	for _, p := range props {
		if p.name == "VERSION" && strings.HasPrefix(p.value(), "4") {
			version = "4.0"
		}
	}
	rendered, err := CardText(c, version)
	if err != nil {
		return nil, false, err
	}
	mine := map[string]*cardProp{}
	for _, p := range splitCard(rendered) {
		if mine[p.name] == nil {
			mine[p.name] = p
		}
	}
	var inserts []string
	changed := false

	// find returns the property named name whose value is want (the one
	// the reader took), else the first of that name.
	find := func(name, want string, value func(*cardProp) string) *cardProp {
		var first *cardProp
		for _, p := range props {
			if p.name != name || p.removed {
				continue
			}
			if first == nil {
				first = p
			}
			if value(p) == strings.TrimSpace(want) {
				return p
			}
		}
		return first
	}
	plain := func(p *cardProp) string { return p.value() }
	// set gives p the value of the rendered property name, keeping p's
	// group and parameters when keepHead; inserts the rendered line when p
	// is nil; removes p when the contact has no value.
	set := func(p *cardProp, name string, has bool, keepHead bool) {
		changed = true
		r := mine[name]
		switch {
		case !has && p != nil:
			p.removed = true
		case !has:
		case p == nil:
			inserts = append(inserts, r.logical)
		case keepHead:
			line := p.head() + r.logical[valueStart([]byte(r.logical)):]
			p.replaced = &line
		default:
			line := p.group + r.logical
			p.replaced = &line
		}
	}

	oldName, oldEmail := trimmed(rec.Name), trimmed(rec.Email)
	oldCompany, oldNote := trimmed(rec.CompanyName), noteText(rec.Note)
	fn := find("FN", rec.Name, plain)
	if deref(c.Name) != oldName || fn == nil || c.Name == nil && fn.value() != mine["FN"].value() {
		set(fn, "FN", true, false)
		set(find("N", "", func(*cardProp) string { return "" }), "N", true, false)
	}
	if p, err := contacts.NormalizePhone(rec.Phone, region); err != nil || p.E164 != c.Phone {
		tel := find("TEL", rec.Phone, plain)
		changed = true
		if tel == nil {
			inserts = append(inserts, mine["TEL"].logical)
		} else {
			i := valueStart([]byte(tel.logical))
			v := strings.TrimSpace(tel.logical[i+1:])
			nv := c.Phone
			if len(v) >= 4 && strings.EqualFold(v[:4], "tel:") {
				nv = "tel:" + c.Phone
			}
			line := tel.logical[:i+1] + nv
			tel.replaced = &line
		}
	}
	if deref(c.Email) != oldEmail {
		set(find("EMAIL", rec.Email, plain), "EMAIL", c.Email != nil, true)
	}
	if deref(c.CompanyName) != oldCompany {
		org := find("ORG", rec.CompanyName, func(p *cardProp) string {
			i := valueStart([]byte(p.logical))
			if i < 0 {
				return ""
			}
			return strings.TrimSpace(unescape(firstComponent(p.logical[i+1:])))
		})
		if org != nil && c.CompanyName != nil {
			// Keep the organization's units (ORG:Acme;Sales): only the
			// name is the contact's.
			changed = true
			i := valueStart([]byte(org.logical))
			rest := splitEscaped(org.logical[i+1:], ';')[1:]
			r := mine["ORG"].logical
			line := org.head() + r[valueStart([]byte(r)):]
			for _, unit := range rest {
				line += ";" + unit
			}
			org.replaced = &line
		} else {
			set(org, "ORG", c.CompanyName != nil, true)
		}
	}
	if deref(c.Note) != oldNote {
		set(find("NOTE", rec.Note, plain), "NOTE", c.Note != nil, true)
	}
	if !changed {
		return text, false, nil
	}
	if rev := find("REV", "", plain); rev != nil {
		line := rev.group + mine["REV"].logical
		rev.replaced = &line
	} else {
		inserts = append(inserts, mine["REV"].logical)
	}

	var out bytes.Buffer
	inserted := false
	for _, p := range props {
		if p.name == "END" && !inserted {
			for _, line := range inserts {
				writeFolded(&out, []byte(line))
			}
			inserted = true
		}
		switch {
		case p.removed:
		case p.replaced != nil:
			writeFolded(&out, []byte(*p.replaced))
		default:
			for _, line := range p.lines {
				out.WriteString(line)
				out.WriteString("\r\n")
			}
		}
	}
	return out.Bytes(), true, nil
}

// trimmed is a name-like field as the domain stores it.
func trimmed(s string) string { return strings.TrimSpace(s) }

// noteText is a note as the domain stores it: "" when only white space,
// CRLF as LF.
func noteText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}
