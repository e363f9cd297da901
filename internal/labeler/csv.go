package labeler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
)

// LabelColumns are the columns that CSV adds after the phone column.
var LabelColumns = []string{"contact_name", "contact_company", "contact_id"}

// CSVOptions configure CSV.
type CSVOptions struct {
	// Column names the column that holds the phone numbers: a header name,
	// in any case, or else its position counting from 1.
	Column string
	// Comma is the field delimiter; 0 means ','.
	Comma rune
	// Name is the input's name in error messages ("log.csv", "standard
	// input").
	Name string
	// Clean, when set, rewrites every cell written: the command passes
	// output.Safe when standard output is a terminal, so that neither a
	// stored name nor the log's own cells reach the screen raw. In a pipe
	// or a file the cells are data, written as they are.
	Clean func(string) string
}

const utf8BOM = "\uFEFF"

// CSV copies a CSV call log from r to w with the columns contact_name,
// contact_company and contact_id added right after the phone column, in
// the header and in every row; every row is kept, in order. The labels
// are empty for a number nobody has, for input that is not a number, and
// for an empty field.
//
// The first record is the header. Other fields are copied as
// encoding/csv reads and writes them: the same values, quoted only where
// needed. A UTF-8 byte order mark is kept, and CRLF line endings are kept
// when the header ends with one. A row shorter than the header is kept as
// it is: when it reaches the phone column it is labelled, and otherwise it
// gets no labels. A record longer than MaxRecord is refused.
//
// Errors: EUSAGE when the column is not there (the message lists those
// found); EINVALID for input that is not CSV, or has no header, or a
// record too long, naming the line, after the rows before it are written.
func CSV(ctx context.Context, l *Labeler, r io.Reader, w io.Writer, opts CSVOptions) error {
	if opts.Comma == 0 {
		opts.Comma = ','
	}
	if opts.Name == "" {
		opts.Name = "input"
	}
	lim := &limitReader{r: r, limit: MaxRecord + ioBuffer + int64(len(utf8BOM)), keepHead: true}
	br := bufio.NewReaderSize(lim, ioBuffer)
	bw := bufio.NewWriterSize(w, ioBuffer)

	bom := 0
	if b, _ := br.Peek(len(utf8BOM)); string(b) == utf8BOM {
		br.Discard(len(utf8BOM))
		bw.WriteString(utf8BOM)
		bom = len(utf8BOM)
	}
	cr := csv.NewReader(br) // uses br itself: it is a large enough bufio.Reader
	cr.Comma = opts.Comma
	cr.FieldsPerRecord = -1

	var (
		lastRec  []string
		lastLine int
	)
	read := func() ([]string, error) {
		rec, err := cr.Read()
		if err != nil {
			return nil, csvError(opts.Name, err, lastRec, lastLine)
		}
		lastRec = rec
		lastLine, _ = cr.FieldPos(0)
		lim.limit = int64(bom) + cr.InputOffset() + MaxRecord + ioBuffer
		return rec, nil
	}

	header, err := read()
	if errors.Is(err, io.EOF) {
		return &contacts.Error{Code: contacts.EINVALID, Message: opts.Name + " is empty: a call log needs a header row"}
	} else if err != nil {
		return err
	}
	col, err := findColumn(header, opts.Column, opts.Name)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(bw) // writes to bw itself
	cw.Comma = opts.Comma
	cw.UseCRLF = lim.crlfAt(int64(bom) + cr.InputOffset())
	lim.keepHead, lim.head = false, nil

	row := make([]string, 0, len(header)+len(LabelColumns))
	write := func(rec []string) error {
		if opts.Clean != nil {
			for i := range rec {
				rec[i] = opts.Clean(rec[i])
			}
		}
		return cw.Write(rec)
	}
	withLabels := func(rec []string, labels ...string) []string {
		row = append(row[:0], rec[:col+1]...)
		row = append(row, labels...)
		return append(row, rec[col+1:]...)
	}
	if err := write(withLabels(header, LabelColumns...)); err != nil {
		return err
	}

	return Run(ctx, l, Pipe[[]string]{
		Read: func() ([]string, string, int, error) {
			rec, err := read()
			if err != nil {
				return nil, "", 0, err
			}
			size := len(rec)
			for _, f := range rec {
				size += len(f)
			}
			if len(rec) <= col {
				return rec, "", size, nil
			}
			return rec, strings.TrimSpace(rec[col]), size, nil
		},
		Ready: func() bool { return br.Buffered() > 0 },
		Write: func(rec []string, res *Result) error {
			if len(rec) <= col {
				return write(rec)
			}
			return write(withLabels(rec, res.Name, res.Company, res.ID))
		},
		Flush: func() error {
			cw.Flush()
			return cw.Error()
		},
	})
}

// findColumn finds the phone column: a header name (trimmed, any case),
// or else a position from 1.
func findColumn(header []string, column, name string) (int, error) {
	want := strings.TrimSpace(column)
	var found []int
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), want) {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		pos := make([]string, len(found))
		for i, n := range found {
			pos[i] = strconv.Itoa(n + 1)
		}
		return 0, &contacts.Error{Code: contacts.EUSAGE, Message: fmt.Sprintf(
			"--column %s: %s has %d columns of that name (columns %s); give the position instead, e.g. --column %s",
			quote(want), name, len(found), strings.Join(pos, ", "), pos[0])}
	}
	if n, err := strconv.Atoi(want); err == nil && n >= 1 && n <= len(header) {
		return n - 1, nil
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = quote(h)
	}
	return 0, &contacts.Error{Code: contacts.EUSAGE, Message: fmt.Sprintf(
		"--column %s: no such column in %s; its columns are %s (give a name or a position from 1)",
		quote(want), name, strings.Join(cols, ", "))}
}

func quote(s string) string { return strconv.Quote(output.Safe(s, false)) }

// errTooLong is limitReader's error: the record being read is longer than
// MaxRecord.
var errTooLong = errors.New("record too long")

// csvError explains an error of csv.Reader, naming the line.
func csvError(name string, err error, lastRec []string, lastLine int) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return err
	case errors.Is(err, errTooLong):
		// The record after the last one read: count the lines that one
		// took (quoted fields may hold newlines).
		line := 1
		if lastRec != nil {
			line = lastLine + 1
			for _, f := range lastRec {
				line += strings.Count(f, "\n")
			}
		}
		return &contacts.Error{Code: contacts.EINVALID, Message: fmt.Sprintf(
			"%s: line %d: a record longer than 1 MiB (an unclosed quote?); rows before it were written", name, line)}
	case errors.As(err, &pe):
		where := fmt.Sprintf("line %d, column %d", pe.Line, pe.Column)
		if pe.StartLine != pe.Line {
			where = fmt.Sprintf("line %d, column %d (in the record that starts on line %d)", pe.Line, pe.Column, pe.StartLine)
		}
		return &contacts.Error{Code: contacts.EINVALID, Message: fmt.Sprintf("%s: not valid CSV: %s: %v", name, where, pe.Err)}
	}
	return fmt.Errorf("read %s: %w", name, err)
}

// limitReader bounds what is read ahead of the last complete record, so
// that a runaway record (a huge line, an unclosed quote) is refused
// instead of filling memory. It also keeps the first bytes read, to tell
// the header's line ending.
type limitReader struct {
	r        io.Reader
	n        int64 // bytes delivered
	limit    int64 // bytes that may be delivered
	keepHead bool
	head     []byte // the first ioBuffer bytes, while keepHead
}

func (lr *limitReader) Read(p []byte) (int, error) {
	if lr.n >= lr.limit {
		return 0, errTooLong
	}
	if room := lr.limit - lr.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := lr.r.Read(p)
	if lr.keepHead && lr.n < ioBuffer {
		lr.head = append(lr.head, p[:min(int64(n), ioBuffer-lr.n)]...)
	}
	lr.n += int64(n)
	return n, err
}

// crlfAt reports whether the input has "\r\n" just before offset, as far
// as the bytes kept tell.
func (lr *limitReader) crlfAt(offset int64) bool {
	return offset >= 2 && offset <= int64(len(lr.head)) && bytes.Equal(lr.head[offset-2:offset], []byte("\r\n"))
}
