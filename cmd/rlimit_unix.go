//go:build unix

package cmd

import "syscall"

// openFileLimit is how many files this process may open (RLIMIT_NOFILE,
// which Go raises to the hard limit at start).
func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<20 {
		return 1 << 20
	}
	return int(rl.Cur)
}
