package contacts

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendJSON appends c as a compact JSON object with the contact's nine keys,
// in the API's order. It is what MarshalJSON returns, written by hand so
// that a million-contact listing streams without reflection.
func (c *Contact) AppendJSON(b []byte) []byte { return c.AppendJSONIndent(b, "", "") }

// AppendJSONIndent appends c as JSON as json.MarshalIndent would lay it out:
// each key on its own line, starting with prefix and indented by indent.
// An empty indent gives the compact form.
func (c *Contact) AppendJSONIndent(b []byte, prefix, indent string) []byte {
	sep := ":"
	if indent != "" {
		sep = ": "
	}
	b = append(b, '{')
	key := func(first bool, k string) {
		if !first {
			b = append(b, ',')
		}
		if indent != "" {
			b = append(b, '\n')
			b = append(b, prefix...)
			b = append(b, indent...)
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"')
		b = append(b, sep...)
	}
	key(true, "id")
	b = appendJSONString(b, c.ID)
	key(false, "name")
	b = appendJSONOptional(b, c.Name)
	key(false, "email")
	b = appendJSONOptional(b, c.Email)
	key(false, "phone")
	b = appendJSONString(b, c.Phone)
	key(false, "phone_formatted")
	b = appendJSONString(b, c.PhoneFormatted)
	key(false, "company_name")
	b = appendJSONOptional(b, c.CompanyName)
	key(false, "note")
	b = appendJSONOptional(b, c.Note)
	key(false, "created_at")
	b = append(b, '"')
	b = AppendTime(b, c.CreatedAt)
	b = append(b, '"')
	key(false, "updated_at")
	b = append(b, '"')
	b = AppendTime(b, c.UpdatedAt)
	b = append(b, '"')
	if indent != "" {
		b = append(b, '\n')
		b = append(b, prefix...)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler.
func (c *Contact) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, 256)), nil
}

func appendJSONOptional(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. It escapes what
// encoding/json escapes (control characters, quotes, backslash, U+2028,
// U+2029; invalid UTF-8 becomes U+FFFD), and also every other character
// that Invisible reports (DEL, the C1 controls, the zero-width and bidi
// format characters, the tag characters), so that JSON printed on a
// terminal carries nothing the terminal would act on or hide, and a reader
// of the JSON gets the same text back. It does
// not escape <, > and &: this is not HTML, and a note reads "A&B".
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case Invisible(r):
			b = append(b, s[start:i]...)
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				b = appendJSONEscape(b, hi)
				b = appendJSONEscape(b, lo)
			} else {
				b = appendJSONEscape(b, r)
			}
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendJSONEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// AppendJSONString appends s as a JSON string literal.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s) }

// EscapeJSON rewrites JSON text as encoding/json writes it so that every
// character Invisible reports, inside its strings, is a JSON escape, as
// the contact's own JSON writes it: the same text for a JSON reader, and
// nothing hidden or acted on when printed on a terminal. (Outside strings
// JSON has only ASCII punctuation and white space, which it leaves.)
func EscapeJSON(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x80 && Invisible(r) || r == 0x7f {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r >= 0x80 && Invisible(r) && r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = appendJSONEscape(appendJSONEscape(out, hi), lo)
		case r >= 0x80 && Invisible(r) || r == 0x7f:
			out = appendJSONEscape(out, r)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}
