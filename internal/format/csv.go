package format

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
)

// CSVDialect is the kind of CSV a reader recognized from the header.
type CSVDialect string

// The CSV dialects.
const (
	DialectContacts CSVDialect = "contacts" // our own export: the contact's field names
	DialectGoogle   CSVDialect = "google"   // Google Contacts' export, old or new header
	DialectOutlook  CSVDialect = "outlook"  // Outlook's export
	DialectPlain    CSVDialect = "plain"    // any header that names a phone column
)

// csvReader reads CSV records. The header decides the dialect, and the
// dialect's csvMap turns a row into a Record.
type csvReader struct {
	in       *input
	cr       *csv.Reader
	header   []string
	m        *csvMap
	nextLine int // where the next record starts, or after (blank lines are not counted)
	err      error
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	in, err := newInput(r, true)
	if err != nil {
		return nil, err
	}
	// The delimiter is the one the header uses: Excel in much of Europe
	// writes ';', and a .tsv renamed .csv uses tabs.
	in.br.Peek(1)
	peek, _ := in.br.Peek(in.br.Buffered())
	if i := bytes.IndexByte(peek, '\n'); i >= 0 {
		peek = peek[:i]
	}
	cr := csv.NewReader(in.br) // uses in.br as it is: it is a large bufio.Reader
	cr.Comma = sniffComma(peek)
	cr.FieldsPerRecord = -1 // a row of the wrong width is a RowError, not the end of the file
	cr.ReuseRecord = true
	c := &csvReader{in: in, cr: cr, nextLine: 1}

	in.lim.window(0)
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil, &FileError{Kind: ErrEmpty, Msg: "empty file"}
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &FileError{Pos: "line 1", Kind: ErrSyntax, Msg: "the header is not valid CSV: " + csvMessage(pe.Err)}
		}
		return nil, in.fatal("line 1", err)
	}
	c.header = append([]string(nil), header...)
	c.nextLine = c.lineAfter(c.header)
	if c.m, err = mapHeader(c.header); err != nil {
		return nil, err
	}
	return c, nil
}

// sniffComma picks the delimiter of a header line: the most frequent of
// comma, semicolon and tab outside quotes, comma on a tie.
func sniffComma(line []byte) rune {
	var n [3]int
	quoted := false
	for _, c := range line {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				n[0]++
			}
		case ';':
			if !quoted {
				n[1]++
			}
		case '\t':
			if !quoted {
				n[2]++
			}
		}
	}
	switch {
	case n[1] > n[0] && n[1] >= n[2]:
		return ';'
	case n[2] > n[0] && n[2] > n[1]:
		return '\t'
	}
	return ','
}

// Dialect says which kind of CSV the header showed.
func (c *csvReader) Dialect() CSVDialect { return c.m.dialect }

// DialectOf returns the dialect of a CSV reader's file, for the report
// ("reading a Google Contacts CSV"), and "" for a reader of another format.
func DialectOf(r Reader) CSVDialect {
	if c, ok := r.(*csvReader); ok {
		return c.m.dialect
	}
	return ""
}

// lineAfter returns the line after the record just read.
func (c *csvReader) lineAfter(rec []string) int {
	line, _ := c.cr.FieldPos(len(rec) - 1)
	return line + strings.Count(rec[len(rec)-1], "\n") + 1
}

// Read returns the next record. A row of all-empty cells (what a
// spreadsheet leaves below the data) is skipped.
func (c *csvReader) Read() (*Record, error) {
	for {
		if c.err != nil {
			return nil, c.err
		}
		start := c.cr.InputOffset()
		c.in.lim.window(start)
		rec, err := c.cr.Read()
		if err != nil {
			var pe *csv.ParseError
			switch {
			case err == io.EOF:
				c.err = io.EOF
			case errors.As(err, &pe):
				c.nextLine = pe.Line + 1
				return nil, &RowError{Pos: position("line", pe.StartLine), Message: csvMessage(pe.Err)}
			default:
				c.err = c.in.fatal(fmt.Sprintf("line %d", c.nextLine), err)
				if fe, ok := c.err.(*FileError); ok && fe.Kind == ErrTooLong {
					fe.Msg = "the record starting here is " + fe.Msg + " (is a quote never closed?)"
				}
			}
			return nil, c.err
		}
		line, _ := c.cr.FieldPos(0)
		pos := position("line", line)
		c.nextLine = c.lineAfter(rec)
		if c.cr.InputOffset()-start > MaxRecordSize+2 {
			c.err = c.in.fatal(pos, errLimit)
			return nil, c.err
		}
		if blank(rec) {
			continue
		}
		if len(rec) != len(c.header) {
			return nil, &RowError{Pos: pos, Message: fmt.Sprintf("%d fields, but the header has %d", len(rec), len(c.header))}
		}
		r := &Record{Pos: pos}
		c.m.fill(rec, r)
		return r, nil
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvMessage says what a CSV syntax error means, and how to fix it.
func csvMessage(err error) string {
	switch err {
	case csv.ErrBareQuote:
		return `a " inside a field that is not quoted (quote the whole field, and double the " inside it)`
	case csv.ErrQuote:
		return `a quoted field is not closed, or a " inside it is not doubled`
	}
	return err.Error()
}

// csvWriter writes our own CSV: the contact's field names as the header, one
// contact per row, unset fields as empty cells, LF line ends (as
// encoding/csv writes them; every CSV reader we know takes them).
//
// Cells are not defused against spreadsheet formulas (a leading "=", "+"
// or "@"): every phone number starts with "+", and a re-import must give
// back exactly what was exported.
type csvWriter struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	header bool
	row    []string
	ts     []byte
}

func newCSVWriter(w io.Writer) *csvWriter {
	bw := bufio.NewWriterSize(w, bufSize)
	// csv.NewWriter keeps bw as it is, as bw is a big enough bufio.Writer.
	return &csvWriter{bw: bw, cw: csv.NewWriter(bw), row: make([]string, len(contacts.Fields))}
}

func (w *csvWriter) writeHeader() error {
	w.header = true
	return w.cw.Write(contacts.Fields)
}

// Write writes one contact.
func (w *csvWriter) Write(c *contacts.Contact) error {
	if !w.header {
		if err := w.writeHeader(); err != nil {
			return err
		}
	}
	w.row[0] = c.ID
	w.row[1] = deref(c.Name)
	w.row[2] = deref(c.Email)
	w.row[3] = c.Phone
	w.row[4] = c.PhoneFormatted
	w.row[5] = deref(c.CompanyName)
	w.row[6] = deref(c.Note)
	w.row[7] = w.time(c.CreatedAt)
	w.row[8] = w.time(c.UpdatedAt)
	return w.cw.Write(w.row)
}

// time formats a timestamp as the JSON output does; the zero time (never
// stored) is an empty cell, which reads back as not set.
func (w *csvWriter) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	w.ts = contacts.AppendTime(w.ts[:0], t)
	return string(w.ts)
}

// Close writes the header if no contact was written, so that an empty
// export still reads back as our CSV, and flushes.
func (w *csvWriter) Close() error {
	if !w.header {
		if err := w.writeHeader(); err != nil {
			return err
		}
	}
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return err
	}
	return w.bw.Flush()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
