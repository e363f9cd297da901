package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"time"
)

// keySet is the hashes of one book's API keys, held in memory so that a
// key that is not among them is refused without opening the book. It is
// only ever a reason to refuse: a key found in it still goes to the book's
// own CheckKey.
//
// It is read again when the book's files change. The change is noticed by
// lstat of the main file and of the WAL: their identity (device and
// inode), size, mode and modification time. A commit by any process
// appends to the WAL, a checkpoint writes the main file, and a new book
// in its place is another inode; each changes what lstat says. A set read
// within racyWindow of a file's last change is not trusted to notice the
// next one (a file system stamps times at a coarse granularity, so a
// second write in the same tick keeps the time), and is read again at the
// next miss, as git treats a "racily clean" index.
type keySet struct {
	sig     bookSig
	trusted bool // sig will notice the next change (see racyWindow)
	hashes  map[[sha256.Size]byte]struct{}
	err     error // why the book could not be read: the set is empty
}

// racyWindow is how long after a file's modification time a set read is
// still racy: longer than the coarsest time stamps of the file systems a
// book may be on (FAT's are 2 s).
const racyWindow = 2 * time.Second

// has reports whether the set holds sum. A nil set holds nothing.
func (ks *keySet) has(sum [sha256.Size]byte) bool {
	if ks == nil {
		return false
	}
	_, ok := ks.hashes[sum]
	return ok
}

// current reports whether the set is what the book holds, as far as its
// files tell: they are as they were when it was read.
func (ks *keySet) current(sig bookSig) bool {
	return ks != nil && ks.trusted && ks.sig.same(sig)
}

// bookSig is what lstat says of a book's main file and WAL; a nil
// FileInfo is a file that is not there.
type bookSig struct {
	db, wal fs.FileInfo
}

func statBook(path string) bookSig {
	var s bookSig
	s.db, _ = os.Lstat(path)
	s.wal, _ = os.Lstat(path + "-wal")
	return s
}

func (s bookSig) same(o bookSig) bool {
	return sameFile(s.db, o.db) && sameFile(s.wal, o.wal)
}

func sameFile(a, b fs.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.Mode() == b.Mode() && a.ModTime().Equal(b.ModTime())
}

// unusable says why path cannot be a book: it is not there (ErrNoBook),
// or it or its WAL is not a regular file. nil when it may be one.
func (s bookSig) unusable(path string) error {
	switch {
	case s.db == nil:
		return ErrNoBook
	case s.db.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; a book must be a plain file", path)
	case !s.db.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	case s.wal != nil && !s.wal.Mode().IsRegular():
		return fmt.Errorf("%s-wal is not a regular file", path)
	}
	return nil
}

// racy reports whether a file changed within racyWindow of start.
func (s bookSig) racy(start time.Time) bool {
	for _, fi := range []fs.FileInfo{s.db, s.wal} {
		if fi != nil && start.Sub(fi.ModTime()) < racyWindow {
			return true
		}
	}
	return false
}

// readKeySet reads the key set of company's book at path. It reads through
// the book when the server has it open; else, when the WAL is missing or
// empty, through a read-only, immutable open of the main file alone,
// which makes no -wal or -shm file; else (another process has the book
// open, so its side files exist) through an ordinary open, closed at once.
// An immutable read is not protected by SQLite's locks: it is kept only if
// the files did not change while it ran, and is tried again otherwise.
func (b *Books) readKeySet(ctx context.Context, company, path string) *keySet {
	for attempt := 1; ; attempt++ {
		start := b.now()
		sig := statBook(path)
		if err := sig.unusable(path); err != nil {
			return &keySet{sig: sig, err: err}
		}
		ks := &keySet{sig: sig}
		snapshot := true // what was read is the book at or after sig
		if db, done := b.peek(company); db != nil {
			ks.hashes, ks.err = db.keyHashes(ctx)
			done()
		} else {
			immutable := sig.wal == nil || sig.wal.Size() == 0
			snapshot = !immutable
			if !immutable {
				ks.err = checkKeySideFiles(path)
			}
			if ks.err == nil {
				ks.hashes, ks.err = readKeyHashes(ctx, path, immutable)
			}
		}
		if snapshot || statBook(path).same(sig) {
			ks.trusted = !sig.racy(start)
			return ks
		}
		if attempt == 3 {
			return ks // not trusted: read again at the next miss
		}
	}
}

// checkKeySideFiles refuses to open a book whose -shm is not a plain file
// or whose -wal does not start with SQLite's WAL header: an ordinary open
// would write the one and take the other for an empty log, overwrite it
// and, as the last connection, delete it. A wrong key must change nothing.
func checkKeySideFiles(path string) error {
	if fi, err := os.Lstat(path + "-shm"); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s-shm is not a regular file", path)
	}
	f, err := os.Open(path + "-wal")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	var hdr [8]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return fmt.Errorf("%s-wal is not a write-ahead log", path)
	}
	magic, version := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
	if magic != 0x377f0682 && magic != 0x377f0683 || version != 3007000 {
		return fmt.Errorf("%s-wal is not a write-ahead log (it lacks SQLite's WAL header)", path)
	}
	return nil
}

// keyHashes returns the hashes of the book's API keys.
func (db *DB) keyHashes(ctx context.Context) (map[[sha256.Size]byte]struct{}, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT hash FROM api_keys`)
	if err != nil {
		return nil, fmt.Errorf("%s: read the API keys: %w", db.path, err)
	}
	return scanHashes(db.path, rows)
}

// readKeyHashes opens the book at path on its own, for one read of its API
// keys' hashes, and closes it. A file that is not a contacts book, or that
// a newer version wrote, is an error; an older one without keys has none.
func readKeyHashes(ctx context.Context, path string, immutable bool) (map[[sha256.Size]byte]struct{}, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", (5*time.Second).Milliseconds()))
	if immutable {
		q.Set("mode", "ro")
		q.Set("immutable", "1")
	}
	sdb, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer sdb.Close()
	sdb.SetMaxOpenConns(1)
	var appID, version int
	err = sdb.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version)`).Scan(&appID, &version)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	case appID != ApplicationID:
		return nil, fmt.Errorf("%s is not a contacts database", path)
	case version > len(migrations):
		return nil, fmt.Errorf("%s was written by a newer version of contacts (schema %d)", path, version)
	case version < apiKeysVersion:
		return nil, nil // no keys yet
	}
	rows, err := sdb.QueryContext(ctx, `SELECT hash FROM api_keys`)
	if err != nil {
		return nil, fmt.Errorf("%s: read the API keys: %w", path, err)
	}
	return scanHashes(path, rows)
}

// apiKeysVersion is the schema version that made the api_keys table.
const apiKeysVersion = 2

func scanHashes(path string, rows *sql.Rows) (map[[sha256.Size]byte]struct{}, error) {
	defer rows.Close()
	hashes := map[[sha256.Size]byte]struct{}{}
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("%s: read the API keys: %w", path, err)
		}
		if len(h) == sha256.Size {
			hashes[[sha256.Size]byte(h)] = struct{}{}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: read the API keys: %w", path, err)
	}
	return hashes, nil
}
