package format

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/charmap"

	"github.com/phoneinc/contacts"
)

// vcardReader reads vCard 2.1, 3.0 and 4.0 files.
//
// It frames the cards itself, then hands each card to go-vcard to parse
// its properties. Framing here rather than in go-vcard is what keeps
// reading bounded (go-vcard reads a line of any length into memory), lets
// a card without END be reported with its number, joins vCard 2.1's
// quoted-printable soft line breaks, and drops properties we do not use
// (a PHOTO can be larger than all the rest of a card) before they take
// memory.
//
// Two go-vcard behaviours are worked around on the way in:
//   - its value unescaping knows `\\`, `\n` and `\,` but not `\;` or `\N`,
//     and splitting N or ORG after it would split at escaped semicolons. So
//     each value is handed to it escaped such that it returns the raw
//     value, and this file unescapes (and splits structured values)
//     itself, by RFC 6350 section 3.4;
//   - vCard 2.1's bare parameters (TEL;CELL;PREF:...) confuse its
//     parameter parser, so they are rewritten as TYPE=CELL;TYPE=PREF.
type vcardReader struct {
	in *input

	pending     []byte // the physical line read ahead, when havePending
	havePending bool
	eof         bool

	logical   []byte // the logical line being assembled
	startLine int    // its first physical line

	card      int // cards begun
	cardLine  int
	depth     int // BEGIN:VCARD nesting (vCard 2.1's AGENT can embed a card)
	body      bytes.Buffer
	feed      bytes.Reader   // body, for dec
	dec       *vcard.Decoder // reads feed; nil after an error
	sawText   bool
	sawCard   bool
	err       error
	headerBuf []byte
}

func newVCardReader(r io.Reader) (*vcardReader, error) {
	in, err := newInput(r, false)
	if err != nil {
		return nil, err
	}
	return &vcardReader{in: in}, nil
}

// keptProperties are the properties a Record is made from; the rest are
// skipped while reading.
var keptProperties = map[string]bool{
	"BEGIN": true, "END": true, "VERSION": true, "FN": true, "N": true, "TEL": true, "EMAIL": true,
	"ORG": true, "NOTE": true, "UID": true, "REV": true, "KIND": true, "X-CONTACTS-CREATED": true,
}

// maxSkipped bounds a property that is read but not kept. It costs no
// memory, so it may be larger than MaxRecordSize (a photo), but not
// endless: a 2 GB PHOTO is a damaged file, and reading it to its end would
// take long for nothing.
const maxSkipped = 16 << 20

// propertyName returns a line's property name in upper case, without its
// group ("item1.EMAIL" is EMAIL).
func propertyName(line []byte) string {
	end := bytes.IndexAny(line, ";:")
	if end < 0 {
		end = len(line)
	}
	name := line[:end]
	if dot := bytes.LastIndexByte(name, '.'); dot >= 0 {
		name = name[dot+1:]
	}
	return strings.ToUpper(string(bytes.TrimSpace(name)))
}

// physical returns the next physical line, or the one read ahead.
func (v *vcardReader) physical() ([]byte, error) {
	if v.havePending {
		v.havePending = false
		return v.pending, nil
	}
	if v.eof {
		return nil, io.EOF
	}
	line, err := v.in.readLine()
	if err == io.EOF {
		v.eof = true
	}
	return line, err
}

// unread keeps a physical line for the next call of physical. The line
// is copied: readLine's buffer is reused.
func (v *vcardReader) unread(line []byte) {
	v.pending = append(v.pending[:0], line...)
	v.havePending = true
}

// next returns the next logical line: a physical line with its folded
// continuation lines (starting with a space or tab) and, for a
// quoted-printable value, its soft line breaks (a line ending in "=")
// joined. The continuation of a property we do not keep is read and
// dropped. Only kept lines are bounded by MaxRecordSize: a skipped PHOTO
// may be bigger, up to maxSkipped, as it costs no memory.
func (v *vcardReader) next() (line []byte, name string, err error) {
	first, err := v.physical()
	if err != nil {
		return nil, "", err
	}
	// The read-ahead is one line at most, so the line just returned is
	// the last one read.
	v.startLine = v.in.line
	v.logical = append(v.logical[:0], first...)
	name = propertyName(first)
	keep := keptProperties[name]
	qp := containsFold(headOf(first), "QUOTED-PRINTABLE")
	// A soft line break is a physical line ending in "=": track the last
	// line read, as a skipped property's lines are not in v.logical.
	soft := qp && bytes.HasSuffix(first, []byte("="))
	skipped := len(first)
	for {
		line, err := v.physical()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, "", err
		}
		switch {
		case soft && !isEnd(line):
			if keep {
				v.logical = append(v.logical[:len(v.logical)-1], line...)
			}
		case len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			if keep {
				v.logical = append(v.logical, line[1:]...)
			}
		default:
			v.unread(line)
			return v.logical, name, nil
		}
		soft = qp && bytes.HasSuffix(line, []byte("="))
		if len(v.logical) > MaxRecordSize {
			return nil, "", v.in.fatal(fmt.Sprintf("line %d", v.startLine), errLimit)
		}
		if !keep {
			if skipped += len(line); skipped > maxSkipped {
				return nil, "", &FileError{Pos: fmt.Sprintf("line %d", v.startLine), Kind: ErrTooLong,
					Msg: fmt.Sprintf("a %s property longer than %d MiB", name, maxSkipped>>20)}
			}
		}
	}
	return v.logical, name, nil
}

// containsFold reports whether b contains the upper-case ASCII word w in
// any case.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		j := 0
		for j < len(w) && upper(b[i+j]) == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func isEnd(line []byte) bool {
	return propertyName(line) == "END"
}

// headOf returns a line up to its value: the group, name and parameters.
func headOf(line []byte) []byte {
	if i := valueStart(line); i >= 0 {
		return line[:i]
	}
	return line
}

// valueStart returns the index of the colon that starts a line's value:
// the first one outside a quoted parameter value, -1 when there is none.
func valueStart(line []byte) int {
	quoted := false
	for i, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			return i
		}
	}
	return -1
}

// Read returns the next card's record.
func (v *vcardReader) Read() (*Record, error) {
	if v.err != nil {
		return nil, v.err
	}
	r, err := v.read()
	if err != nil {
		if _, ok := err.(*RowError); !ok {
			v.err = err
		}
	}
	return r, err
}

func (v *vcardReader) read() (*Record, error) {
	for {
		line, name, err := v.next()
		if err == io.EOF {
			switch {
			case v.depth > 0:
				return nil, &FileError{Pos: fmt.Sprintf("card %d", v.card), Kind: ErrTruncated,
					Msg: fmt.Sprintf("the card that starts at line %d has no END:VCARD (is the file cut short?)", v.cardLine)}
			case v.sawCard:
				return nil, io.EOF
			case v.sawText:
				return nil, &FileError{Kind: ErrNoVCard, Msg: "no vCard found (no BEGIN:VCARD line)"}
			}
			return nil, &FileError{Kind: ErrEmpty, Msg: "empty file"}
		} else if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		v.sawText = true
		switch name {
		case "BEGIN":
			if !isVCardValue(line) {
				continue
			}
			v.depth++
			if v.depth == 1 {
				v.card++
				v.sawCard = true
				v.cardLine = v.startLine
				v.body.Reset()
				v.body.WriteString("BEGIN:VCARD\r\n")
			}
			continue
		case "END":
			if v.depth == 0 || !isVCardValue(line) {
				continue
			}
			v.depth--
			if v.depth == 0 {
				v.body.WriteString("END:VCARD\r\n")
				return v.decode()
			}
			continue
		}
		if v.depth != 1 || !keptProperties[name] {
			continue // outside a card, inside an embedded one, or not used
		}
		if !utf8.Valid(line) && !(containsFold(headOf(line), "CHARSET=") && !containsFold(headOf(line), "CHARSET=UTF-8")) {
			i := firstInvalid(line)
			return nil, &FileError{Pos: fmt.Sprintf("line %d", v.startLine), Kind: ErrEncoding,
				Msg: fmt.Sprintf("not valid UTF-8 text (byte 0x%02X): save the file as UTF-8", line[i])}
		}
		v.appendProperty(line)
		if v.body.Len() > MaxRecordSize {
			return nil, &FileError{Pos: fmt.Sprintf("card %d", v.card), Kind: ErrTooLong,
				Msg: fmt.Sprintf("the card that starts at line %d is longer than 1 MiB without its photos", v.cardLine)}
		}
	}
}

func isVCardValue(line []byte) bool {
	i := valueStart(line)
	return i >= 0 && strings.EqualFold(strings.TrimSpace(string(line[i+1:])), "VCARD")
}

// appendProperty adds a kept logical line to the card for go-vcard, with
// bare parameters named and the value escaped so that go-vcard gives it
// back raw.
func (v *vcardReader) appendProperty(line []byte) {
	i := valueStart(line)
	if i < 0 {
		return // not a property; go-vcard would skip it too
	}
	v.headerBuf = rewriteParams(v.headerBuf[:0], line[:i])
	v.body.Write(v.headerBuf)
	v.body.WriteByte(':')
	for _, c := range line[i+1:] {
		switch c {
		case '\\':
			v.body.WriteString(`\\`)
		case ',':
			v.body.WriteString(`\,`)
		case '\r', '\n':
			// A lone CR inside a physical line; go-vcard would end the
			// line at it. Text keeps line breaks as \n.
			v.body.WriteString(`\\n`)
		default:
			v.body.WriteByte(c)
		}
	}
	v.body.WriteString("\r\n")
}

// rewriteParams names vCard 2.1's bare parameters: TEL;CELL;PREF becomes
// TEL;TYPE=CELL;TYPE=PREF, and a bare QUOTED-PRINTABLE or BASE64 becomes
// ENCODING=... Quoted parameter values are kept whole.
func rewriteParams(dst, head []byte) []byte {
	quoted, start, first := false, 0, true
	for i := 0; i <= len(head); i++ {
		if i < len(head) {
			if c := head[i]; c == '"' {
				quoted = !quoted
				continue
			} else if c != ';' || quoted {
				continue
			}
		}
		p := head[start:i]
		if !first {
			dst = append(dst, ';')
			if bytes.IndexByte(p, '=') < 0 {
				if isEncoding(p) {
					dst = append(dst, "ENCODING="...)
				} else {
					dst = append(dst, "TYPE="...)
				}
			}
		}
		dst = append(dst, p...)
		first, start = false, i+1
	}
	return dst
}

func isEncoding(p []byte) bool {
	for _, e := range []string{"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"} {
		if len(p) == len(e) && containsFold(p, e) {
			return true
		}
	}
	return false
}

// decode parses the card just framed with go-vcard and makes its record.
//
// One Decoder serves every card, its source refilled card by card: a new
// Decoder per card would allocate a 4 KiB buffer each time, half of all
// that reading a vCard file allocated. This is sound because Decode reads
// exactly one card and stops at its END line, whose look-ahead for a
// folded line meets the end of the source and leaves the buffer empty.
// After an error, which may leave part of a card buffered, the next card
// gets a new Decoder.
func (v *vcardReader) decode() (*Record, error) {
	pos := position("card", v.card)
	v.feed.Reset(v.body.Bytes())
	if v.dec == nil {
		v.dec = vcard.NewDecoder(&v.feed)
	}
	card, err := v.dec.Decode()
	if err != nil || v.feed.Len() != 0 {
		v.dec = nil
	}
	if err != nil {
		return nil, &RowError{Pos: pos, Message: "not a valid vCard: " + err.Error()}
	}
	return cardRecord(card, pos)
}

// cardRecord makes a record from a parsed card whose values are raw (as
// the file has them, escapes and all).
func cardRecord(card vcard.Card, pos string) (*Record, error) {
	r := &Record{Pos: pos}
	v4 := strings.HasPrefix(strings.TrimSpace(card.Value(vcard.FieldVersion)), "4")
	var err error
	text := func(prop, field string) string {
		f := card.Preferred(prop)
		if f == nil || err != nil {
			return ""
		}
		var s string
		s, err = fieldText(f, pos, field)
		return s
	}

	r.Name = text(vcard.FieldFormattedName, "name")
	r.Email = text(vcard.FieldEmail, "email")
	r.Note = text(vcard.FieldNote, "note")
	r.ID = text(vcard.FieldUID, "id")
	r.UpdatedAt = normalizeTime(text(vcard.FieldRevision, "updated_at"))
	r.CreatedAt = normalizeTime(text("X-CONTACTS-CREATED", "created_at"))
	if f := card.Preferred(vcard.FieldOrganization); f != nil && err == nil {
		var raw string
		if raw, err = fieldRaw(f, pos, "company_name"); err == nil {
			r.CompanyName = unescape(firstComponent(raw))
		}
	}
	var n []string // family, given, additional, prefix, suffix
	if f := card.Get(vcard.FieldName); f != nil && err == nil {
		var raw string
		if raw, err = fieldRaw(f, pos, "name"); err == nil {
			for _, c := range splitEscaped(raw, ';') {
				n = append(n, strings.Join(unescapeList(c), " "))
			}
		}
	}

	// The preferred TEL (PREF=1 in 4.0, TYPE=pref in 3.0, the lowest PREF
	// winning), else the first; the others are reported as unused.
	tels := card[vcard.FieldTelephone]
	chosen := card.Preferred(vcard.FieldTelephone)
	for _, f := range tels {
		if err != nil {
			break
		}
		var s string
		if s, err = fieldText(f, pos, "phone"); err != nil {
			break
		}
		if v4 && !strings.EqualFold(f.Params.Get(vcard.ParamValue), "text") || strings.EqualFold(f.Params.Get(vcard.ParamValue), "uri") {
			s = trimTelURI(s)
		}
		if f == chosen {
			r.Phone = s
		} else if s != "" {
			r.Unused = append(r.Unused, s)
		}
	}
	if err != nil {
		return nil, err
	}
	if r.Phone == "" && len(r.Unused) > 0 {
		// The preferred TEL was empty: the next one is the number.
		r.Phone, r.Unused = r.Unused[0], r.Unused[1:]
	}

	if r.Name == "" {
		var parts []string
		for _, i := range []int{1, 2, 0} { // given, additional, family
			if i < len(n) && strings.TrimSpace(n[i]) != "" {
				parts = append(parts, strings.TrimSpace(n[i]))
			}
		}
		r.Name = strings.Join(parts, " ")
	}
	// FN is required, so a card for a company, or for a number nobody
	// named, carries the company or the number there, with an empty N. That
	// is not a person's name: leave the name unset (this is how our own
	// export writes a contact without a name, too).
	if emptyName(n) && r.Name != "" {
		kind := strings.ToLower(card.Value(vcard.FieldKind))
		switch {
		case r.Name == r.CompanyName:
			r.Name = ""
		case kind == "org" && r.CompanyName == "":
			r.Name, r.CompanyName = "", r.Name
		case isPhoneText(r.Name) && (digits(r.Name) == digits(r.Phone)):
			r.Name = ""
		}
	}
	r.Unused = dedupe(r.Phone, r.Unused)
	return r, nil
}

func emptyName(n []string) bool {
	for _, c := range n {
		if c != "" {
			return false
		}
	}
	return true
}

// isPhoneText reports whether s is written with phone number characters
// only.
func isPhoneText(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789+-.() /", r) {
			return false
		}
	}
	return s != ""
}

func dedupe(chosen string, others []string) []string {
	if len(others) == 0 {
		return nil
	}
	seen := map[string]bool{digits(chosen): true}
	out := others[:0]
	for _, o := range others {
		if !seen[digits(o)] {
			seen[digits(o)] = true
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// trimTelURI turns a tel: URI into the number it names; the domain reads
// the rest ("+1-415-555-2671;ext=12").
func trimTelURI(s string) string {
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		return s[4:]
	}
	return s
}

// fieldText returns a text property's value: decoded, unescaped.
func fieldText(f *vcard.Field, pos, field string) (string, error) {
	raw, err := fieldRaw(f, pos, field)
	if err != nil {
		return "", err
	}
	return unescape(raw), nil
}

// fieldRaw returns a property's value with vCard 2.1's ENCODING
// (quoted-printable or base64) and CHARSET decoded, still escaped, with
// line breaks as LF.
func fieldRaw(f *vcard.Field, pos, field string) (string, error) {
	raw := f.Value
	switch enc := strings.ToUpper(f.Params.Get("ENCODING")); enc {
	case "QUOTED-PRINTABLE":
		b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(raw)))
		if err != nil {
			return "", &RowError{Pos: pos, Field: field, Message: "bad quoted-printable value: " + err.Error()}
		}
		raw = string(b)
	case "B", "BASE64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(raw), ""))
		if err != nil {
			return "", &RowError{Pos: pos, Field: field, Message: "bad base64 value: " + err.Error()}
		}
		raw = string(b)
	case "", "8BIT", "7BIT":
	default:
		return "", &RowError{Pos: pos, Field: field, Message: fmt.Sprintf("unknown ENCODING %q", enc)}
	}
	// A CHARSET is believed only when the bytes are not UTF-8 already:
	// some writers declare ISO-8859-1 over UTF-8 text, and UTF-8 is what
	// text that is valid UTF-8 almost always is.
	switch cs := strings.ToUpper(f.Params.Get("CHARSET")); {
	case utf8.ValidString(raw):
	case cs == "ISO-8859-1" || cs == "LATIN1" || cs == "ISO-8859-15" || cs == "WINDOWS-1252" || cs == "CP1252":
		cm := charmap.Windows1252 // a superset of ISO-8859-1's printable characters
		if cs == "ISO-8859-15" {
			cm = charmap.ISO8859_15
		}
		s, err := cm.NewDecoder().String(raw)
		if err != nil {
			return "", &RowError{Pos: pos, Field: field, Message: err.Error()}
		}
		raw = s
	case cs == "" || cs == "UTF-8" || cs == "UTF8":
		return "", &RowError{Pos: pos, Field: field, Message: "not valid UTF-8 text"}
	default:
		return "", &RowError{Pos: pos, Field: field, Message: fmt.Sprintf("CHARSET %s is not supported: save the file as UTF-8", cs)}
	}
	if strings.IndexByte(raw, '\r') >= 0 {
		raw = strings.ReplaceAll(raw, "\r\n", "\n")
		raw = strings.ReplaceAll(raw, "\r", "\n")
	}
	return raw, nil
}

// unescape undoes RFC 6350 text escaping: \\ \n \N \, \; (and \: , which
// some writers use). Any other backslash is kept as it is.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch n := s[i+1]; n {
		case 'n', 'N':
			b.WriteByte('\n')
			i++
		case '\\', ',', ';', ':':
			b.WriteByte(n)
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// splitEscaped splits a structured value at sep where it is not escaped.
// The parts stay escaped.
func splitEscaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// firstComponent is ORG's organization name: its first component.
func firstComponent(s string) string {
	return splitEscaped(s, ';')[0]
}

// unescapeList splits a component at unescaped commas (N's lists: several
// given names) and unescapes the values.
func unescapeList(s string) []string {
	parts := splitEscaped(s, ',')
	out := parts[:0]
	for _, p := range parts {
		if p = unescape(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// The forms of REV and of our X-CONTACTS-CREATED: RFC 6350 timestamps
// and dates, ISO 8601's basic form ("20260610T100000Z"), and RFC 3339 and
// ISO 8601's extended form ("2026-06-10T10:00:00Z", as 3.0 writers and
// Apple use). The fifth character tells which list to try.
var (
	basicLayouts = []string{
		"20060102T150405Z0700",
		"20060102T150405.999999999Z0700",
		"20060102T150405",
		"20060102",
	}
	extendedLayouts = []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05",
		"2006-01-02",
	}
)

// normalizeTime writes a vCard time as RFC 3339 UTC, whole seconds
// ("2026-06-10T10:00:00Z"); a time without a zone is taken as UTC. A value
// that does not parse is passed through for the caller to judge.
func normalizeTime(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	layouts := basicLayouts
	if len(s) > 4 && s[4] == '-' {
		layouts = extendedLayouts
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Second).Format(contacts.TimeFormat)
		}
	}
	return s
}
