package contacts

import "strconv"

// MaxExcerpt is how many characters of a value an error message quotes.
const MaxExcerpt = 40

// Excerpt quotes s for an error message: Go-quoted, so that control,
// invisible and bidirectional characters and bytes that are not UTF-8 show
// escaped, and cut to its first MaxExcerpt characters, with "…" after the
// closing quote, when it is longer. An error message that names a value it
// refuses names it by its excerpt: a message stays short and on one line
// whatever was sent (a server echoes none of a megabyte-long value).
func Excerpt(s string) string {
	n := 0
	for i := range s {
		if n == MaxExcerpt {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}
