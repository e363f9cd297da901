package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/phoneinc/contacts"
)

// Defaults of BooksOptions.
const (
	// DefaultMaxBooks bounds the books a server keeps open at once.
	DefaultMaxBooks = 64
	// DefaultIdleTimeout is how long a book with no request stays open.
	DefaultIdleTimeout = 5 * time.Minute
	// DefaultScanInterval is how often idle books are closed and the data
	// directory is read again for new or changed books.
	DefaultScanInterval = 10 * time.Second
)

// ErrBooksClosed is returned by Books after Close.
var ErrBooksClosed = errors.New("the books are closed")

// BooksOptions configure NewBooks.
type BooksOptions struct {
	// Region is the default region of every book (see Options.Region).
	Region string
	// MaxOpen bounds the books open at once; 0 means DefaultMaxBooks.
	// When every open book has a request in flight, a request for another
	// book waits until one of them is free to close.
	MaxOpen int
	// ConnsPerBook is the SQLite connections of each book (see
	// Options.MaxConns); 0 means 4 per core.
	ConnsPerBook int
	// IdleTimeout closes a book that had no request for that long; 0
	// means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// ScanInterval is how often idle books are looked for and the key
	// sets refreshed; 0 means DefaultScanInterval.
	ScanInterval time.Duration
	// HistoryRetention is the books' (see Options.HistoryRetention).
	HistoryRetention time.Duration
}

func (o BooksOptions) withDefaults() BooksOptions {
	if o.MaxOpen <= 0 {
		o.MaxOpen = DefaultMaxBooks
	}
	if o.ConnsPerBook <= 0 {
		o.ConnsPerBook = DefaultConnsPerBook()
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.ScanInterval <= 0 {
		o.ScanInterval = DefaultScanInterval
	}
	return o
}

// DefaultConnsPerBook is a few connections per core: enough to keep the
// cores busy while some requests wait on the disk or on the writer.
// Without a bound, a burst of requests would each open a connection (and
// read the schema) only to close most of them again, which costs more
// than the lookups themselves.
func DefaultConnsPerBook() int { return 4 * runtime.GOMAXPROCS(0) }

// BookDescriptors is the most file descriptors one open book holds
// between requests, with conns connections: the main file and the WAL of
// each connection, the shared-memory file, the WAL stamp, and the one idle
// connection of the listings' pool. A listing in flight holds two more,
// which count against the request that holds it.
func BookDescriptors(conns int) int { return 2*conns + 4 }

// KeyReadDescriptors is the most file descriptors a read of a key set
// holds, beyond the open books: one at a time, and only while it reads.
const KeyReadDescriptors = 3

// Descriptors is the most file descriptors books of these options hold
// between requests.
func (o BooksOptions) Descriptors() int {
	o = o.withDefaults()
	return o.MaxOpen*BookDescriptors(o.ConnsPerBook) + KeyReadDescriptors
}

// Books is the cache of open books that a server keeps over a data
// directory: each company's book is opened once and shared between
// requests (a DB is a connection pool), at most MaxOpen at once, the least
// recently used one with no request in flight closed to make room, and
// idle ones closed after IdleTimeout. So the file descriptors it holds are
// bounded (BooksOptions.Descriptors) whatever clients ask for.
//
// It also checks API keys (CheckKey) without opening a book for a key
// that is not in it. It is safe for concurrent use.
type Books struct {
	dir  string
	opts BooksOptions
	now  func() time.Time

	mu     sync.Mutex
	open   map[string]*bookEntry
	freed  chan struct{} // closed, and replaced, when an entry may be free
	closed bool

	setsMu sync.Mutex
	sets   map[string]*keySet
	// readMu serializes the reads of key sets, so that a flood of wrong
	// keys holds at most one extra file open.
	readMu sync.Mutex

	stop context.CancelFunc
	done chan struct{}
}

// bookEntry is one company's book, or the opening of it in progress:
// requests that want it meanwhile wait on ready rather than open it again.
type bookEntry struct {
	company string
	ready   chan struct{}
	db      *DB
	err     error
	refs    int       // requests using it, and the one opening it
	used    time.Time // when its last request ended
	gone    bool      // out of the map: closed when refs drops to 0
}

// NewBooks returns the books of dir. It opens none until asked, never
// creates one, and starts a goroutine that closes idle books and keeps
// the key sets of dir's books current, until Close.
func NewBooks(dir string, opts BooksOptions) *Books {
	ctx, cancel := context.WithCancel(context.Background())
	b := &Books{
		dir: dir, opts: opts.withDefaults(), now: time.Now,
		open: map[string]*bookEntry{}, freed: make(chan struct{}),
		sets: map[string]*keySet{},
		stop: cancel, done: make(chan struct{}),
	}
	go b.run(ctx)
	return b
}

// Options returns the options in effect, defaults filled in.
func (b *Books) Options() BooksOptions { return b.opts }

// Len returns how many books are open, or being opened.
func (b *Books) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.open)
}

// Open returns company's book, opening it if it is not open, and a
// function to call when the caller is done with it; until then the book
// stays open. ErrNoBook when the company has no book: Open never makes
// one. When MaxOpen books are open and every one has a request in flight,
// it waits for one to be free, or for ctx.
func (b *Books) Open(ctx context.Context, company string) (*DB, func(), error) {
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, nil, ErrBooksClosed
		}
		if e, ok := b.open[company]; ok {
			e.refs++
			b.mu.Unlock()
			return b.wait(ctx, e)
		}
		var victim *bookEntry
		if len(b.open) >= b.opts.MaxOpen {
			if victim = b.leastRecentlyUsed(); victim == nil {
				freed := b.freed
				b.mu.Unlock()
				select {
				case <-freed:
					continue
				case <-ctx.Done():
					return nil, nil, ctx.Err()
				}
			}
			delete(b.open, victim.company)
			victim.gone = true
		}
		e := &bookEntry{company: company, ready: make(chan struct{}), refs: 1}
		b.open[company] = e
		b.mu.Unlock()
		if victim != nil {
			victim.db.Close() // before the new one opens: never more than MaxOpen
		}
		b.load(ctx, e)
		return b.wait(ctx, e)
	}
}

// leastRecentlyUsed returns the open book that has no request in flight
// and had its last one longest ago, or nil. b.mu is held.
func (b *Books) leastRecentlyUsed() *bookEntry {
	var lru *bookEntry
	for _, e := range b.open {
		if e.refs == 0 && e.db != nil && (lru == nil || e.used.Before(lru.used)) {
			lru = e
		}
	}
	return lru
}

func (b *Books) load(ctx context.Context, e *bookEntry) {
	defer close(e.ready)
	path, err := Path(b.dir, e.company)
	if err == nil {
		// Others may be waiting on this entry: the first request going
		// away must not fail their open.
		e.db, err = Open(context.WithoutCancel(ctx), path, Options{Region: b.opts.Region, MaxConns: b.opts.ConnsPerBook, HistoryRetention: b.opts.HistoryRetention})
	}
	if err != nil && !errors.Is(err, ErrNoBook) {
		err = fmt.Errorf("open the book of %s: %w", e.company, err)
	}
	e.err = err
	if err != nil {
		// A failure is not kept: a company whose book is made later, or
		// whose file was briefly busy, is found on the next request.
		b.mu.Lock()
		if b.open[e.company] == e {
			delete(b.open, e.company)
			e.gone = true
		}
		b.signal()
		b.mu.Unlock()
	}
}

func (b *Books) wait(ctx context.Context, e *bookEntry) (*DB, func(), error) {
	select {
	case <-e.ready:
	case <-ctx.Done():
		b.release(e, true)
		return nil, nil, ctx.Err()
	}
	if e.err != nil {
		b.release(e, true)
		return nil, nil, e.err
	}
	var once sync.Once
	return e.db, func() { once.Do(func() { b.release(e, true) }) }, nil
}

// release ends one use of e; used says whether it counts as a use for
// the idle timeout and the LRU order.
func (b *Books) release(e *bookEntry, used bool) {
	b.mu.Lock()
	e.refs--
	if used {
		e.used = b.now()
	}
	var db *DB
	if e.refs == 0 {
		if e.gone {
			db, e.db = e.db, nil
		}
		b.signal()
	}
	b.mu.Unlock()
	if db != nil {
		db.Close()
	}
}

// signal wakes the requests waiting for a free entry. b.mu is held.
func (b *Books) signal() {
	close(b.freed)
	b.freed = make(chan struct{})
}

// peek returns company's book if it is open, without opening it or
// counting as a use, and a function to call when done.
func (b *Books) peek(company string) (*DB, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.open[company]
	if !ok {
		return nil, nil
	}
	select {
	case <-e.ready: // e.db is set, and is only changed under b.mu
	default:
		return nil, nil
	}
	if e.db == nil {
		return nil, nil
	}
	e.refs++
	var once sync.Once
	return e.db, func() { once.Do(func() { b.release(e, false) }) }
}

// closeIdle closes the books that had no request for IdleTimeout.
func (b *Books) closeIdle() {
	b.mu.Lock()
	var idle []*DB
	cutoff := b.now().Add(-b.opts.IdleTimeout)
	for company, e := range b.open {
		if e.refs == 0 && e.db != nil && !e.used.After(cutoff) {
			delete(b.open, company)
			e.gone = true
			idle = append(idle, e.db)
			e.db = nil
		}
	}
	if len(idle) > 0 {
		b.signal()
	}
	b.mu.Unlock()
	for _, db := range idle {
		db.Close()
	}
}

// run closes idle books and refreshes the key sets, until Close. The
// first scan reads the key set of every book in the directory, so that a
// wrong key is refused as fast for a company that exists as for one that
// does not from the start.
func (b *Books) run(ctx context.Context) {
	defer close(b.done)
	b.scan(ctx)
	t := time.NewTicker(b.opts.ScanInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.closeIdle()
			b.scan(ctx)
		}
	}
}

// Close closes every book. Books in use are closed when their last
// request ends. After Close, Open and CheckKey return ErrBooksClosed.
func (b *Books) Close() error {
	b.stop()
	<-b.done
	b.mu.Lock()
	b.closed = true
	var dbs []*DB
	for company, e := range b.open {
		delete(b.open, company)
		e.gone = true
		if e.refs == 0 && e.db != nil {
			dbs = append(dbs, e.db)
			e.db = nil
		}
	}
	b.signal()
	b.mu.Unlock()
	var errs []error
	for _, db := range dbs {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

// RejectedError is a rejected key whose company's book exists but could
// not be read: the caller gets the plain rejection (its Unwrap), and the
// operator's log the reason.
type RejectedError struct {
	Reason error
}

// Error says why, for a server's log: what a caller is told is only that
// the key is rejected (its code is EUNAUTHORIZED).
func (e *RejectedError) Error() string { return e.Reason.Error() }
func (e *RejectedError) Unwrap() error { return errKeyRejected }

// CheckKey authenticates secret, an API key, and returns the book of its
// company, open, with a function to call when done with it (see Open).
//
// A key names its company (see contacts.NewAPIKeySecret), and is checked
// against that company's own book, where its hash was stored: a key can
// only open the book that holds it. Before any book is opened, the key's
// hash is looked up in its company's key set, the hashes of the book's
// keys held in memory: a key that is not there is refused without opening
// the book, so that a wrong key creates no file and holds no descriptor,
// and the refusal costs the same (a hash, two lstat calls and a map
// lookup) whether or not the company has a book. A key in the set goes on
// to the open book's own CheckKey, which is authoritative: it sees a
// revocation made since the set was read.
//
// The set is read again only when the book's files changed (see keySet).
// Every refusal is the same EUNAUTHORIZED error, "API key rejected"; one
// from a book that exists but is not a readable contacts book (a symbolic
// link, a directory, another program's file) is a *RejectedError that
// also says why.
func (b *Books) CheckKey(ctx context.Context, secret string) (*DB, func(), error) {
	db, _, release, err := b.check(ctx, secret)
	return db, release, err
}

func (b *Books) check(ctx context.Context, secret string) (*DB, string, func(), error) {
	company, ok := contacts.APIKeyCompany(secret)
	if !ok {
		return nil, "", nil, errKeyRejected
	}
	path, err := Path(b.dir, company)
	if err != nil {
		return nil, "", nil, errKeyRejected
	}
	sum := sha256.Sum256([]byte(secret))
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, "", nil, ErrBooksClosed
	}

	ks := b.set(company)
	if !ks.has(sum) {
		// The refusal: the same steps whether or not the book exists.
		sig := statBook(path)
		if why := sig.unusable(path); why != nil {
			b.dropSet(company)
			if sig.db != nil {
				return nil, "", nil, &RejectedError{Reason: why}
			}
			return nil, "", nil, errKeyRejected
		}
		if !ks.current(sig) {
			ks = b.readSet(ctx, company, path)
		}
		if ks.err != nil {
			return nil, "", nil, &RejectedError{Reason: ks.err}
		}
		if !ks.has(sum) {
			return nil, "", nil, errKeyRejected
		}
	}

	db, release, err := b.Open(ctx, company)
	if errors.Is(err, ErrNoBook) {
		return nil, "", nil, errKeyRejected
	} else if err != nil {
		return nil, "", nil, err
	}
	id, err := db.CheckKey(ctx, secret)
	if err != nil {
		release()
		if contacts.ErrorCode(err) == contacts.EUNAUTHORIZED {
			// Revoked since the set was read: read it again next time.
			b.dropSet(company)
		}
		return nil, "", nil, err
	}
	return db, id, release, nil
}

// Authenticate implements contacts.Library: the book of the company that
// secret belongs to, by CheckKey. The key is given by its id; its name is
// the book's to look up.
func (b *Books) Authenticate(ctx context.Context, secret string) (contacts.Book, *contacts.APIKey, func(), error) {
	db, id, release, err := b.check(ctx, secret)
	if err != nil {
		return nil, nil, nil, err
	}
	return keyBook{db, contacts.Actor{Via: "server", KeyID: id}}, &contacts.APIKey{ID: id}, release, nil
}

// keyBook is a book as a request with an API key sees it: what it writes
// is recorded in the history as the server's, with the key's id (and the
// name the book has for it), whatever the request's context says.
type keyBook struct {
	*DB
	actor contacts.Actor
}

func (b keyBook) with(ctx context.Context) context.Context {
	op, _ := contacts.OperationFrom(ctx)
	op.Actor = b.actor
	return contacts.WithOperation(ctx, op)
}

func (b keyBook) CreateContact(ctx context.Context, in contacts.NewContact) (*contacts.Contact, error) {
	return b.DB.CreateContact(b.with(ctx), in)
}

func (b keyBook) UpdateContact(ctx context.Context, id string, upd contacts.ContactUpdate) (*contacts.Contact, error) {
	return b.DB.UpdateContact(b.with(ctx), id, upd)
}

func (b keyBook) DeleteContacts(ctx context.Context, ids []string) error {
	return b.DB.DeleteContacts(b.with(ctx), ids)
}

func (b keyBook) Import(ctx context.Context, opts contacts.ImportOptions, rows func(yield func(*contacts.ImportRow) error) error, report func(contacts.Problem)) (*contacts.ImportResult, error) {
	return b.DB.Import(b.with(ctx), opts, rows, report)
}

func (b keyBook) Undo(ctx context.Context, id string, force bool) (*contacts.Operation, error) {
	return b.DB.Undo(b.with(ctx), id, force)
}

func (b keyBook) Restore(ctx context.Context, id string) (*contacts.Contact, error) {
	return b.DB.Restore(b.with(ctx), id)
}

var _ contacts.Library = (*Books)(nil)
var (
	_ contacts.Book     = (*DB)(nil)
	_ contacts.Backuper = (*DB)(nil)
)

func (b *Books) set(company string) *keySet {
	b.setsMu.Lock()
	defer b.setsMu.Unlock()
	return b.sets[company]
}

func (b *Books) dropSet(company string) {
	b.setsMu.Lock()
	defer b.setsMu.Unlock()
	delete(b.sets, company)
}

// readSet reads company's key set, unless another request read it while
// this one waited for its turn, and keeps it.
func (b *Books) readSet(ctx context.Context, company, path string) *keySet {
	b.readMu.Lock()
	defer b.readMu.Unlock()
	if ks := b.set(company); ks.current(statBook(path)) {
		return ks
	}
	ks := b.readKeySet(ctx, company, path)
	b.setsMu.Lock()
	b.sets[company] = ks
	b.setsMu.Unlock()
	return ks
}

// scan reads the key sets of the directory's books that have none or an
// old one, and forgets those of books that are gone.
func (b *Books) scan(ctx context.Context) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, de := range entries {
		company, ok := strings.CutSuffix(de.Name(), ".db")
		if !ok || contacts.ValidateCompany(company) != nil || !de.Type().IsRegular() {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		seen[company] = true
		path, _ := Path(b.dir, company)
		sig := statBook(path)
		if sig.unusable(path) != nil || b.set(company).current(sig) {
			continue
		}
		b.readSet(ctx, company, path)
	}
	b.setsMu.Lock()
	for company := range b.sets {
		if !seen[company] {
			delete(b.sets, company)
		}
	}
	b.setsMu.Unlock()
}
