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
	if p, ok := lookPath("sqlite3"); ok {
		return p, ""
	}
	const how = "install the sqlite3 command-line tool (Debian/Ubuntu: sudo apt-get install sqlite3; macOS: brew install sqlite) to compare with it"
	if _, ok := lookPath("apt-get"); !ok || os.Geteuid() != 0 {
		logf("sqlite3 is not on PATH: %s; skipping the comparisons", how)
		return "", "sqlite3 not installed: " + how
	}
	logf("sqlite3 is not on PATH: installing it with apt-get")
	for _, args := range [][]string{{"update"}, {"install", "-y", "sqlite3"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			logf("apt-get %s: %v; skipping the comparisons", strings.Join(args, " "), err)
			return "", "sqlite3 could not be installed (apt-get " + args[0] + " failed): " + how
		}
	}
	if p, ok := lookPath("sqlite3"); ok {
		return p, ""
	}
	return "", "sqlite3 still not on PATH after apt-get install: " + how
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
