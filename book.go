package contacts

import (
	"context"
	"time"
)

// Searcher is a book whose contacts can be searched by words and digits.
type Searcher interface {
	// SearchContacts calls fn with the contacts that match query, best
	// first, at most limit of them. EUSAGE for a query with nothing to
	// look for.
	SearchContacts(ctx context.Context, query string, limit int, fn func(*Contact) error) error
}

// KeyService holds a company's API keys.
type KeyService interface {
	// CreateKey makes a key labelled name and returns it with its secret,
	// which is shown once and stored only as a hash.
	CreateKey(ctx context.Context, name string) (*APIKey, string, error)
	// ListKeys returns the keys, oldest first, without secrets.
	ListKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeKey deletes the key with id. ENOTFOUND when there is none.
	RevokeKey(ctx context.Context, id string) error
}

// Book is one company's address book with all that the local store
// offers; the HTTP client offers Service (and Searcher) only.
type Book interface {
	Service
	Searcher
	KeyService
	Importer
	History
}

// Backuper is a book that can be backed up while it is in use, and have
// a backup restored into it.
type Backuper interface {
	// Backup writes a consistent copy of the book to path, mode 0600.
	// EUSAGE for a path that exists, unless overwrite.
	Backup(ctx context.Context, path string, overwrite bool) error
	// RestoreBackup replaces what the book holds with the backup at src,
	// keeping the book as it was at aside. EINVALID for a file that is
	// not a book; ECONFLICT when the book changed after the backup's last
	// change, unless force.
	RestoreBackup(ctx context.Context, src, aside string, force bool) (*BackupInfo, error)
}

// BackupInfo is what a restored backup held.
type BackupInfo struct {
	Contacts   int       `json:"contacts"`
	LastChange time.Time `json:"last_change"` // its newest change, zero for none
	Aside      string    `json:"aside"`       // where the book as it was is kept
}

// BookInfo describes one company's book, for a listing of the books.
type BookInfo struct {
	Company    string     `json:"company"`
	Path       string     `json:"path"`
	Contacts   int        `json:"contacts"`
	Changes    int        `json:"history_changes"` // the changes its history keeps
	Bytes      int64      `json:"bytes"`           // its files, history included
	LastChange *time.Time `json:"last_change"`     // nil when it has none
	Error      string     `json:"error,omitempty"` // why it could not be read, when it could not
}

// Library is the books of a data directory, as a server serves them: a
// request reaches the book of the company its API key belongs to, and no
// other.
type Library interface {
	// Authenticate returns the book the secret opens, the key, and a
	// function to call when the request is done with the book.
	// EUNAUTHORIZED for a secret it does not take, whatever the reason,
	// so that a caller learns nothing from the refusal.
	Authenticate(ctx context.Context, secret string) (Book, *APIKey, func(), error)
	// Close closes every book.
	Close() error
}

type regionKey struct{}

// WithRegion returns ctx carrying region as the default region for the
// national numbers of the requests made with it: the region of a CLI in
// client mode, which the server reads national numbers in.
func WithRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// RegionFrom returns the region ctx carries, else fallback.
func RegionFrom(ctx context.Context, fallback string) string {
	if r, ok := ctx.Value(regionKey{}).(string); ok && r != "" {
		return r
	}
	return fallback
}
