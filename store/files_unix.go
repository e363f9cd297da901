//go:build unix

package store

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens a file without following a symbolic link (ELOOP) and
// without blocking (a FIFO opens at once, and is then refused as not a
// regular file).
func openNoFollow(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

// dirWritable reports whether this process may create files in dir: nil,
// or why not (EROFS for a read-only file system).
func dirWritable(dir string) error {
	const wOK, xOK = 0x2, 0x1 // access(2)'s W_OK and X_OK
	return syscall.Access(dir, wOK|xOK)
}

// hardLinked reports whether a file has more names than one.
func hardLinked(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink > 1
}

// processAlive reports whether a process with this id exists (signal 0
// checks without sending anything; EPERM means it exists as another user).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
