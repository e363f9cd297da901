package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func lookPath(name string) (string, bool) {
	p, err := exec.LookPath(name)
	return p, err == nil
}

// ensureSqlite3 finds the sqlite3 command-line tool, installing it with
// apt-get when it is missing and we run as root. It returns the path, or
// "" and why the comparisons are skipped.
func ensureSqlite3(ctx context.Context) (string, string) {
	return ensureTool(ctx, "sqlite3", "sqlite3",
		"install the sqlite3 command-line tool (Debian/Ubuntu: sudo apt-get install sqlite3; macOS: brew install sqlite) to compare with it")
}

// ensureWrk finds wrk, the HTTP load generator, the same way.
func ensureWrk(ctx context.Context) (string, string) {
	return ensureTool(ctx, "wrk", "wrk", "install wrk (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk) to load-test contacts serve")
}

// ensureTool finds a command, installing its Debian package with apt-get
// when it is missing and we run as root. It returns the path, or "" and
// why the scenarios that need it are skipped.
func ensureTool(ctx context.Context, name, pkg, how string) (string, string) {
	if p, ok := lookPath(name); ok {
		return p, ""
	}
	if _, ok := lookPath("apt-get"); !ok || os.Geteuid() != 0 {
		logf("%s is not on PATH: %s; skipping what needs it", name, how)
		return "", name + " not installed: " + how
	}
	logf("%s is not on PATH: installing it with apt-get", name)
	for _, args := range [][]string{{"update"}, {"install", "-y", pkg}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			logf("apt-get %s: %v; skipping what needs %s", strings.Join(args, " "), err, name)
			return "", name + " could not be installed (apt-get " + args[0] + " failed): " + how
		}
	}
	if p, ok := lookPath(name); ok {
		return p, ""
	}
	return "", name + " still not on PATH after apt-get install: " + how
}

// baselines are small Go programs under internal/benchtool that show what
// a Go process costs before contacts does anything of its own.
var baselines = []string{"hello", "pninit", "sqlq"}

// buildTools builds programs of internal/benchtool into e.Tmp/bin the way
// the Makefile builds contacts, and returns their paths by name.
func buildTools(ctx context.Context, e *Env, names ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range names {
		p := filepath.Join(e.Tmp, "bin", name)
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", p, "./internal/benchtool/"+name)
		cmd.Dir = e.Root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return out, fmt.Errorf("go build ./internal/benchtool/%s: %v\n%s", name, err, b)
		}
		out[name] = p
	}
	return out, nil
}
