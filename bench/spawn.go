package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// spawnMain is `bench -spawn PROG [ARG...] 3>report`: it runs one command
// with its own standard streams and writes "<peak RSS bytes> <exit status>"
// to file descriptor 3.
//
// Why a process of its own: Go's os/exec starts children with
// CLONE_VM|CLONE_VFORK, and Linux records the parent's peak RSS into the
// child's at execve, so a child's rusage maxrss is never below its
// parent's peak. bench's own peak (it generates the book and reads the
// listings) would mask the figure; this fresh process stays at a few MiB,
// the floor of the figures.
func spawnMain(args []string) {
	report := os.NewFile(3, "report")
	if len(args) == 0 || report == nil {
		fmt.Fprintln(os.Stderr, "usage: bench -spawn PROG [ARG...] 3>report")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "bench -spawn:", err)
		os.Exit(1)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // KiB on Linux
	}
	fmt.Fprintf(report, "%d %d\n", rss, cmd.ProcessState.ExitCode())
}
