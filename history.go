package contacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// EPRECONDITION is the code of a write whose precondition failed: the
// contact changed since the writer read it (HTTP 412, exit 5).
const EPRECONDITION = "precondition_failed"

// Actor is who makes a write: the CLI and the operating system's user, or
// the server and the API key of the request (its id and name, never its
// secret).
type Actor struct {
	Via     string `json:"via"`  // "cli" or "server"
	User    string `json:"user"` // the OS user of the CLI, "" when unknown
	KeyID   string `json:"key_id,omitempty"`
	KeyName string `json:"key_name,omitempty"`
}

// String is the actor as a listing shows it: "cli alice", "server key
// 01J… (front desk)".
func (a Actor) String() string {
	switch {
	case a.Via == "":
		return "unknown"
	case a.KeyID != "":
		s := a.Via + " key " + a.KeyID
		if a.KeyName != "" {
			s += " (" + a.KeyName + ")"
		}
		return s
	case a.User != "":
		return a.Via + " " + a.User
	}
	return a.Via
}

// OpInfo is what a write's caller says of the operation it makes: its kind
// ("add", "edit", "rm", "import", "sync", "POST /v1/contacts", …), a
// summary for people ("import crm.csv") and who makes it.
type OpInfo struct {
	Kind    string
	Summary string
	Actor   Actor
}

type opKey struct{}

// WithOperation returns ctx carrying op: the writes made with it are
// recorded in the book's history as one operation of op's kind and actor
// (each call of a Service method is one operation).
func WithOperation(ctx context.Context, op OpInfo) context.Context {
	return context.WithValue(ctx, opKey{}, op)
}

// OperationFrom returns the OpInfo ctx carries.
func OperationFrom(ctx context.Context) (OpInfo, bool) {
	op, ok := ctx.Value(opKey{}).(OpInfo)
	return op, ok
}

// Operation is one recorded operation: everything one write of the book
// changed, in one transaction, which `undo` reverts as a unit.
type Operation struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Summary string    `json:"summary"`
	Actor   Actor     `json:"actor"`
	At      time.Time `json:"at"`
	// Undoes is the operation this one reverted, "" for none.
	Undoes string `json:"undoes"`
	// Changes is how many contacts it changed.
	Changes int `json:"changes"`
}

// The kinds of a Revision.
const (
	RevisionCreate = "create"
	RevisionUpdate = "update"
	RevisionDelete = "delete"
)

// Revision is one change to one contact: what it was before (nil when the
// change created it) and after (nil when the change deleted it).
type Revision struct {
	Operation *Operation `json:"operation"`
	ContactID string     `json:"contact_id"`
	Kind      string     `json:"kind"` // RevisionCreate, RevisionUpdate or RevisionDelete
	Before    *Contact   `json:"before"`
	After     *Contact   `json:"after"`
}

// OperationFilter selects operations for a listing.
type OperationFilter struct {
	Since time.Time // only those at or after it, when not zero
	Limit int       // at most this many, when positive
}

// HistoryStats says how much history a book keeps.
type HistoryStats struct {
	Operations int       `json:"operations"`
	Changes    int       `json:"changes"`
	Oldest     time.Time `json:"oldest"`
	Retention  string    `json:"retention"`
	Bytes      int64     `json:"bytes"` // the book's files, history included
}

// History is a book that records every change to its contacts.
type History interface {
	// Operations calls fn with the operations f selects, newest first.
	Operations(ctx context.Context, f OperationFilter, fn func(*Operation) error) error
	// ContactHistory returns the revisions of the contact ref names (its
	// id, or a phone number it has or had, even once deleted), oldest
	// first. ENOTFOUND when the book has no record of it.
	ContactHistory(ctx context.Context, ref string) ([]*Revision, error)
	// Undo reverts the operation with id ("" for the last one) as one new
	// operation, and returns it. ENOTFOUND for an unknown operation or an
	// empty history; ECONFLICT, listing the contacts, when a later
	// operation changed a contact it changed (force reverts anyway), or
	// when a number it would give back is taken.
	Undo(ctx context.Context, id string, force bool) (*Operation, error)
	// Restore brings the deleted contact with id back, with its id,
	// fields and created_at. ENOTFOUND when no deleted contact has that
	// id; ECONFLICT naming the contact that has its number now.
	Restore(ctx context.Context, id string) (*Contact, error)
	// HistoryStats says how much history the book keeps.
	HistoryStats(ctx context.Context) (HistoryStats, error)
}

// ETag is the entity tag of a contact as it is now: a hash of everything
// it holds, so that any change gives another (HTTP ETag and If-Match).
func ETag(c *Contact) string {
	sum := sha256.Sum256(c.AppendJSON(nil))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

type ifMatchKey struct{}

// WithIfMatch returns ctx carrying a precondition on the one contact that
// the writes made with it change: that its ETag is etag (the version the
// writer read). The write is then EPRECONDITION when the contact changed
// meanwhile.
func WithIfMatch(ctx context.Context, etag string) context.Context {
	return context.WithValue(ctx, ifMatchKey{}, etag)
}

// IfMatchFrom returns the precondition ctx carries.
func IfMatchFrom(ctx context.Context) (string, bool) {
	e, ok := ctx.Value(ifMatchKey{}).(string)
	return e, ok && e != ""
}
