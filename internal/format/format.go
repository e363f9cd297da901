package format

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/phoneinc/contacts"
)

// Format names a file format.
type Format string

// The formats. The values are what --format takes and what error messages
// show.
const (
	CSV   Format = "csv"
	VCard Format = "vcard"
	JSON  Format = "json"
	JSONL Format = "jsonl"
)

// Formats lists every format, in the order help texts show them.
var Formats = []Format{CSV, VCard, JSON, JSONL}

// MaxRecordSize bounds one record: a CSV record (all its lines), a JSON
// array element, a JSON Lines line, a physical vCard line, and the
// properties of one vCard that we keep. A contact is at most a few
// kilobytes (the note, the longest field, is 10,000 characters), so 1 MiB is
// generous for real files and small enough that a corrupt or hostile file
// cannot make the importer allocate gigabytes.
const MaxRecordSize = 1 << 20

// ParseFormat reads a --format value, in any case. It accepts "vcf" for
// vCard and "ndjson" for JSON Lines, the names people also use for them.
// The error is a usage error (contacts.EUSAGE).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return CSV, nil
	case "vcard", "vcf":
		return VCard, nil
	case "json":
		return JSON, nil
	case "jsonl", "ndjson":
		return JSONL, nil
	}
	return "", contacts.Errorf(contacts.EUSAGE, "unknown format %q: use csv, vcard, json or jsonl", s)
}

// FromExtension guesses the format from a file name's extension (.csv, .vcf,
// .vcard, .json, .jsonl, .ndjson, in any case). It returns "" when the
// extension says nothing, so that the caller can look at the content.
func FromExtension(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV
	case ".vcf", ".vcard":
		return VCard
	case ".json":
		return JSON
	case ".jsonl", ".ndjson":
		return JSONL
	}
	return ""
}

// Extension is the usual file extension of f, with its dot.
func (f Format) Extension() string {
	switch f {
	case VCard:
		return ".vcf"
	default:
		return "." + string(f)
	}
}

// Detect guesses the format from the first bytes of a file (after an
// optional UTF-8 or UTF-16 byte-order mark, and leading white space):
//
//   - "BEGIN:VCARD" (any case) is vCard;
//   - '[' is a JSON array;
//   - '{' is JSON Lines when the first line holds a whole JSON value (or
//     peek ends before the first line does), and otherwise JSON: the JSON
//     reader also reads a sequence of objects that span lines, such as the
//     output of `contacts show -o json`;
//   - a first line that parses as a CSV header is CSV;
//
// anything else is an error (ErrUnknownFormat), and empty content is
// ErrEmpty. A few kilobytes of peek are plenty.
func Detect(peek []byte) (Format, error) {
	text := decodePeek(peek)
	text = bytes.TrimLeft(text, " \t\r\n")
	if len(text) == 0 {
		return "", &FileError{Kind: ErrEmpty, Msg: "empty file"}
	}
	if len(text) >= len("BEGIN:VCARD") && strings.EqualFold(string(text[:len("BEGIN:VCARD")]), "BEGIN:VCARD") {
		return VCard, nil
	}
	line := text
	complete := false
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		line, complete = text[:i], true
	}
	switch text[0] {
	case '[':
		return JSON, nil
	case '{':
		if !complete || json.Valid(bytes.TrimSpace(line)) {
			return JSONL, nil
		}
		return JSON, nil
	}
	if looksLikeCSVHeader(line, complete) {
		return CSV, nil
	}
	return "", &FileError{Kind: ErrUnknownFormat, Msg: "cannot tell the file's format from its content (not CSV with a header, vCard or JSON): name it with --format"}
}

// looksLikeCSVHeader reports whether line reads as the header of a CSV
// file: printable text that parses as one CSV record of non-empty names.
func looksLikeCSVHeader(line []byte, complete bool) bool {
	for _, c := range line {
		if c < 0x20 && c != '\t' && c != '\r' {
			return false
		}
	}
	r := csv.NewReader(bytes.NewReader(line))
	r.Comma = sniffComma(line)
	r.LazyQuotes = !complete // the peek may end inside a quoted name
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil || len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		if len(f) > 200 {
			return false
		}
	}
	return strings.TrimSpace(strings.Join(fields, "")) != ""
}

// peekSize is how much DetectReader looks at: enough for any real header.
const peekSize = 16 << 10

// DetectReader peeks at the start of r and guesses its format with Detect.
// The returned reader yields all of r, peeked bytes included; use it in
// place of r even when err is not nil.
func DetectReader(r io.Reader) (Format, io.Reader, error) {
	br := bufio.NewReaderSize(r, peekSize)
	peek, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", br, err
	}
	f, err := Detect(peek)
	return f, br, err
}

// Record is one contact as read from a file, before any validation: the
// caller validates every record with the domain's rules, as `contacts add`
// does. A field the file does not have is "".
type Record struct {
	// Pos says where the record is, for the report: "line 12" (CSV: the
	// line where the record starts; JSON Lines: its line), "card 3"
	// (vCard), "item 7" (JSON, 1-based).
	Pos string

	// ID, CreatedAt and UpdatedAt come from our own exports (vCard: UID,
	// X-CONTACTS-CREATED and REV, the times normalized to RFC 3339 UTC
	// when they parse). An ID is passed through even when it is not a ULID
	// (a vCard's "urn:uuid:..."): the caller decides what to do with it.
	ID, CreatedAt, UpdatedAt string

	Name, Email, Phone, CompanyName, Note string

	// Unused lists the other phone numbers the record carried that were
	// not used (a vCard's other TELs, Google's Phone 2..., Outlook's other
	// phone columns), for the report.
	Unused []string
}

// RowError is a problem with one record that does not stop reading: the
// caller reports it and, with --skip-invalid, goes on.
type RowError struct {
	Pos     string // as Record.Pos
	Field   string // the record's field at fault ("phone", "name"...), "" when the problem is not one field's
	Message string
}

// Error reads "line 12: phone: not a string", or without a field "line 12:
// 3 fields, but the header has 9".
func (e *RowError) Error() string {
	if e.Field == "" {
		return e.Pos + ": " + e.Message
	}
	return e.Pos + ": " + e.Field + ": " + e.Message
}

// FileError is a fatal problem with a file's content: after it the file
// cannot be read further. Errors that are not about the content (a failing
// disk) are returned as they are, not as a FileError.
type FileError struct {
	Pos  string // where: "line 3", "card 2", "item 7"; "" for the whole file
	Kind error  // one of the Err* values below, for errors.Is
	Msg  string // what went wrong and, where it helps, what to do
}

// Error reads "line 3: not valid UTF-8 ...", or just the message when Pos
// is "".
func (e *FileError) Error() string {
	if e.Pos == "" {
		return e.Msg
	}
	return e.Pos + ": " + e.Msg
}

// Unwrap returns the kind, so that errors.Is(err, ErrTooLong) works.
func (e *FileError) Unwrap() error { return e.Kind }

// Kinds of FileError.
var (
	ErrEmpty         = errors.New("empty file")
	ErrEncoding      = errors.New("not UTF-8 text")
	ErrTooLong       = errors.New("record too long")
	ErrNoPhoneColumn = errors.New("no phone column")
	ErrTruncated     = errors.New("truncated file")
	ErrNoVCard       = errors.New("no vCard found")
	ErrSyntax        = errors.New("malformed file")
	ErrUnknownFormat = errors.New("unknown file format")
)

// position is a Record's Pos: "line 12". (fmt.Sprintf costs a tenth of
// reading a CSV record.)
func position(kind string, n int) string {
	return kind + " " + strconv.Itoa(n)
}

// Reader reads records one by one.
//
// Read returns (nil, io.EOF) at the end; (nil, *RowError) for a bad record
// after which reading can continue; any other error is fatal: the file
// cannot be read further (a *FileError for wrong encoding, a truncated
// vCard, a CSV without a phone column, a record over MaxRecordSize, an
// empty file; or the underlying reader's error). After a fatal error every
// Read returns it again.
type Reader interface {
	Read() (*Record, error)
}

// NewReader returns a reader of f's records from r. It may read the start
// of r (a byte-order mark; a CSV's header), so its error is fatal as Read's
// is: an empty CSV file, or a CSV without a phone column, fails here.
//
// Every format accepts UTF-8 with or without a byte-order mark and UTF-16
// with one (which Windows programs write), and refuses other text that is
// not UTF-8, naming the line.
func NewReader(f Format, r io.Reader) (Reader, error) {
	switch f {
	case CSV:
		return newCSVReader(r)
	case VCard:
		return newVCardReader(r)
	case JSON:
		return newJSONReader(r)
	case JSONL:
		return newJSONLReader(r)
	}
	return nil, fmt.Errorf("format: unknown format %q", f)
}

// Writer writes contacts in one format. Close ends the document (JSON's
// closing bracket; a CSV header when no contact was written) and flushes;
// it does not close the underlying writer.
type Writer interface {
	Write(c *contacts.Contact) error
	Close() error
}

// WriterOptions tune a Writer.
type WriterOptions struct {
	// VCardVersion is "4.0" (the default when "") or "3.0", for address
	// books that do not read 4.0 yet.
	VCardVersion string
}

// NewWriter returns a writer of f to w. Writes are buffered: call Close.
func NewWriter(f Format, w io.Writer, opts WriterOptions) (Writer, error) {
	switch f {
	case CSV:
		return newCSVWriter(w), nil
	case VCard:
		return newVCardWriter(w, opts.VCardVersion)
	case JSON:
		return newJSONWriter(w), nil
	case JSONL:
		return newJSONLWriter(w), nil
	}
	return nil, fmt.Errorf("format: unknown format %q", f)
}
