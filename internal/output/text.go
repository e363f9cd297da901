// Package output renders contacts for people (aligned tables and a detail
// view, safe for a terminal) and for scripts (JSON). It never touches SQL.
package output

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Safe makes stored text safe to print on a terminal: no control character,
// bidirectional override or invalid byte reaches it raw. Each is shown as a
// visible escape (\x1b, \u202e). A newline is kept when multiline, else
// shown as ↵; a tab becomes a space.
func Safe(s string, multiline bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r == '\t' || r == '\n' || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case r == '\n':
			b.WriteString("↵ ")
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x80 && unsafeRune(r):
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case unsafeRune(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>uint(shift))&0xf])
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

const hex = "0123456789abcdef"

// unsafeRune reports the characters a terminal would act on rather than
// show: C0 and C1 controls, DEL, and the invisible formatting characters
// that reorder or hide text (bidi overrides and isolates, line separators).
func unsafeRune(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F', r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069',
		r == '\u2028', r == '\u2029', r == '\uFEFF':
		return true
	}
	return false
}

// width is the number of terminal columns s takes.
func width(s string) int { return runewidth.StringWidth(s) }

// truncate shortens s to at most w columns, ending with … when cut.
func truncate(s string, w int) string {
	if width(s) <= w {
		return s
	}
	return runewidth.Truncate(s, w, "…")
}
