package contacts

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The product's one rule for characters that are not seen: text is stored
// as it was given (a name from a phone may hold a zero-width joiner between
// two emoji, a Persian name a zero-width non-joiner), and it is never shown
// raw. Every place that shows stored text to a person (tables, the detail
// view, caller ID, messages, the web page) writes each such character as a
// visible escape, \u200b; JSON writes it as the JSON escape \u200b, which
// any JSON reader turns back into the same text. So "Ada\u200b Boss" can
// never pass for "Ada Boss", and nothing a terminal would act on reaches it.

// Invisible reports whether r must not be shown raw: the C0 and C1 control
// characters and DEL; the format characters (Unicode category Cf: the
// zero-width space, non-joiner and joiner, the word joiner, the soft
// hyphen, the bidirectional controls that reorder text, the byte-order
// mark, the tag characters U+E0000–U+E007F, …); the line and paragraph
// separators; and the fillers and other characters that show as nothing
// (the Hangul fillers, U+180E, U+034F).
func Invisible(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true // C1 controls
	}
	switch r {
	case '\u00ad', '\u034f', '\u115f', '\u1160', '\u17b4', '\u17b5', '\u180e', '\u2028', '\u2029', '\u3164', '\uffa0':
		return true
	}
	if r >= 0xe0000 && r <= 0xe0fff {
		return r <= 0xe007f // the tag characters, assigned or not
	}
	return unicode.Is(unicode.Cf, r)
}

// HasInvisible reports whether s holds an invisible character or a byte
// that is not UTF-8.
func HasInvisible(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Invisible(r) {
			return true
		}
		i += size
	}
	return false
}

// EscapeInvisible returns s with every invisible character written as a
// visible escape: \x1b for one below U+0080, \u200b up to U+FFFF,
// \U000e0041 above; a byte that is not UTF-8 as \xff. keep lists the
// characters to leave as they are (a detail view keeps "\n").
func EscapeInvisible(s string, keep string) string {
	if !HasInvisible(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			appendHex(&b, `\x`, rune(s[i]), 2)
		case !Invisible(r) || strings.ContainsRune(keep, r):
			b.WriteString(s[i : i+size])
		case r < 0x80:
			appendHex(&b, `\x`, r, 2)
		case r <= 0xffff:
			appendHex(&b, `\u`, r, 4)
		default:
			appendHex(&b, `\U`, r, 8)
		}
		i += size
	}
	return b.String()
}

func appendHex(b *strings.Builder, prefix string, r rune, digits int) {
	b.WriteString(prefix)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>uint(shift))&0xf])
	}
}
