//go:build !unix

package store

import (
	"io/fs"
	"os"
)

// openNoFollow opens a file. Where there is no O_NOFOLLOW, Open has
// already refused a book or side file that is a link when it looked.
func openNoFollow(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag, 0)
}

// dirWritable reports whether this process may create files in dir. Where
// there is no access(2), SQLite says so when it tries.
func dirWritable(string) error { return nil }

// hardLinked reports whether a file has more names than one: unknown here.
func hardLinked(fs.FileInfo) bool { return false }

// processAlive reports whether a process with this id exists. Where there
// is no signal 0, finding the process is the test: on Windows it fails for
// a process that has exited.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
