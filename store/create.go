package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A new book is made in a temporary directory beside where it belongs,
// named ".<company>.db.new-<pid>-<random>", migrated there, and linked into
// place only once its first write has committed (see DB.write): a first
// write that fails (an invalid contact, a full disk, a dry run, a kill)
// leaves no book behind, and the link, unlike a rename, fails if another
// process made the book meanwhile, whose book is then used.

// newBookInfix and oldImportInfix mark the temporary directories of new
// books; the second is the name an older version gave those of imports.
const (
	newBookInfix   = ".new-"
	oldImportInfix = ".import-"
)

// pending is a new book that is not in place yet.
type pending struct {
	dir  string   // the temporary directory
	file string   // the book's file in it
	made []string // the directories made for the book, deepest first
}

// removeTemp removes the temporary directory and what it holds.
func (p *pending) removeTemp() { os.RemoveAll(p.dir) }

// remove removes the temporary directory and the directories made for the
// book, those that nothing else has used meanwhile.
func (p *pending) remove() {
	p.removeTemp()
	for _, d := range p.made {
		os.Remove(d)
	}
}

// create opens a new book for path, in a temporary file (see pending).
// Reading it reads an empty book; its first write puts it in place.
func create(ctx context.Context, path string, opts Options) (*DB, error) {
	dir := filepath.Dir(path)
	var (
		p   *pending
		err error
	)
	// Another process whose new book failed may remove a directory this
	// one has just made, before this one puts its own temporary directory
	// in it: make it again.
	for try := 0; try < 3; try++ {
		if p, err = makeTemp(path); !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return nil, createError(path, err)
	}
	removeStale(dir)
	f, err := os.OpenFile(p.file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		p.remove()
		return nil, createError(path, err)
	}
	db, err := openBook(ctx, p.file, path, opts)
	if err != nil {
		p.remove()
		return nil, err
	}
	db.pend = p
	return db, nil
}

// createError explains why a new book could not be made at path.
func createError(path string, err error) error {
	var pe *fs.PathError
	at := filepath.Dir(path)
	if errors.As(err, &pe) && !strings.HasPrefix(filepath.Base(pe.Path), ".") {
		at = pe.Path // a directory on the way, not the book's temporary file
	}
	switch {
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("cannot create %s: it is on a read-only file system", path)
	case errors.Is(err, fs.ErrPermission) && at == filepath.Dir(path):
		return fmt.Errorf("cannot create %s: its directory %s does not let you create files", path, at)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot create %s: permission denied on %s", path, at)
	}
	return pathError(path, err)
}

// makeTemp makes the directories of path that are missing (mode 0700) and
// the temporary directory of a new book in the last one.
func makeTemp(path string) (*pending, error) {
	p := &pending{}
	var missing []string
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, fs.ErrNotExist) || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err == nil {
			p.made = append([]string{missing[i]}, p.made...)
		} else if !errors.Is(err, fs.ErrExist) {
			p.remove()
			return nil, err
		}
	}
	// The name carries this process's id, so that another process can
	// tell it from the leftovers of one that was killed.
	dir, err := os.MkdirTemp(filepath.Dir(path), fmt.Sprintf(".%s%s%d-", filepath.Base(path), newBookInfix, os.Getpid()))
	if err != nil {
		p.remove()
		return nil, err
	}
	p.dir, p.file = dir, filepath.Join(dir, filepath.Base(path))
	return p, nil
}

// removeStale removes the new books of processes that were killed before
// they could clean up: each may hold a whole partial book of personal
// data. A directory is stale when the process named in it is gone (or,
// for a name without one, after an hour).
func removeStale(dir string) {
	for _, infix := range []string{newBookInfix, oldImportInfix} {
		matches, _ := filepath.Glob(filepath.Join(dir, ".*"+infix+"*"))
		for _, m := range matches {
			fi, err := os.Lstat(m)
			if err != nil || !fi.IsDir() {
				continue
			}
			name := filepath.Base(m)
			rest := name[strings.LastIndex(name, infix)+len(infix):]
			pidText, _, _ := strings.Cut(rest, "-")
			pid, err := strconv.Atoi(pidText)
			switch {
			case err == nil && pid != os.Getpid() && !processAlive(pid):
			case err != nil && time.Since(fi.ModTime()) > time.Hour:
			default:
				continue
			}
			os.RemoveAll(m)
		}
	}
}

// publish puts a new book in place once its first write has committed,
// and opens it there. When another process made the book meanwhile, the
// book opened is theirs, and publish returns this one's file, whole and
// closed, for the caller to carry the write over (and then remove).
func (db *DB) publish(ctx context.Context) (*pending, error) {
	ctx = context.WithoutCancel(ctx) // the write has committed: finish
	p := db.pend
	db.pend = nil
	// The commit is in the write-ahead log: move it into the file, which
	// is then whole on its own, and close the file.
	var busy, frames, moved int
	err := db.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &moved)
	if err == nil && busy != 0 {
		err = errors.New("could not move the write-ahead log into the file")
	}
	err = errors.Join(err, db.closeAll())
	if err != nil {
		p.remove()
		return nil, bookError(db.path, err)
	}
	err = linkNew(p.file, db.path)
	if errors.Is(err, fs.ErrExist) {
		// Another process made the book first: this write goes to theirs.
		o, err := openBook(ctx, db.path, db.path, db.opts)
		if err != nil {
			p.remove()
			return nil, err
		}
		db.adopt(o)
		return p, nil
	} else if err != nil {
		p.remove()
		return nil, pathError(db.path, err)
	}
	syncDir(filepath.Dir(db.path))
	p.removeTemp()
	if db.opts.Created != nil {
		db.opts.Created(db.path)
	}
	o, err := openBook(ctx, db.path, db.path, db.opts)
	if err != nil {
		return nil, err
	}
	db.adopt(o)
	return nil, nil
}

// adopt makes db the book o opened, in place of its own closed one.
func (db *DB) adopt(o *DB) {
	db.db, db.streams, db.file = o.db, o.streams, o.file
	db.readOnly, db.roWhy = o.readOnly, o.roWhy
	db.stamp.mu.Lock()
	db.stamp.path = o.stamp.path
	db.stamp.mu.Unlock()
	db.stmtMu.Lock()
	db.stmts = map[string]*sql.Stmt{}
	db.stmtMu.Unlock()
}

// syncDir makes a new name in dir durable. It is best effort: the file
// systems that cannot sync a directory keep names by other means.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
