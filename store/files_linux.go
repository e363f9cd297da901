package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// linkNew gives the file oldpath the name newpath, failing with
// fs.ErrExist, and changing nothing, if newpath exists. A hard link does
// that; on a file system without hard links (FAT, some FUSE ones), a
// rename that refuses to replace does it too.
func linkNew(oldpath, newpath string) error {
	err := os.Link(oldpath, newpath)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	rerr := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	if rerr == nil {
		return nil
	} else if errors.Is(rerr, unix.EEXIST) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: rerr}
	}
	return err
}

// noSpace reports whether the file system holding path is (all but) full:
// what SQLite reports only as an I/O error when it cannot grow a -shm file.
func noSpace(path string) bool {
	var st unix.Statfs_t
	if unix.Statfs(filepath.Dir(path), &st) != nil {
		return false
	}
	free := st.Bavail
	if os.Geteuid() == 0 {
		free = st.Bfree // root may use the blocks kept back from others
	}
	return free*uint64(st.Bsize) < 1<<20
}
