package contacts

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FoldLetters writes the letters that have no accent to take off in
// their usual ASCII spelling: ø as o, æ as ae, œ as oe, ß as ss, đ and ð as
// d, ł as l, þ as th, ı as i, so that "soren" finds "Søren". The search's
// index folds text the same way (the view contacts_search_source of the
// store's migration 0003): the two must agree, and a book indexed with
// another folding needs its index rebuilt.
func FoldLetters(s string) string { return foldLetters.Replace(s) }

var foldLetters = strings.NewReplacer(
	"ø", "o", "Ø", "O", "æ", "ae", "Æ", "AE", "œ", "oe", "Œ", "OE", "ß", "ss", "ẞ", "SS",
	"đ", "d", "Đ", "D", "ð", "d", "Ð", "D", "ł", "l", "Ł", "L", "þ", "th", "Þ", "TH", "ı", "i",
)

// FoldWords splits s into words as the search does (runs of letters and
// digits; anything else separates), each lower-cased, without its accents
// and with its letters folded (FoldLetters): "Åse Müller-Berg" is
// [ase muller berg], "Søren Ærø" [soren aero].
func FoldWords(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(FoldLetters(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent of the letter before it
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return words
}

// WordsStartWith reports whether every word of typed starts a word of
// text, each a different one, in any case and with or without accents:
// "nik han" and "hansen" start "Niklas Hansen", "ik" does not. false when
// typed has no word.
func WordsStartWith(text, typed string) bool {
	want := FoldWords(typed)
	if len(want) == 0 {
		return false
	}
	have := FoldWords(text)
	used := make([]bool, len(have))
	// The longest typed words first, so that "n niklas" does not spend the
	// word niklas on n.
	for _, w := range sortedByLength(want) {
		found := false
		for i, h := range have {
			if !used[i] && strings.HasPrefix(h, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sortedByLength(words []string) []string {
	s := append([]string(nil), words...)
	for i := 1; i < len(s); i++ { // a few words: insertion sort
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
