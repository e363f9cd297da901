package format

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

// vcardWriter writes vCard 4.0 (RFC 6350) or 3.0 (RFC 2426).
//
// It writes the properties itself rather than through go-vcard's Encoder,
// which neither folds lines nor escapes ';' in text: each line is built in
// a scratch buffer, escaped, and folded at 75 octets, so that a million
// cards stream without a map per card. The output reads back through this
// package's reader and through go-vcard (the tests check both).
//
// A card, 4.0:
//
//	BEGIN:VCARD
//	VERSION:4.0
//	UID;VALUE=text:01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK
//	FN:Ann Jensen
//	N:Jensen;Ann;;;
//	TEL;VALUE=uri;TYPE=voice:tel:+4520123456
//	EMAIL:ann@example.com
//	ORG:Acme A/S
//	NOTE:Met at the fair\, stand 14.\nPrefers a call.
//	REV:20260610T100000Z
//	X-CONTACTS-CREATED:2026-06-10T10:00:00Z
//	END:VCARD
//
// 3.0 differs in a plain TEL:+4520123456, EMAIL;TYPE=INTERNET, a plain
// UID, and REV in the extended form 2026-06-10T10:00:00Z.
//
// UID carries VALUE=text in 4.0 because a ULID is not a URI, 4.0's default
// UID type. FN is required: a contact without a name gets its company, or
// failing that its number, with an empty N, which the reader takes as no
// name. N is derived from the name: the last word is the family name, the
// rest given names (a one-word name is a given name).
type vcardWriter struct {
	w    *bufio.Writer
	v3   bool
	line []byte
	err  error
}

func newVCardWriter(w io.Writer, version string) (*vcardWriter, error) {
	vw := &vcardWriter{w: bufio.NewWriterSize(w, bufSize), line: make([]byte, 0, 256)}
	switch version {
	case "", "4.0", "4":
	case "3.0", "3":
		vw.v3 = true
	default:
		return nil, contacts.Errorf(contacts.EUSAGE, "unknown vCard version %q: use 4.0 or 3.0", version)
	}
	return vw, nil
}

// Write writes one contact as one card.
func (vw *vcardWriter) Write(c *contacts.Contact) error {
	if vw.err != nil {
		return vw.err
	}
	w := vw.w
	w.WriteString("BEGIN:VCARD\r\n")
	if vw.v3 {
		w.WriteString("VERSION:3.0\r\n")
	} else {
		w.WriteString("VERSION:4.0\r\n")
	}
	if c.ID != "" {
		if vw.v3 {
			vw.text("UID", c.ID)
		} else {
			vw.text("UID;VALUE=text", c.ID)
		}
	}

	name := deref(c.Name)
	if name != "" {
		vw.text("FN", name)
		vw.name(name)
	} else {
		fn := deref(c.CompanyName)
		if fn == "" {
			// Only a number the reader will recognize as this TEL's: not
			// when formatting turned letters into digits (+1 800 FLOWERS).
			// The stored formatting, made when the number was saved:
			// formatting it again costs microseconds a contact.
			f := c.PhoneFormatted
			if f == "" {
				f = contacts.FormatPhone(c.Phone)
			}
			if isPhoneText(f) && digits(f) == digits(c.Phone) {
				fn = f
			}
		}
		vw.text("FN", fn)
		w.WriteString("N:;;;;\r\n")
	}

	if c.Phone != "" {
		switch {
		case vw.v3:
			// A plain TEL: abook keeps a number only with no TYPE (or home,
			// work, cell, fax), and khard and phones keep it too.
			vw.text("TEL", c.Phone)
		case isE164(c.Phone):
			vw.raw("TEL;VALUE=uri;TYPE=voice", "tel:"+c.Phone)
		default:
			// Not a number a tel: URI can carry as it is (never the case
			// for a stored contact): keep it as text.
			vw.text("TEL;VALUE=text;TYPE=voice", c.Phone)
		}
	}
	if c.Email != nil {
		if vw.v3 {
			vw.text("EMAIL;TYPE=INTERNET", *c.Email)
		} else {
			vw.text("EMAIL", *c.Email)
		}
	}
	if c.CompanyName != nil {
		vw.text("ORG", *c.CompanyName)
	}
	if c.Note != nil {
		vw.text("NOTE", *c.Note)
	}
	if !c.UpdatedAt.IsZero() {
		if vw.v3 {
			vw.time("REV", c.UpdatedAt, false)
		} else {
			vw.time("REV", c.UpdatedAt, true) // RFC 6350's timestamp form
		}
	}
	if !c.CreatedAt.IsZero() {
		vw.time("X-CONTACTS-CREATED", c.CreatedAt, false)
	}
	_, vw.err = w.WriteString("END:VCARD\r\n")
	return vw.err
}

// name writes N from a display name: the last word is the family name,
// the words before it the given names (a one-word name is a given name).
// It slices the name rather than splitting it, to allocate nothing.
func (vw *vcardWriter) name(name string) {
	trimmed := strings.TrimRightFunc(name, unicode.IsSpace)
	cut := strings.LastIndexFunc(trimmed, unicode.IsSpace) + 1
	family, given := trimmed[cut:], strings.TrimSpace(trimmed[:cut])
	if given == "" {
		// One word: a given name. Only spaces: keep N non-empty, so that
		// it still reads as a name.
		family, given = "", strings.TrimSpace(name)
		if given == "" {
			given = name
		}
	}
	b := append(vw.line[:0], "N:"...)
	b = appendEscaped(b, family)
	b = append(b, ';')
	b = appendEscaped(b, given)
	b = append(b, ";;;"...)
	vw.line = b
	vw.fold()
}

// text writes a property whose value is text, escaped.
func (vw *vcardWriter) text(head, value string) {
	b := append(vw.line[:0], head...)
	b = append(b, ':')
	vw.line = appendEscaped(b, value)
	vw.fold()
}

// raw writes a property whose value needs no escaping (times, tel: URIs
// of E.164 numbers).
func (vw *vcardWriter) raw(head, value string) {
	b := append(vw.line[:0], head...)
	b = append(b, ':')
	vw.line = append(b, value...)
	vw.fold()
}

// time writes a timestamp property in UTC, in RFC 3339's form (TimeFormat)
// or, basic, in ISO 8601's basic form.
func (vw *vcardWriter) time(head string, t time.Time, basic bool) {
	b := append(vw.line[:0], head...)
	b = append(b, ':')
	if basic {
		vw.line = contacts.AppendTimeBasic(b, t)
	} else {
		vw.line = contacts.AppendTime(b, t)
	}
	vw.fold()
}

// appendEscaped escapes text as RFC 6350 section 3.4 and RFC 2426 section
// 5 ask: backslash, comma, semicolon and newline. A CR (never stored: the
// domain keeps LF) is written as a newline too, as a raw CR would break
// the line.
func appendEscaped(b []byte, s string) []byte {
	start := 0 // s[start:i] is plain text not yet appended
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' && c != ',' && c != ';' && c != '\n' && c != '\r' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\\':
			b = append(b, `\\`...)
		case ',':
			b = append(b, `\,`...)
		case ';':
			b = append(b, `\;`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b = append(b, `\n`...)
		}
		start = i + 1
	}
	return append(b, s[start:]...)
}

// maxLine is the longest a vCard line may be, CRLF not counted (RFC 6350
// section 3.2, RFC 2426 section 2.6).
const maxLine = 75

// fold writes vw.line folded (see writeFolded).
func (vw *vcardWriter) fold() { writeFolded(vw.w, vw.line) }

// lineWriter is what writeFolded writes to: a bufio.Writer, a
// bytes.Buffer.
type lineWriter interface {
	Write([]byte) (int, error)
	WriteString(string) (int, error)
}

// writeFolded writes a logical line folded: lines of at most 75 octets,
// continuation lines starting with one space, never splitting a UTF-8
// sequence, each ended by CRLF.
func writeFolded(w lineWriter, b []byte) {
	limit := maxLine
	for len(b) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		w.Write(b[:cut])
		w.WriteString("\r\n ")
		b = b[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	w.Write(b)
	w.WriteString("\r\n")
}

// isE164 reports whether s is a "+" and digits, which a tel: URI carries
// as it is.
func isE164(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Close flushes.
func (vw *vcardWriter) Close() error {
	if vw.err != nil {
		return vw.err
	}
	if err := vw.w.Flush(); err != nil {
		return fmt.Errorf("write vCard: %w", err)
	}
	return nil
}
