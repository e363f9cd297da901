package contacts

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// CheckJSONObject checks the raw text of one JSON object, a contact as a
// file or a request body gives it, for what encoding/json lets pass
// without a word:
//
//   - a key given twice: encoding/json keeps the last value. Keys are
//     compared as encoding/json matches them to a struct's fields, after
//     unescaping and ignoring case, so "name" and "Name" are the same key;
//   - a \u escape of half a UTF-16 surrogate pair (\ud800 not followed by
//     \udc00 to \udfff, or one of these alone): encoding/json reads it as
//     U+FFFD. The whole value of each key is checked, nested values too.
//
// Both are invalid input: the error is an EINVALID *Error whose Field is
// the key at fault, "" for a bad escape in a key itself. It returns nil
// for an object with neither, and for text that is not a JSON object:
// that is the decoder's to report, and raw is expected to have passed it.
func CheckJSONObject(raw []byte) *Error {
	s := jsonScanner{b: raw}
	s.space()
	if !s.eat('{') {
		return nil
	}
	var (
		small [16][]byte
		keys  = small[:0]    // the keys so far, unescaped
		index map[string]int // folded key -> index, once there are many
	)
	for {
		s.space()
		if s.eat('}') || s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil
		}
		start := s.i
		if esc := s.str(); esc != "" {
			return &Error{Code: EINVALID, Message: "a key holds " + esc + ", half of a UTF-16 surrogate pair, not a character"}
		}
		key := unquoteKey(s.b[start:s.i])
		s.space()
		if !s.eat(':') {
			return nil
		}
		s.space()
		if esc := s.value(); esc != "" {
			return FieldErrorf(fieldName(string(key)), "%s is half of a UTF-16 surrogate pair, not a character", esc)
		}
		prev := -1
		if index != nil {
			if i, ok := index[foldKey(key)]; ok {
				prev = i
			}
		} else {
			for i, k := range keys {
				// bytes.EqualFold is how encoding/json matches a key to a
				// field.
				if bytes.EqualFold(k, key) {
					prev = i
					break
				}
			}
		}
		if prev >= 0 {
			first, again := string(keys[prev]), string(key)
			if first == again {
				return FieldErrorf(fieldName(first), "given twice in one object")
			}
			return FieldErrorf(fieldName(first), "given twice in one object, as %s and %s", quoteKey(first), quoteKey(again))
		}
		keys = append(keys, key)
		if index == nil && len(keys) > len(small) {
			index = make(map[string]int, 2*len(keys))
			for i, k := range keys {
				index[foldKey(k)] = i
			}
		} else if index != nil {
			index[foldKey(key)] = len(keys) - 1
		}
		s.space()
		if !s.eat(',') {
			return nil // '}', or not JSON
		}
	}
}

// jsonScanner walks JSON text that is expected to be valid; on text that
// is not, it stops without panicking.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str skips the string at s.i (its opening quote) and returns the first
// \u escape in it that is half a surrogate pair, "" when there is none.
func (s *jsonScanner) str() string {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.i++
			return ""
		case '\\':
			if s.i+1 < len(s.b) && s.b[s.i+1] == 'u' {
				r, ok := hex4(s.b, s.i+2)
				switch {
				case !ok:
					s.i += 2
				case r >= 0xd800 && r <= 0xdbff:
					// A high half must be followed at once by a low one.
					if s.i+7 < len(s.b) && s.b[s.i+6] == '\\' && s.b[s.i+7] == 'u' {
						if lo, ok := hex4(s.b, s.i+8); ok && lo >= 0xdc00 && lo <= 0xdfff {
							s.i += 12
							continue
						}
					}
					return string(s.b[s.i : s.i+6])
				case r >= 0xdc00 && r <= 0xdfff:
					return string(s.b[s.i : s.i+6])
				default:
					s.i += 6
				}
				continue
			}
			s.i += 2
		default:
			s.i++
		}
	}
	return ""
}

// value skips the value at s.i and returns the first bad escape in any of
// its strings, "" when there is none.
func (s *jsonScanner) value() string {
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if esc := s.str(); esc != "" {
				return esc
			}
			if depth == 0 {
				return ""
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return "" // the end of the enclosing object: not valid JSON
			}
			depth--
			if depth == 0 {
				s.i++
				return ""
			}
		case ',':
			if depth == 0 {
				return ""
			}
		}
		s.i++
	}
	return ""
}

// hex4 reads the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// unquoteKey returns the text of a key, q with its quotes; it is q's own
// memory unless the key holds an escape.
func unquoteKey(q []byte) []byte {
	if bytes.IndexByte(q, '\\') >= 0 {
		var k string
		if json.Unmarshal(q, &k) == nil {
			return []byte(k)
		}
	}
	if len(q) >= 2 {
		return q[1 : len(q)-1]
	}
	return nil
}

// foldKey folds a key so that two keys fold alike exactly when
// bytes.EqualFold holds, as encoding/json folds a field's name.
func foldKey(k []byte) string {
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); {
		r, n := utf8.DecodeRune(k[i:])
		i += n
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b = append(b, byte(r))
			continue
		}
		b = utf8.AppendRune(b, unicode.ToUpper(unicode.ToLower(r)))
	}
	return string(b)
}

// fieldName is the field an error names for key: the key, or when it is
// long a quoted start of it, so that a message never repeats a huge key.
func fieldName(k string) string {
	if len(k) > 64 {
		return quoteKey(k)
	}
	return k
}

// quoteKey quotes a key for a message, cut short when it is long.
func quoteKey(k string) string {
	const max = 40
	if utf8.RuneCountInString(k) > max {
		n := 0
		for i := range k {
			if n == max {
				return strconv.QuoteToASCII(k[:i]) + "…"
			}
			n++
		}
	}
	return strconv.QuoteToASCII(k)
}
