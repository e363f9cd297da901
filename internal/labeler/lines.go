package labeler

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
)

// MaxRecord bounds one input line or CSV record, so that memory stays
// bounded whatever the input: no phone number, and no row of a call log,
// comes near it.
const MaxRecord = 1 << 20

// ioBuffer is the size of the input and output buffers.
const ioBuffer = 64 << 10

// Lines reads numbers one per line from r and writes one line per input
// line to w, in order, streaming: the output is flushed whenever the input
// has nothing more at hand, so a person typing numbers gets each answer at
// once.
//
// With asJSON each output line is a JSON object with the nine keys of a
// contact: the contact when one has the number; otherwise every key is
// null but phone and phone_formatted, which hold the number when the input
// is a valid one (null when it is not). Without asJSON each line is the
// input (trimmed, with control characters made visible), the contact's
// name and its company name, separated by tabs; unknown numbers, input that
// is not a number, and blank lines keep their line with empty fields.
//
// A line longer than MaxRecord stops the run with an EINVALID error naming
// it, after the lines before it are written.
func Lines(ctx context.Context, l *Labeler, r io.Reader, w io.Writer, asJSON bool) error {
	br := bufio.NewReaderSize(r, ioBuffer)
	bw := bufio.NewWriterSize(w, ioBuffer)
	lr := lineReader{r: br}
	var buf []byte
	return Run(ctx, l, Pipe[string]{
		Read: func() (string, string, int, error) {
			line, err := lr.next()
			if err != nil {
				return "", "", 0, err
			}
			return line, strings.TrimSpace(line), len(line), nil
		},
		Ready: func() bool { return br.Buffered() > 0 },
		Write: func(line string, res *Result) error {
			buf = buf[:0]
			if asJSON {
				buf = appendJSONLine(buf, res)
			} else {
				buf = appendTSVLine(buf, strings.TrimSpace(line), res)
			}
			_, err := bw.Write(buf)
			return err
		},
		Flush: bw.Flush,
	})
}

// lineReader reads lines of at most MaxRecord bytes, without their line
// ending (LF or CRLF).
type lineReader struct {
	r    *bufio.Reader
	n    int // lines read
	long []byte
}

func (lr *lineReader) next() (string, error) {
	line, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(lr.long) <= MaxRecord {
			line, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, line...)
		}
		line = lr.long
		if len(bytes.TrimRight(line, "\r\n")) > MaxRecord {
			return "", &contacts.Error{Code: contacts.EINVALID,
				Message: fmt.Sprintf("line %d: longer than 1 MiB; that is not a phone number", lr.n+1)}
		}
	}
	if len(line) == 0 && err != nil {
		return "", err // io.EOF, or a read error
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	lr.n++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return string(line), nil
}

// appendTSVLine appends "number<TAB>name<TAB>company\n". Each field is made
// safe for a terminal, which also keeps tabs and newlines out of it.
func appendTSVLine(b []byte, number string, res *Result) []byte {
	b = append(b, output.Safe(number, false)...)
	b = append(b, '\t')
	b = append(b, output.Safe(res.Name, false)...)
	b = append(b, '\t')
	b = append(b, output.Safe(res.Company, false)...)
	return append(b, '\n')
}

// appendJSONLine appends the contact, or for a number nobody has an
// object of the same nine keys with only the number set, and a newline.
func appendJSONLine(b []byte, res *Result) []byte {
	if res.Contact != nil {
		b = res.Contact.AppendJSON(b)
		return append(b, '\n')
	}
	b = append(b, `{"id":null,"name":null,"email":null,"phone":`...)
	b = appendJSONOrNull(b, res.Phone)
	b = append(b, `,"phone_formatted":`...)
	b = appendJSONOrNull(b, res.Formatted)
	return append(b, `,"company_name":null,"note":null,"created_at":null,"updated_at":null}`+"\n"...)
}

func appendJSONOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return contacts.AppendJSONString(b, s)
}
