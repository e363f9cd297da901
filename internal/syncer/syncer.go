// Package syncer is the two-way sync of a company's book with one CardDAV
// address book (contacts sync): the engine, which decides what changed on
// either side since the last sync and what to do about it, and the CardDAV
// client it talks to the server with (dav.go).
//
// The engine never loses a card's data: it keeps each card's text as the
// server had it and, for a contact changed locally, rewrites only the
// properties a contact is made of (format.PatchCard); every upload is
// conditional (If-Match with the card's ETag, If-None-Match for a new
// card), and a card that changed on the server meanwhile (412) is fetched
// again and resolved as a conflict. Every local change of one sync, and
// the sync state, are applied in one transaction of the book (Local.Apply):
// a sync that fails half way leaves the book as it was, and the next one
// finds what the server already has.
package syncer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/phoneinc/contacts"
)

// CardState is what the book remembers of one card of the address book.
type CardState struct {
	Href string
	ETag string // unquoted
	// Text is the card as the server last had it (or as it was uploaded).
	Text []byte
	// ContactID is the contact the card is synced with; "" for a card that
	// was left alone (invalid, or its number held by another contact).
	ContactID string
	// Hash is ContactHash of the contact as last synced.
	Hash string
	// Pending is true when Text is a server version that was not applied
	// to the book (it was left alone): every sync looks at it again.
	Pending bool
}

// State is what the book remembers of one address book.
type State struct {
	URL      string // the address book's URL
	GivenURL string // the URL it was found from, when that is another one
	Token    string // the server's sync-token; "" when it offers none
	Cards    map[string]*CardState
}

// Op is what a change does.
type Op string

// The operations.
const (
	Create Op = "create"
	Update Op = "update"
	Delete Op = "delete"
)

// Change is one change of the local book that a sync makes.
type Change struct {
	Op Op
	// Contact is the contact to store (Create, Update: validated, with id
	// and timestamps) or to delete (Delete).
	Contact *contacts.Contact
	// Base is, for Update and Delete, the contact as the sync read it: the
	// change is not made, and reported, when the contact changed since.
	Base *contacts.Contact
	// Href is the card the change comes from.
	Href string
	// Card is the card's state once the change is made; nil drops it.
	Card *CardState
	// Skipped is the card's state when the change cannot be made (the
	// card is left alone); nil keeps what the book had.
	Skipped *CardState
}

// Problem is a change that Apply could not make: the card is left alone.
type Problem struct {
	Index     int // into the changes
	Code      string
	Field     string
	Message   string
	ContactID string // for a conflict, who holds the number
}

// Commit is what Apply stores besides the changes: the sync state.
type Commit struct {
	URL, GivenURL, Token string
	// Cards are the card states to store (the cards the sync uploaded,
	// matched or looked at), and Removed the hrefs whose state is dropped.
	Cards   []*CardState
	Removed []string
}

// Local is the book's side of a sync.
type Local interface {
	// LoadSync returns the sync state of the address book at url (the
	// address book's own URL, or the URL it was found from); nil when the
	// book has never synced with it.
	LoadSync(ctx context.Context, url string) (*State, error)
	// ListContacts calls fn with every contact.
	ListContacts(ctx context.Context, f contacts.ContactFilter, fn func(*contacts.Contact) error) error
	// ApplySync makes the changes and stores the sync state in one
	// transaction, all or nothing. A change that cannot be made (its
	// number is taken, the contact changed meanwhile) is a Problem, and
	// its Skipped state is stored instead; the others are made. The error
	// is for the whole (I/O, a damaged file): then nothing is written.
	ApplySync(ctx context.Context, changes []Change, commit Commit) ([]Problem, error)
}

// ContactHash identifies a contact's synced values (name, email, phone,
// company and note): a contact whose hash is no longer the one stored at
// the last sync changed locally.
func ContactHash(c *contacts.Contact) string {
	h := sha256.New()
	for _, v := range []*string{c.Name, c.Email, &c.Phone, c.CompanyName, c.Note} {
		if v == nil {
			h.Write([]byte{0})
			continue
		}
		h.Write([]byte{1})
		h.Write([]byte(*v))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// sameValues reports whether two contacts have the same synced values.
func sameValues(a, b *contacts.Contact) bool {
	return eq(a.Name, b.Name) && eq(a.Email, b.Email) && a.Phone == b.Phone && eq(a.CompanyName, b.CompanyName) && eq(a.Note, b.Note)
}

func eq(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
