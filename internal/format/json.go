package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
)

// jsonContact is an object in the contact's model as a reader takes it: any
// key may be missing or null, phone_formatted (read-only) and unknown keys
// are ignored.
type jsonContact struct {
	ID          *string `json:"id"`
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	Phone       *string `json:"phone"`
	CompanyName *string `json:"company_name"`
	Note        *string `json:"note"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
}

// decodeObject reads one JSON value (a JSON Lines line) as a record.
// Anything but an object whose keys hold strings or null is a RowError.
func decodeObject(raw []byte, pos string) (*Record, error) {
	var v *jsonContact
	err := json.Unmarshal(raw, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, &RowError{Pos: pos, Message: "not valid JSON: " + se.Error()}
	}
	if err == nil {
		// What encoding/json reads without a word: a key given twice, a
		// lone surrogate escape (which it makes U+FFFD).
		if ce := contacts.CheckJSONObject(raw); ce != nil {
			return nil, &RowError{Pos: pos, Field: ce.Field, Message: strings.TrimPrefix(ce.Message, ce.Field+": ")}
		}
	}
	return jsonRecord(v, err, pos)
}

// jsonRecord makes the record of a decoded value. Decoding into a
// pointer tells the cases apart: null leaves it nil, a value of another
// type is an UnmarshalTypeError with no field, a key of the wrong type one
// with the key's name.
func jsonRecord(v *jsonContact, err error, pos string) (*Record, error) {
	if err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return nil, &RowError{Pos: pos, Message: err.Error()}
		}
		if te.Field == "" {
			return nil, &RowError{Pos: pos, Message: "not a JSON object but " + article(te.Value)}
		}
		return nil, &RowError{Pos: pos, Field: te.Field, Message: "must be a string or null, not " + article(te.Value)}
	}
	if v == nil {
		return nil, &RowError{Pos: pos, Message: "not a JSON object but null"}
	}
	return &Record{
		Pos:         pos,
		ID:          deref(v.ID),
		Name:        deref(v.Name),
		Email:       deref(v.Email),
		Phone:       deref(v.Phone),
		CompanyName: deref(v.CompanyName),
		Note:        deref(v.Note),
		CreatedAt:   deref(v.CreatedAt),
		UpdatedAt:   deref(v.UpdatedAt),
	}, nil
}

func article(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "":
		return "something else"
	}
	return "a " + kind
}

// jsonReader reads a JSON array of contact objects, streaming: one element
// is in memory at a time, so a million-element array reads in constant
// memory. It also reads a sequence of top-level objects (one, as `contacts
// show -o json` prints, or several, pretty-printed or not), each an "item".
type jsonReader struct {
	in      *input
	dec     *json.Decoder
	base    int64 // bytes of white space read before dec started
	array   bool
	started bool
	item    int
	err     error
	raw     json.RawMessage // the element being read, its memory reused
}

func newJSONReader(r io.Reader) (*jsonReader, error) {
	in, err := newInput(r, true)
	if err != nil {
		return nil, err
	}
	return &jsonReader{in: in}, nil
}

func (j *jsonReader) start() error {
	j.started = true
	j.in.lim.window(0)
	for {
		b, err := j.in.br.ReadByte()
		if err == io.EOF {
			return &FileError{Kind: ErrEmpty, Msg: "empty file"}
		} else if err != nil {
			return j.in.fatal("line 1", err)
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			j.in.br.UnreadByte()
			switch b {
			case '[':
				j.array = true
			case '{':
			default:
				return &FileError{Pos: fmt.Sprintf("line %d", j.in.v.line), Kind: ErrSyntax, Msg: "a JSON file of contacts holds an array of objects ([{...}, ...]) or objects ({...})"}
			}
			break
		}
		j.base++
	}
	j.dec = json.NewDecoder(j.in.br)
	if j.array {
		if _, err := j.dec.Token(); err != nil { // the '['
			return j.fatal("item 1", err)
		}
	}
	return nil
}

// fatal turns a decoder error into a Reader's fatal error.
func (j *jsonReader) fatal(pos string, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return &FileError{Pos: pos, Kind: ErrSyntax, Msg: "not valid JSON: " + se.Error()}
	case err == io.ErrUnexpectedEOF:
		return &FileError{Pos: pos, Kind: ErrTruncated, Msg: "the file ends in the middle of a JSON value"}
	}
	return j.in.fatal(pos, err)
}

// Read returns the next element.
func (j *jsonReader) Read() (*Record, error) {
	if j.err != nil {
		return nil, j.err
	}
	if !j.started {
		if j.err = j.start(); j.err != nil {
			return nil, j.err
		}
	}
	r, err := j.read()
	if err != nil {
		if _, ok := err.(*RowError); !ok {
			j.err = err
		}
	}
	return r, err
}

func (j *jsonReader) read() (*Record, error) {
	pos := position("item", j.item+1)
	j.in.lim.window(j.base + j.dec.InputOffset())
	if !j.dec.More() {
		// The end of the array, or of the file; nothing may follow.
		tok, err := j.dec.Token()
		if j.array {
			if err == io.EOF {
				return nil, &FileError{Pos: pos, Kind: ErrTruncated, Msg: "the file ends before the array's closing ]"}
			}
			if err != nil {
				return nil, j.fatal(pos, err)
			}
			if tok != json.Delim(']') {
				return nil, &FileError{Pos: pos, Kind: ErrSyntax, Msg: fmt.Sprintf("not valid JSON: unexpected %v", tok)}
			}
			tok, err = j.dec.Token()
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, j.fatal(pos, err)
		}
		return nil, &FileError{Pos: pos, Kind: ErrSyntax, Msg: fmt.Sprintf("not valid JSON: unexpected %v after the contacts", tok)}
	}
	j.item++
	start := j.dec.InputOffset()
	if err := j.dec.Decode(&j.raw); err != nil {
		// A syntax error, a cut or a read error: the decoder cannot go on.
		return nil, j.fatal(pos, err)
	}
	if j.dec.InputOffset()-start > MaxRecordSize {
		return nil, j.in.fatal(pos, errLimit)
	}
	return decodeObject(j.raw, pos)
}

// jsonlReader reads JSON Lines: one object per line, blank lines skipped.
// A line that is not a JSON object is a RowError: reading goes on at the
// next line. So an object that spans lines is not JSON Lines (Detect sends
// such a file to the JSON reader, which reads it).
type jsonlReader struct {
	in   *input
	any  bool
	err  error
	line []byte
}

func newJSONLReader(r io.Reader) (*jsonlReader, error) {
	in, err := newInput(r, true)
	if err != nil {
		return nil, err
	}
	return &jsonlReader{in: in}, nil
}

// Read returns the record of the next non-blank line.
func (j *jsonlReader) Read() (*Record, error) {
	for j.err == nil {
		line, err := j.in.readLine()
		if err == io.EOF && !j.any {
			err = &FileError{Kind: ErrEmpty, Msg: "empty file"}
		}
		if err != nil {
			j.err = err
			break
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		j.any = true
		return decodeObject(line, position("line", j.in.line))
	}
	return nil, j.err
}

// jsonWriter writes the product's one JSON array of contacts, which export
// writes and `contacts list -o json` prints: "[\n  {...},\n  {...}\n]\n",
// each object indented by two spaces, and "[]\n" when empty.
type jsonWriter struct {
	w   *bufio.Writer
	buf []byte
	n   int
}

// jsonIndent is the indentation of the JSON output.
const jsonIndent = "  "

func newJSONWriter(w io.Writer) *jsonWriter {
	return &jsonWriter{w: bufio.NewWriterSize(w, bufSize), buf: make([]byte, 0, 1024)}
}

// Write writes one contact.
func (j *jsonWriter) Write(c *contacts.Contact) error {
	b := j.buf[:0]
	if j.n == 0 {
		b = append(b, "[\n"...)
	} else {
		b = append(b, ",\n"...)
	}
	b = append(b, jsonIndent...)
	b = c.AppendJSONIndent(b, jsonIndent, jsonIndent)
	j.buf = b
	j.n++
	_, err := j.w.Write(b)
	return err
}

// Close ends the array and flushes.
func (j *jsonWriter) Close() error {
	if j.n == 0 {
		j.w.WriteString("[]\n")
	} else {
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

// jsonlWriter writes one compact object per line.
type jsonlWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newJSONLWriter(w io.Writer) *jsonlWriter {
	return &jsonlWriter{w: bufio.NewWriterSize(w, bufSize), buf: make([]byte, 0, 512)}
}

// Write writes one contact.
func (j *jsonlWriter) Write(c *contacts.Contact) error {
	j.buf = append(c.AppendJSON(j.buf[:0]), '\n')
	_, err := j.w.Write(j.buf)
	return err
}

// Close flushes.
func (j *jsonlWriter) Close() error { return j.w.Flush() }
