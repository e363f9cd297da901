//go:build linux

// Command spawn is benchtool's measuring parent: it runs one command with
// its own standard streams and environment, and writes to file descriptor 3
// "<wall ns> <peak RSS bytes> <exit status>".
//
// Why a separate process: Go's os/exec starts children with
// CLONE_VM|CLONE_VFORK, and Linux records the parent's peak RSS into the
// child's at execve, so a child's rusage maxrss is never below its parent's
// peak. benchtool's own peak (it generates the book and decodes listings)
// would mask the figure; this parent stays at about 2 MiB.
//
//	spawn PROG [ARG...] 3>result
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	res := os.NewFile(3, "result")
	if len(os.Args) < 2 || res == nil {
		fmt.Fprintln(os.Stderr, "usage: spawn PROG [ARG...] 3>result")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(1)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // KiB on Linux
	}
	fmt.Fprintf(res, "%d %d %d\n", d.Nanoseconds(), rss, cmd.ProcessState.ExitCode())
}
