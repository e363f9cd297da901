package contacts

import (
	"crypto/rand"
	"strings"

	"github.com/oklog/ulid/v2"
)

// Contact ids are ULIDs with cryptographic entropy, so that an id seen by
// one API key tells nothing about the next. The reader is monotonic, so ids
// made by one process sort in the order they were made.
var entropy = &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)}

// NewID returns a new contact id: a ULID, 26 upper-case characters.
func NewID() string {
	return ulid.MustNew(ulid.Now(), entropy).String()
}

// ParseID reads a contact id in any case and returns it in its canonical
// upper-case form.
func ParseID(s string) (string, bool) {
	if len(s) != ulid.EncodedSize {
		return "", false
	}
	id, err := ulid.ParseStrict(strings.ToUpper(s))
	if err != nil {
		return "", false
	}
	return id.String(), true
}

// IDPrefix reads the start of a contact id, as typed in any case, and
// returns it upper-case: at most 26 characters of the ULID alphabet
// (Crockford's base 32, without I, L, O and U), the first of them 0–7.
// false for "" and for anything no id starts with.
func IDPrefix(s string) (string, bool) {
	if s == "" || len(s) > ulid.EncodedSize {
		return "", false
	}
	p := strings.ToUpper(s)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case i == 0 && (c < '0' || c > '7'): // a ULID's time fits in 48 bits
			return "", false
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z' && !strings.ContainsRune("ILOU", rune(c)):
		default:
			return "", false
		}
	}
	return p, true
}
