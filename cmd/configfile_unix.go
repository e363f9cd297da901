//go:build unix

package cmd

import "syscall"

// openNonblock opens a config file without waiting for a FIFO's writer.
const openNonblock = syscall.O_NONBLOCK
