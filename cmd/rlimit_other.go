//go:build !unix

package cmd

// openFileLimit is how many files this process may open: where there is
// no RLIMIT_NOFILE, as many as the books and connections need.
func openFileLimit() int { return 1 << 20 }
