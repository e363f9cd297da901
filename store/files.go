package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/phoneinc/contacts"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sideFiles are the files SQLite keeps beside a book: the write-ahead log,
// its index in shared memory, and a rollback journal.
var sideFiles = []string{"-wal", "-shm", "-journal"}

// checkBookFile refuses a book that is not a plain file: a symbolic link
// (whatever it points at, the book would be another file), a directory,
// a FIFO (whose open blocks), a device.
func checkBookFile(path string, fi fs.FileInfo) error {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; refusing to open it (a book must be a plain file)", path)
	case m.IsDir():
		return fmt.Errorf("%s is a directory, not a contacts book; it was left untouched", path)
	case !m.IsRegular():
		return fmt.Errorf("%s is not a regular file (%s); refusing to open it", path, kind(m))
	}
	return nil
}

// kind names a file type that is not a regular file, for messages.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// walMagic are the two values a write-ahead log starts with (big-endian
// checksums or little-endian), and walVersion the format version after it.
const (
	walMagicBE, walMagicLE = 0x377f0683, 0x377f0682
	walVersion             = 3007000
	walHeaderLen           = 32
)

// checkSideFiles refuses a book whose -wal, -shm or -journal is a symbolic
// link, not a regular file, or a file with other names. SQLite would open
// it and write to it, through a link to whatever file it names, and it
// gives an empty one the book's mode, as opening a book does to the side
// files (see fixSideFiles). A -wal that holds something other than a
// write-ahead log is refused too: SQLite would take it for an empty log and
// overwrite it, and it is not ours to throw away.
func checkSideFiles(path string) error {
	for _, side := range sideFiles {
		name := path + side
		fi, err := os.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return pathError(path, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is %s; refusing to open %s (the files SQLite keeps beside a book must be plain files)", name, kind(fi.Mode()), path)
		}
		if hardLinked(fi) {
			// SQLite would write to it, and give an empty one the book's
			// mode: the other names' file would change.
			return fmt.Errorf("%s has other names (hard links); refusing to open %s (the files SQLite keeps beside a book must be its own)", name, path)
		}
		if side != "-wal" || fi.Size() == 0 {
			continue
		}
		f, err := openNoFollow(name, os.O_RDONLY)
		if err != nil {
			return pathError(path, err)
		}
		var hdr [walHeaderLen]byte
		_, err = io.ReadFull(f, hdr[:])
		f.Close()
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return pathError(path, err)
		}
		magic, version := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:8])
		if fi.Size() < walHeaderLen || magic != walMagicBE && magic != walMagicLE || version != walVersion {
			return fmt.Errorf("%s is not a write-ahead log (it lacks SQLite's WAL header); refusing to open %s, since SQLite would overwrite it: move it away if nothing in it is needed", name, path)
		}
	}
	return nil
}

// fixSideFiles gives a book's -wal and -shm files the book's own mode when
// they lost it: a reader of a book made read-only (chmod 0400) that left
// them read-only too would otherwise keep the book read-only after its
// owner gives the write permission back. The mode is changed through a
// descriptor of the file itself, opened without following a link, and only
// of a plain file with no other name, so that nothing but the side file
// can change. Failures are ignored: SQLite reports any real problem.
func fixSideFiles(path string, mode fs.FileMode) {
	for _, side := range []string{"-wal", "-shm"} {
		f, err := openNoFollow(path+side, os.O_RDONLY)
		if err != nil {
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && !hardLinked(fi) && fi.Mode().Perm() != mode {
			f.Chmod(mode)
		}
		f.Close()
	}
}

// access finds out what this process may do with the book at path, a
// regular file: "" when it may write it, else why it may only read it. It
// refuses a book it cannot even read, saying so. The book is opened
// without following a link and without blocking, so that a file swapped
// for a link or a FIFO since it was looked at cannot trap the open.
func access(path string) (readOnly string, err error) {
	f, err := openNoFollow(path, os.O_RDWR)
	switch {
	case err == nil:
	case errors.Is(err, syscall.EROFS):
		readOnly = "it is on a read-only file system"
	case errors.Is(err, fs.ErrPermission):
		readOnly = "its permissions do not let you write it"
	default:
		return "", pathError(path, err)
	}
	if readOnly != "" {
		if f, err = openNoFollow(path, os.O_RDONLY); errors.Is(err, fs.ErrPermission) {
			return "", fmt.Errorf("cannot read %s: permission denied (the file's permissions do not let you read it)", path)
		} else if err != nil {
			return "", pathError(path, err)
		}
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return "", pathError(path, err)
	}
	if err := checkBookFile(path, fi); err != nil {
		return "", err
	}
	if readOnly != "" {
		return readOnly, nil
	}
	// SQLite makes the -wal and -shm files beside the book: where it
	// cannot, the book can be read but not written.
	dir := filepath.Dir(path)
	if err := dirWritable(dir); errors.Is(err, syscall.EROFS) {
		return "it is on a read-only file system", nil
	} else if err != nil {
		return fmt.Sprintf("its directory %s does not let you create files (SQLite writes %s-wal and %s-shm there)", dir, filepath.Base(path), filepath.Base(path)), nil
	}
	return "", nil
}

// walHasContent reports whether the book's write-ahead log holds frames:
// committed changes not yet in the file itself.
func walHasContent(path string) bool {
	fi, err := os.Lstat(path + "-wal")
	return err == nil && fi.Size() > 0
}

// pathError explains an error of the file system about the book at path,
// naming the book.
func pathError(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("no space left on the device holding %s; nothing was written", path)
	case errors.Is(err, syscall.ENOTDIR):
		for p := filepath.Dir(path); p != filepath.Dir(p); p = filepath.Dir(p) {
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return fmt.Errorf("cannot use %s: %s is not a directory", path, p)
			}
		}
	case errors.Is(err, syscall.ELOOP):
		return fmt.Errorf("%s is a symbolic link; refusing to open it (a book must be a plain file)", path)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("cannot write %s: it is on a read-only file system", path)
	case errors.Is(err, fs.ErrPermission):
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path != path {
			return fmt.Errorf("cannot use %s: permission denied on %s", path, pe.Path)
		}
		return fmt.Errorf("cannot use %s: permission denied", path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %s %s: %v", path, pe.Op, pe.Path, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// bookError explains an error that SQLite gave about the book at path,
// naming the book and saying what is wrong with it. The product's own
// errors, a cancelled context and errors that are not SQLite's (a
// caller's, writing a listing out) are returned as they are.
func bookError(path string, err error) error {
	var de *contacts.Error
	if err == nil || errors.As(err, &de) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	code := se.Code() & 0xff
	if (code == sqlite3.SQLITE_IOERR || code == sqlite3.SQLITE_CANTOPEN) && noSpace(path) {
		// SQLite could not grow a file (a -shm it makes says only "I/O
		// error"), and the disk is full.
		return fmt.Errorf("no space left on the device holding %s", path)
	}
	switch code {
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("no space left on the device holding %s; nothing was written", path)
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%s is not a contacts database (not an SQLite file); it was left untouched", path)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("%s is damaged (SQLite reports corruption); restore it from a backup", path)
	case sqlite3.SQLITE_READONLY:
		if se.Code() == sqlite3.SQLITE_READONLY_DIRECTORY {
			return fmt.Errorf("cannot write %s: its directory does not let SQLite create %s-wal and %s-shm there; nothing was written", path, filepath.Base(path), filepath.Base(path))
		}
		return fmt.Errorf("%s is read-only (check the permissions of it and of %s-wal and %s-shm); nothing was written", path, filepath.Base(path), filepath.Base(path))
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("cannot open %s, or the %s-wal and %s-shm files SQLite keeps beside it: check their permissions and those of their directory", path, filepath.Base(path), filepath.Base(path))
	case sqlite3.SQLITE_IOERR:
		return fmt.Errorf("%s: the disk failed to read or write it (%v)", path, err)
	case sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		return fmt.Errorf("cannot use %s: permission denied", path)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%s is locked by another process, which has held it for over %v; try again", path, busyTimeout)
	case sqlite3.SQLITE_INTERRUPT:
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// explain is bookError for this book, for a method's deferred call.
func (db *DB) explain(err *error) {
	*err = bookError(db.path, *err)
}
