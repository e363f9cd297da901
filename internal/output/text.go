// Package output renders contacts for people (aligned tables and a detail
// view, safe for a terminal) and for scripts (JSON). It never touches SQL.
package output

import (
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/phoneinc/contacts"
)

// Safe makes stored text safe to print on a terminal, by the product's one
// rule (contacts.Invisible): no control, format or other invisible
// character, and no invalid byte, reaches it raw; each is shown as a visible
// escape (\x1b, \u200b, \u202e). A newline is kept when multiline, else
// shown as ↵; a tab becomes a space.
func Safe(s string, multiline bool) string {
	if !contacts.HasInvisible(s) {
		return s
	}
	s = contacts.EscapeInvisible(s, "\n\t")
	if !multiline {
		s = strings.ReplaceAll(s, "\n", "↵ ")
	}
	return strings.ReplaceAll(s, "\t", " ")
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
