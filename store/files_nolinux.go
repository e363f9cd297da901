//go:build !linux

package store

import "os"

// linkNew gives the file oldpath the name newpath, failing with
// fs.ErrExist, and changing nothing, if newpath exists.
func linkNew(oldpath, newpath string) error { return os.Link(oldpath, newpath) }

// noSpace reports whether the file system holding path is full: unknown
// here, where SQLite's own error says what it can.
func noSpace(string) bool { return false }
