//go:build !unix

package cmd

import "os"

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
