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
