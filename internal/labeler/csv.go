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
	// Off a terminal the call log comes back byte for byte, the columns
	// added: each record's own bytes are kept (rec), and the labels put
	// into them after the phone field. On a terminal (Clean) the cells are
	// rewritten anyway, by encoding/csv.
	var tee *recorder
	if opts.Clean == nil {
		tee = &recorder{r: br}
	}
	var cr *csv.Reader
	if tee != nil {
		cr = csv.NewReader(tee)
	} else {
		cr = csv.NewReader(br) // uses br itself: it is a large enough bufio.Reader
	}
	cr.Comma = opts.Comma
	cr.FieldsPerRecord = -1
	var recStart int64 // the offset of the record read last

	var (
		lastRec  []string
		lastLine int
	)
	read := func() ([]string, error) {
		recStart = cr.InputOffset()
		if tee != nil {
			tee.drop(recStart)
		}
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
	if tee != nil {
		// The header as it was, the label columns after the phone's.
		raw, at := tee.split(cr, recStart, len(header), col)
		if err := writeRaw(bw, raw, at, opts.Comma, LabelColumns...); err != nil {
			return err
		}
	} else if err := write(withLabels(header, LabelColumns...)); err != nil {
		return err
	}

	type logRow struct {
		rec []string
		raw []byte // the record's own bytes (off a terminal)
		at  int    // where in raw the labels go; -1: none
	}
	return Run(ctx, l, Pipe[logRow]{
		Read: func() (logRow, string, int, error) {
			r, err := read()
			if err != nil {
				return logRow{}, "", 0, err
			}
			size := len(r)
			for _, f := range r {
				size += len(f)
			}
			it := logRow{rec: r, at: -1}
			if tee != nil {
				raw, at := tee.split(cr, recStart, len(r), col)
				it.raw, it.at = bytes.Clone(raw), at
				it.rec = nil
				size += len(raw)
			}
			if len(r) <= col {
				it.at = -1
				return it, "", size, nil
			}
			return it, strings.TrimSpace(r[col]), size, nil
		},
		Ready: func() bool { return br.Buffered() > 0 },
		Write: func(it logRow, res *Result) error {
			if it.raw != nil {
				if it.at < 0 {
					_, err := bw.Write(it.raw)
					return err
				}
				return writeRaw(bw, it.raw, it.at, opts.Comma, res.Name, res.Company, res.ID)
			}
			if len(it.rec) <= col {
				return write(it.rec)
			}
			return write(withLabels(it.rec, res.Name, res.Company, res.ID))
		},
		Flush: func() error {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return bw.Flush()
		},
	})
}

// recorder keeps the bytes that the CSV reader reads, from the start of
// the record being read on, so that a record can be copied as it was.
type recorder struct {
	r    io.Reader
	buf  []byte // the input from offset base on
	base int64
}

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	rc.buf = append(rc.buf, p[:n]...)
	return n, err
}

// drop forgets the input before offset.
func (rc *recorder) drop(offset int64) {
	if k := int(offset - rc.base); k > 0 {
		rc.buf = append(rc.buf[:0], rc.buf[k:]...)
		rc.base = offset
	}
}

// split returns the bytes of the record cr read last, which starts at
// start and has n fields, and where in them the columns after the phone column col go: at
// the separator before the next field, or else before the line ending.
// -1 when the record has no field col.
func (rc *recorder) split(cr *csv.Reader, start int64, n, col int) ([]byte, int) {
	raw := rc.buf[start-rc.base : cr.InputOffset()-rc.base]
	firstLine, _ := cr.FieldPos(0)
	// The reader skips empty lines before a record; they are in raw.
	skip := 0
	for skip < len(raw) && (raw[skip] == '\n' || raw[skip] == '\r') {
		skip++
	}
	offset := func(field int) int {
		line, column := cr.FieldPos(field)
		o := skip
		for l := firstLine; l < line; l++ {
			o += bytes.IndexByte(raw[o:], '\n') + 1
		}
		return o + column - 1
	}
	switch {
	case col >= n:
		return raw, -1
	case col+1 < n:
		return raw, offset(col+1) - 1 // the separator before the next field
	}
	end := len(raw)
	if end > 0 && raw[end-1] == '\n' {
		end--
		if end > 0 && raw[end-1] == '\r' {
			end--
		}
	}
	return raw, end
}

// writeRaw writes raw with the label cells inserted at at, each quoted
// only where CSV needs it.
func writeRaw(w *bufio.Writer, raw []byte, at int, comma rune, labels ...string) error {
	w.Write(raw[:at])
	for _, l := range labels {
		w.WriteRune(comma)
		if l == "" || !strings.ContainsAny(l, "\"\r\n"+string(comma)) && l[0] != ' ' && l[0] != '\t' {
			w.WriteString(l)
			continue
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(l, `"`, `""`))
		w.WriteByte('"')
	}
	_, err := w.Write(raw[at:])
	return err
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
