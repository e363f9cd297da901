// Package store keeps a company's address book in a pure-Go SQLite file
// (modernc.org/sqlite), one file per company. It implements
// contacts.Service; every SQL statement of the product lives here.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/phoneinc/contacts"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ApplicationID marks a file as a contacts database (PRAGMA application_id):
// "CNTC" in ASCII.
const ApplicationID = 0x434E5443

// busyTimeout is how long a writer waits for another one before it gives
// up. An ordinary wait behind another process's write is milliseconds; an
// import of a million rows holds the lock for seconds.
const busyTimeout = 60 * time.Second

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrNoBook is returned by Open, without Create, when the company has no
// file yet. Reading never creates a file: callers treat it as an empty book.
var ErrNoBook = errors.New("no address book yet")

// Path returns the file of company's book in dir, after validating the
// company name (EUSAGE), so no path is ever built from a bad name.
func Path(dir, company string) (string, error) {
	if err := contacts.ValidateCompany(company); err != nil {
		return "", err
	}
	return filepath.Join(dir, company+".db"), nil
}

// Options configure Open.
type Options struct {
	// Region is the default region for national numbers (ISO 3166 alpha-2).
	Region string
	// Create makes a new book when there is none: in a temporary file
	// beside where it belongs (making the directory, mode 0700, if
	// needed), which reads as an empty book and which the first write that
	// commits puts in place, mode 0600. A first write that fails leaves
	// nothing behind. If another process makes the book meanwhile, the
	// write runs again on that book, which the DB uses from then on.
	// Until its first write, such a DB serves one goroutine at a time.
	// Without Create, a missing file is ErrNoBook.
	Create bool
	// Created, when set, is called with the book's path once a new book
	// made by Create is in place (not when another process made it
	// first): a command tells the user.
	Created func(path string)
	// MaxConns, when positive, bounds the connections the book holds
	// open, and keeps that many open between uses: what a server that
	// answers many requests at once sets, so that it neither opens a
	// connection per request nor one per request in flight. Requests past
	// the bound wait for a connection. 0 leaves the pool unbounded, with
	// a few idle connections kept.
	MaxConns int
	// HistoryRetention is how long the book's history keeps a change:
	// older ones are pruned as the book is written. 0 means
	// DefaultHistoryRetention; a negative value keeps them for ever.
	HistoryRetention time.Duration
}

// DefaultHistoryRetention is how long history is kept when Options do not
// say: 90 days.
const DefaultHistoryRetention = 90 * 24 * time.Hour

// DB is one company's address book.
type DB struct {
	db       *sql.DB
	path     string // the book, as messages name it
	file     string // the file open: path, or a new book's temporary file
	opts     Options
	region   string
	readOnly bool   // the book cannot be written here, for the reason roWhy
	roWhy    string // "its permissions do not let you write it", ...
	pend     *pending

	// Now returns the current time; tests replace it.
	Now func() time.Time

	// stmts holds the statements prepared once per book (see stmt): the
	// queries a server answers all day, which SQLite would otherwise parse
	// again on every request.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	// writeTurn is this process's turn to write (see beginWrite).
	writeTurn chan struct{}

	// streams is the pool of the reads that hold their connection while
	// their caller consumes the rows (a whole listing, a search): db
	// itself, unless Options.MaxConns bounds it, when it is a second,
	// unbounded pool, so that a few slow clients of a listing cannot
	// take every connection the lookups need.
	streams *sql.DB

	stamp stampFile // the WAL stamp (see walstamp.go)

	// nextPrune is when a write next looks for history past the
	// retention (see prune), by the book's clock; pruneMu guards it.
	pruneMu   sync.Mutex
	nextPrune time.Time
	keys      keyCache // keys that passed CheckKey
}

var _ contacts.Service = (*DB)(nil)

// Open opens the book at path, initializing an empty file and migrating an
// older schema. A file that is not a contacts database, that a newer
// version wrote, or that is not a plain file, is refused and left
// untouched, as is a book whose -wal, -shm or -journal is not a plain
// file. A book this process cannot write (its permissions, a read-only
// file system, a directory it cannot create files in) is opened for
// reading, and writes to it are refused, saying why.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	_, err = os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist) && opts.Create:
		return create(ctx, abs, opts)
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrNoBook
	case err != nil:
		return nil, pathError(abs, err)
	}
	return openBook(ctx, abs, abs, opts)
}

// openBook opens the book in file, which messages call path.
func openBook(ctx context.Context, file, path string, opts Options) (*DB, error) {
	opts.Create = false
	fi, err := os.Lstat(file)
	if err != nil {
		return nil, pathError(path, err)
	}
	if err := checkBookFile(path, fi); err != nil {
		return nil, err
	}
	if err := checkSideFiles(file); err != nil {
		return nil, err
	}
	// A book this user may not write (chmod 0400, another user's file, a
	// read-only mount or directory) is opened read-only and, when its
	// write-ahead log holds nothing, immutable: SQLite then reads it
	// without the -wal and -shm files a WAL reader otherwise makes beside
	// it, so reading touches nothing. A log that holds committed changes
	// must be read, which an immutable open would not do.
	roWhy, err := access(file)
	if err != nil {
		return nil, err
	}
	if roWhy == "" {
		fixSideFiles(file, fi.Mode().Perm())
	}

	for {
		db, err := openPools(file, path, opts, roWhy)
		if err != nil {
			return nil, err
		}
		err = db.initSchema(ctx)
		if err == nil {
			if opts.MaxConns > 0 && !db.readOnly {
				db.prepareWriter(ctx)
			}
			return db, nil
		}
		db.closePools()
		// On a full disk SQLite cannot make the -shm file a reader needs:
		// the book can still be read, as on read-only media, when its
		// write-ahead log holds nothing.
		if roWhy == "" && file == path && !walHasContent(file) && isIOErr(err) && noSpace(file) {
			roWhy = noSpaceWhy
			continue
		}
		return nil, db.openError(err)
	}
}

// openPools opens the connection pools of a book, read-only when roWhy
// says why the book cannot be written.
func openPools(file, path string, opts Options, roWhy string) (*DB, error) {
	// Per-connection settings go in the DSN, so that every pooled
	// connection has them. journal_mode is not among them: it is persistent
	// and set once, when the file is ours, so that a foreign file is never
	// written to.
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals in memory: the search triggers (migration 0003)
	// make every row written a statement with a journal, which an import
	// of a million rows otherwise writes to a temporary file, row by row.
	q.Add("_pragma", "temp_store(2)")
	if opts.MaxConns > 0 {
		// A server reads pages all day: mapped, a page read is a memory
		// read rather than a pread system call into the page cache.
		q.Add("_pragma", "mmap_size(1073741824)")
	}
	q.Set("_txlock", "immediate")
	if roWhy != "" {
		q.Set("mode", "ro")
		if !walHasContent(file) {
			q.Set("immutable", "1")
		}
	}
	dsn := (&url.URL{Scheme: "file", Path: file, RawQuery: q.Encode()}).String()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A server keeps several requests in the book at once. database/sql
	// keeps two idle connections by default and closes the others as they
	// come back, and opening one costs more than a lookup (the pragmas
	// above, the statements prepared again): keep enough of them.
	sdb.SetMaxIdleConns(maxIdleConns)
	streams := sdb
	if opts.MaxConns > 0 {
		sdb.SetMaxOpenConns(opts.MaxConns)
		sdb.SetMaxIdleConns(opts.MaxConns)
		if streams, err = sql.Open("sqlite", dsn); err != nil {
			sdb.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		streams.SetMaxIdleConns(1)
	}
	return &DB{db: sdb, path: path, file: file, opts: opts, region: opts.Region, readOnly: roWhy != "", roWhy: roWhy, Now: time.Now,
		stmts: map[string]*sql.Stmt{}, writeTurn: make(chan struct{}, 1), stamp: stampFile{path: file + "-shm"}, streams: streams}, nil
}

// noSpaceWhy is why a book on a full disk can only be read.
const noSpaceWhy = "there is no space left on its device"

// isIOErr reports whether SQLite failed to read or write a file.
func isIOErr(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_IOERR || se.Code()&0xff == sqlite3.SQLITE_FULL || se.Code()&0xff == sqlite3.SQLITE_CANTOPEN)
}

// isCantOpen reports whether SQLite could not open a file it needed.
func isCantOpen(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_CANTOPEN || se.Code() == sqlite3.SQLITE_READONLY_CANTINIT)
}

// Path returns the book's file.
func (db *DB) Path() string { return db.path }

// Close closes the book. SQLite checkpoints the WAL on the last close. A
// new book that no write put in place is removed.
func (db *DB) Close() error {
	err := db.closeAll()
	if db.pend != nil {
		db.pend.remove()
		db.pend = nil
	}
	return err
}

// closeAll closes the statements, the WAL stamp and the pools.
func (db *DB) closeAll() error {
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = nil // stmt refuses from now on
	db.stmtMu.Unlock()
	db.stamp.mu.Lock()
	db.stamp.close()
	db.stamp.mu.Unlock()
	return db.closePools()
}

func (db *DB) closePools() error {
	var err error
	if db.streams != db.db {
		err = db.streams.Close() // its connections first: the last close checkpoints
	}
	return errors.Join(err, db.db.Close())
}

// header is what the file says about itself.
type header struct {
	appID, version, objects int
	journalMode             string
	schema                  string // the names of schemaObjects it has, space-separated
}

// schemaObjects are the tables, indexes, views and triggers the
// migrations make, with the version that made each: a book of ours that
// lacks one is damaged, and is refused before any command uses it.
var schemaObjects = []struct {
	name  string
	since int
}{
	{"contacts", 1}, {"contacts_newest", 1},
	{"api_keys", 2},
	{"contacts_search_source", 3}, {"contacts_fts", 3}, {"contacts_phone_fts", 3}, {"contacts_search_queue", 3},
	{"contacts_search_insert", 3}, {"contacts_search_update", 3}, {"contacts_search_delete", 3},
	{"sync_books", 4}, {"sync_books_given", 4}, {"sync_cards", 4}, {"sync_cards_contact", 4},
	{"history_operations", 5}, {"history_changes", 5}, {"history_changes_contact", 5},
	{"history_changes_phone", 5}, {"history_changes_op", 5},
}

var headerQuery = func() string {
	names := make([]string, len(schemaObjects))
	for i, o := range schemaObjects {
		names[i] = "'" + o.name + "'"
	}
	return `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema),
		(SELECT journal_mode FROM pragma_journal_mode),
		(SELECT coalesce(group_concat(name, ' '), '') FROM sqlite_schema WHERE name IN (` + strings.Join(names, ", ") + `))`
}()

func readHeader(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (header, error) {
	var h header
	err := q.QueryRowContext(ctx, headerQuery).Scan(&h.appID, &h.version, &h.objects, &h.journalMode, &h.schema)
	return h, err
}

// missing returns the objects a book of its version should have and lacks.
func (h header) missing() []string {
	have := strings.Fields(h.schema)
	var missing []string
	for _, o := range schemaObjects {
		if o.since <= h.version && !slices.Contains(have, o.name) {
			missing = append(missing, o.name)
		}
	}
	return missing
}

// check refuses a file that is not ours, is newer than this binary, or is
// damaged. It reports whether the schema needs migrating.
func (db *DB) check(h header) (bool, error) {
	switch {
	case h.appID == 0 && h.objects == 0 && h.version == 0:
		return true, nil // empty: ours to initialize
	case h.appID == 0 && h.objects == 0:
		return false, fmt.Errorf("%s is not a contacts database (an SQLite file with no tables, marked with version %d by another program); it was left untouched", db.path, h.version)
	case h.appID != ApplicationID:
		return false, fmt.Errorf("%s is not a contacts database (it belongs to another program); it was left untouched", db.path)
	case h.version > len(migrations):
		return false, fmt.Errorf("%s was written by a newer version of contacts (schema %d; this binary knows %d); upgrade contacts to use it; it was left untouched", db.path, h.version, len(migrations))
	case h.version < 1:
		return false, fmt.Errorf("%s is damaged (marked as a contacts database, with schema version %d); restore it from a backup; it was left untouched", db.path, h.version)
	}
	if missing := h.missing(); len(missing) > 0 {
		return false, fmt.Errorf("%s is damaged (its schema, version %d, lacks %s); restore it from a backup; it was left untouched", db.path, h.version, strings.Join(missing, ", "))
	}
	return h.version < len(migrations), nil
}

// openError explains why the book could not be opened.
func (db *DB) openError(err error) error {
	if db.readOnly && isCantOpen(err) && walHasContent(db.file) {
		name := filepath.Base(db.path)
		return fmt.Errorf("cannot read %s: %s-wal holds changes not yet in the book, which SQLite reads only with %s-shm beside it, and it cannot make that file here (%s): open the book once where it can be written", db.path, name, name, db.roWhy)
	}
	return bookError(db.path, err)
}

// initSchema checks the file and makes it ready: migrated, in WAL mode.
func (db *DB) initSchema(ctx context.Context) error {
	h, err := readHeader(ctx, db.db)
	if err != nil {
		return err
	}
	pending, err := db.check(h)
	if err != nil {
		return err
	}
	if pending && db.readOnly && h.version >= readableSince {
		return nil // read as it is: what it lacks, reads do not need
	}
	if pending && db.readOnly {
		if h.objects == 0 {
			return fmt.Errorf("%s is empty, and it cannot be made a contacts book: %s", db.path, db.roWhy)
		}
		return fmt.Errorf("%s needs its schema upgraded (to version %d), and it is read-only (%s): open it once where it can be written", db.path, len(migrations), db.roWhy)
	}
	if pending {
		if err := db.migrate(ctx); err != nil {
			return err
		}
	} else if h.journalMode == "wal" || db.readOnly {
		return nil // the usual open: one query, and the book is ready
	}
	return db.useWAL(ctx)
}

// useWAL puts the file in WAL mode, once: the mode is persistent. When
// several processes open a new book at once, the switch needs a moment
// alone with the file, and SQLite answers BUSY at once rather than waiting:
// so wait, and look again, until another process has done it or the busy
// timeout runs out.
func (db *DB) useWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; {
		var mode string
		err := db.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
		if err == nil && mode == "wal" {
			return nil
		}
		if err == nil {
			err = db.db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
			if err == nil && mode == "wal" {
				return nil
			}
		}
		var se *sqlite.Error
		busy := errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY || err == nil
		if !busy || time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("journal mode is %q", mode)
			}
			return fmt.Errorf("%s: cannot switch to WAL mode: %w", db.path, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if wait < 50*time.Millisecond {
			wait *= 2
		}
	}
}

// readableSince is the oldest schema that this binary reads, where it
// cannot write the book to migrate it (a read-only mount, a backup in a
// folder the user may not write): the migrations after it make only what
// reads can do without, such as 6's prefix index, which makes a search
// faster and gives the same results.
const readableSince = 5

// migration is one embedded schema change; its number is its user_version.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations = loadMigrations()

func loadMigrations() []migration {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	var ms []migration
	for i, name := range names {
		base := filepath.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n != i+1 {
			panic(fmt.Sprintf("store: migration %s is out of sequence", base))
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: n, name: base, sql: string(b)})
	}
	return ms
}

// migrate applies the pending migrations in one immediate transaction, so
// that processes opening a new book at once serialize here: the first one
// migrates, the others find the work done.
func (db *DB) migrate(ctx context.Context) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	h, err := readHeader(ctx, tx)
	if err != nil {
		return err
	}
	pending, err := db.check(h)
	if err != nil || !pending {
		return err
	}
	for _, m := range migrations[h.version:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		// PRAGMA takes no bind parameters; the version is our own integer.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the book's schema version (PRAGMA user_version).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	h, err := readHeader(ctx, db.db)
	return h.version, err
}

// now is the store's clock, in UTC, truncated to whole seconds as stored.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Second) }

// writable refuses a write to a read-only book up front, with a message
// that names the file, rather than SQLite's "attempt to write a readonly
// database" at the first statement.
func (db *DB) writable() error {
	if db.roWhy == noSpaceWhy {
		return fmt.Errorf("no space left on the device holding %s; nothing was written", db.path)
	}
	if db.readOnly {
		return fmt.Errorf("%s is read-only: %s; nothing was written", db.path, db.roWhy)
	}
	return nil
}
