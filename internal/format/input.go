package format

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// bufSize is the read buffer of every reader: large enough to make reads
// cheap, small next to MaxRecordSize.
const bufSize = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF32LE = []byte{0xFF, 0xFE, 0x00, 0x00}
	bomUTF32BE = []byte{0x00, 0x00, 0xFE, 0xFF}
)

// errLimit is what the limiter returns when a record runs past its window;
// format readers turn it into a FileError of kind ErrTooLong with the
// record's position.
var errLimit = errors.New("record too long")

// input is the text of a file on its way to a format reader:
//
//	file → bufio → [UTF-16 decoder] → limiter → UTF-8 validator → br
//
// so that every format reads UTF-8 without a byte-order mark, bad encoding
// is found with its line number, and no record can grow without bound.
type input struct {
	br  *bufio.Reader
	lim *limiter
	v   *utf8Reader

	line    int    // physical lines returned by readLine
	lineBuf []byte // readLine's buffer for lines longer than br's
}

// newInput starts reading r. With validate, text that is not UTF-8 is a
// fatal error at the byte it is found; the vCard reader validates lines
// itself after unfolding, as some writers fold in the middle of a UTF-8
// sequence.
func newInput(r io.Reader, validate bool) (*input, error) {
	raw := bufio.NewReaderSize(r, bufSize)
	head, err := raw.Peek(4)
	if err != nil && err != io.EOF {
		return nil, err
	}
	var src io.Reader = raw
	switch {
	case bytes.HasPrefix(head, bomUTF32LE), bytes.HasPrefix(head, bomUTF32BE):
		return nil, &FileError{Kind: ErrEncoding, Msg: "UTF-32 text is not supported: save the file as UTF-8"}
	case bytes.HasPrefix(head, bomUTF8):
		raw.Discard(len(bomUTF8))
	case bytes.HasPrefix(head, bomUTF16LE):
		src = transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, bomUTF16BE):
		src = transform.NewReader(raw, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	default:
		// UTF-16 without a byte-order mark is rare but unmistakable: a
		// zero byte beside every ASCII character.
		peek, _ := raw.Peek(512)
		if e, ok := sniffUTF16(peek); ok {
			src = transform.NewReader(raw, unicode.UTF16(e, unicode.IgnoreBOM).NewDecoder())
		}
	}
	in := &input{lim: &limiter{r: src, max: math.MaxInt64}}
	in.v = newUTF8Reader(in.lim, validate)
	in.br = bufio.NewReaderSize(in.v, bufSize)
	return in, nil
}

// sniffUTF16 recognizes UTF-16 text without a byte-order mark: mostly ASCII
// characters, each with a zero byte on the same side.
func sniffUTF16(b []byte) (unicode.Endianness, bool) {
	pairs := len(b) / 2
	if pairs < 2 {
		return unicode.LittleEndian, false
	}
	le, be := 0, 0
	for i := 0; i+1 < len(b); i += 2 {
		switch {
		case b[i] != 0 && b[i+1] == 0:
			le++
		case b[i] == 0 && b[i+1] != 0:
			be++
		}
	}
	switch {
	case le*4 >= pairs*3 && be == 0:
		return unicode.LittleEndian, true
	case be*4 >= pairs*3 && le == 0:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

// decodePeek turns the first bytes of a file into UTF-8 text for Detect,
// as newInput would, tolerating a cut at the end.
func decodePeek(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return b[len(bomUTF8):]
	case bytes.HasPrefix(b, bomUTF32LE), bytes.HasPrefix(b, bomUTF32BE):
		return nil
	case bytes.HasPrefix(b, bomUTF16LE):
		return decodeUTF16(b[2:], unicode.LittleEndian)
	case bytes.HasPrefix(b, bomUTF16BE):
		return decodeUTF16(b[2:], unicode.BigEndian)
	}
	if e, ok := sniffUTF16(b); ok {
		return decodeUTF16(b, e)
	}
	return b
}

func decodeUTF16(b []byte, e unicode.Endianness) []byte {
	b = b[:len(b)&^1]
	out, _, _ := transform.Bytes(unicode.UTF16(e, unicode.IgnoreBOM).NewDecoder(), b)
	return out
}

// limiter fails reads past max, which format readers move forward record
// by record: it is what keeps a 2 GB line from being read into memory.
type limiter struct {
	r   io.Reader
	n   int64 // bytes delivered so far
	max int64
}

func (l *limiter) Read(p []byte) (int, error) {
	if l.n >= l.max {
		return 0, errLimit
	}
	if rest := l.max - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// window lets a record of up to MaxRecordSize bytes be read from offset
// start (bytes delivered to the format reader), plus what the buffers
// between the limiter and the format reader may hold ahead of it.
func (l *limiter) window(start int64) {
	l.max = start + MaxRecordSize + 3*bufSize
}

// utf8Reader passes UTF-8 text through and fails at the first byte that is
// not, naming its line. It validates a buffer at a time and holds back a
// character split across reads.
type utf8Reader struct {
	src  io.Reader
	buf  []byte
	r, v int // buf[r:v] is checked and ready; buf[v:w] is an incomplete character
	w    int
	line int  // the line of the next byte checked
	off  bool // pass everything, counting lines only
	err  error
}

func newUTF8Reader(src io.Reader, validate bool) *utf8Reader {
	return &utf8Reader{src: src, buf: make([]byte, bufSize), line: 1, off: !validate}
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	for u.r == u.v {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.buf[u.r:u.v])
	u.r += n
	return n, nil
}

func (u *utf8Reader) fill() {
	u.w = copy(u.buf, u.buf[u.v:u.w])
	u.r, u.v = 0, 0
	m, err := u.src.Read(u.buf[u.w:])
	u.w += m
	end := u.w
	if err != io.EOF {
		// More may come: keep an incomplete character for the next read.
		end = fullRunes(u.buf[:u.w])
	}
	if u.off {
		end = u.w
	}
	chunk := u.buf[:end]
	if !u.off && !utf8.Valid(chunk) {
		i := firstInvalid(chunk)
		u.line += bytes.Count(chunk[:i], []byte{'\n'})
		u.v = i
		u.err = &FileError{
			Pos:  fmt.Sprintf("line %d", u.line),
			Kind: ErrEncoding,
			Msg:  fmt.Sprintf("not valid UTF-8 text (byte 0x%02X): save the file as UTF-8", chunk[i]),
		}
		return
	}
	u.line += bytes.Count(chunk, []byte{'\n'})
	u.v = end
	if err != nil {
		u.err = err
	}
}

// fullRunes returns the length of b without an incomplete UTF-8 sequence at
// its end.
func fullRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// readLine returns the next physical line without its "\n" or "\r\n". The
// line is valid until the next call. A line longer than MaxRecordSize is a
// fatal error, found without reading the rest of it.
func (in *input) readLine() ([]byte, error) {
	line, err := in.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		in.lineBuf = append(in.lineBuf[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(in.lineBuf) > MaxRecordSize {
				return nil, in.fatal(fmt.Sprintf("line %d", in.line+1), errLimit)
			}
			line, err = in.br.ReadSlice('\n')
			in.lineBuf = append(in.lineBuf, line...)
		}
		line = in.lineBuf
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		return nil, in.fatal(fmt.Sprintf("line %d", in.line+1), err)
	}
	in.line++
	if len(line) > MaxRecordSize+2 {
		return nil, in.fatal(fmt.Sprintf("line %d", in.line), errLimit)
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

// fatal turns a read error into the error a Reader returns: the limiter's
// into ErrTooLong at pos; io.EOF, FileErrors and the underlying reader's
// errors as they are.
func (in *input) fatal(pos string, err error) error {
	if errors.Is(err, errLimit) {
		return &FileError{Pos: pos, Kind: ErrTooLong, Msg: "longer than 1 MiB, the most one record may take"}
	}
	return err
}
