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
	// Create makes the directory (mode 0700) and the file (mode 0600) when
	// they are missing. Without it, a missing file is ErrNoBook.
	Create bool
	// MaxConns, when positive, bounds the connections the book holds
	// open, and keeps that many open between uses: what a server that
	// answers many requests at once sets, so that it neither opens a
	// connection per request nor one per request in flight. Requests past
	// the bound wait for a connection. 0 leaves the pool unbounded, with
	// a few idle connections kept.
	MaxConns int
}

// DB is one company's address book.
type DB struct {
	db       *sql.DB
	path     string
	region   string
	readOnly bool // the file's permissions do not let this user write it

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
	keys  keyCache  // keys that passed CheckKey
}

var _ contacts.Service = (*DB)(nil)

// Open opens the book at path, initializing an empty file and migrating an
// older schema. A file that is not a contacts database, or that a newer
// version wrote, is refused and left untouched.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if opts.Create {
		if err := create(abs); err != nil {
			return nil, err
		}
	}
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoBook
	} else if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link; refusing to open it (a book must be a plain file)", abs)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", abs)
	}

	// A book this user may not write (chmod 0400, another user's file) is
	// opened read-only and, when no other process is writing it, immutable:
	// SQLite then reads it without creating the -wal and -shm files a WAL
	// reader otherwise leaves beside it, so reading touches nothing.
	readOnly := false
	if f, err := os.OpenFile(abs, os.O_RDWR, 0); err == nil {
		f.Close()
		fixSideFiles(abs, fi.Mode().Perm())
	} else if errors.Is(err, fs.ErrPermission) {
		readOnly = true
	}

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
	if readOnly {
		q.Set("mode", "ro")
		if wal, err := os.Stat(abs + "-wal"); err != nil || wal.Size() == 0 {
			q.Set("immutable", "1")
		}
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", abs, err)
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
			return nil, fmt.Errorf("open %s: %w", abs, err)
		}
		streams.SetMaxIdleConns(1)
	}
	db := &DB{db: sdb, path: abs, region: opts.Region, readOnly: readOnly, Now: time.Now,
		stmts: map[string]*sql.Stmt{}, writeTurn: make(chan struct{}, 1), stamp: stampFile{path: abs + "-shm"}, streams: streams}
	if err := db.init(ctx); err != nil {
		db.closePools()
		return nil, err
	}
	return db, nil
}

// create makes the directory and an empty file with private modes. Several
// processes may race here: the first creates, the others find the file.
func create(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("create address book: %w", err)
	}
	return f.Close()
}

// Path returns the book's file.
func (db *DB) Path() string { return db.path }

// Close closes the book. SQLite checkpoints the WAL on the last close.
func (db *DB) Close() error {
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
}

func readHeader(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (header, error) {
	var h header
	err := q.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema),
		(SELECT journal_mode FROM pragma_journal_mode)`).Scan(&h.appID, &h.version, &h.objects, &h.journalMode)
	return h, err
}

// check refuses a file that is not ours, or is newer than this binary.
// It reports whether the schema needs migrating.
func (db *DB) check(h header) (bool, error) {
	switch {
	case h.appID == 0 && h.objects == 0:
		return true, nil // empty: ours to initialize
	case h.appID != ApplicationID:
		return false, fmt.Errorf("%s is not a contacts database (it belongs to another program); it was left untouched", db.path)
	case h.version > len(migrations):
		return false, fmt.Errorf("%s was written by a newer version of contacts (schema %d; this binary knows %d); upgrade contacts to use it; it was left untouched", db.path, h.version, len(migrations))
	}
	return h.version < len(migrations), nil
}

func (db *DB) init(ctx context.Context) error {
	h, err := readHeader(ctx, db.db)
	if err != nil {
		return db.fileError(err)
	}
	pending, err := db.check(h)
	if err != nil {
		return err
	}
	if pending && db.readOnly {
		return fmt.Errorf("%s needs its schema upgraded (to version %d), and it is read-only: open it once as a user who can write it", db.path, len(migrations))
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

// fileError explains an error SQLite gave on first reading the file.
func (db *DB) fileError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%s is not a contacts database (not an SQLite file); it was left untouched", db.path)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%s is damaged (SQLite reports corruption); restore it from a backup", db.path)
		case sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("cannot open %s: %w", db.path, err)
		}
	}
	return fmt.Errorf("%s: %w", db.path, err)
}

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
		return db.fileError(err)
	}
	defer tx.Rollback()
	h, err := readHeader(ctx, tx)
	if err != nil {
		return db.fileError(err)
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
	if db.readOnly {
		return fmt.Errorf("%s is read-only: its permissions do not let you write it; nothing was written", db.path)
	}
	return nil
}

// fixSideFiles gives a book's -wal and -shm files the book's own mode when
// they lost it: a reader of a book made read-only (chmod 0400) that left
// them read-only too would otherwise keep the book read-only after its
// owner gives the write permission back. Failures are ignored: SQLite
// reports any real problem.
func fixSideFiles(path string, mode fs.FileMode) {
	for _, side := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(path + side); err == nil && fi.Mode().Perm() != mode {
			os.Chmod(path+side, mode)
		}
	}
}
