package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Group is a set of rows timed by one hyperfine run (each row's runs in
// turn), or measured by Load.
type Group struct {
	Name   string
	Needs  []string // tools ("sqlite3", "wrk") and "derived" (the derived inputs)
	Deps   []string // groups whose rows the verdicts compare with
	NoBook bool     // does not need the generated book
	Runs   int      // timed runs of each row (0: 20; -runs overrides)
	Warmup int      // hyperfine's untimed runs of each row before its timed ones
	Rows   []*Row
	// Load replaces hyperfine: it measures the rows itself (the load tests).
	Load func(e *Env, g *Group) error
}

// Row is one command of the report.
type Row struct {
	Name   string
	Title  string // the report's "scenario" column
	Show   string // its "command" column
	Detail string // a note under the table
	Target string
	Argv   func(e *Env) []string // the command
	// Prepare runs before each run (hyperfine --prepare), Cleanup after
	// the last; both also around the checked run.
	Prepare, Cleanup func(e *Env) []string
	Exit             int // the exit status every run must have
	// Check reads the output of one untimed run (made before the timed
	// ones) and may leave a note for the verdict. nil: the output is not
	// read.
	Check func(e *Env, r *Row, stdout io.Reader) error
	// CheckStderr hands Check the run's standard error instead, after it
	// has exited: for a command whose output is a message (a summary).
	CheckStderr bool
	// Verify runs after the checked run has exited, before Cleanup.
	Verify func(e *Env, r *Row) error
	Judge  func(r *Row, all map[string]*Row) string

	// The figures.
	Median, Min, Max time.Duration
	Runs             int
	PeakRSS          int64 // of the checked run
	Load             *LoadStats
	Err              error
	Skipped          string
	Note             string
	Verdict          string
}

func (r *Row) ok() bool { return r != nil && r.Err == nil && r.Skipped == "" && r.Runs > 0 }

func (g *Group) runs(e *Env) int {
	switch {
	case e.Runs > 0:
		return e.Runs
	case g.Runs > 0:
		return g.Runs
	}
	return 20
}

// runGroup checks each row once, then times the rows that passed with
// hyperfine (or g.Load).
func runGroup(e *Env, g *Group) {
	for _, need := range g.Needs {
		if why := e.Missing[need]; why != "" {
			for _, r := range g.Rows {
				r.Skipped = why
			}
			logf("%s: skipped: %s", g.Name, why)
			return
		}
	}
	e.waitQuiet(g.Name)
	if g.Load != nil {
		if err := g.Load(e, g); err != nil {
			for _, r := range g.Rows {
				if r.Err == nil && !r.ok() {
					r.Err = err
				}
			}
		}
		return
	}
	var timed []*Row
	for _, r := range g.Rows {
		logf("%s: checking its output (one untimed run)", r.Name)
		if err := e.checkRun(r); err != nil {
			r.Err = fmt.Errorf("checked run: %w", err)
			logf("%s: FAILED: %v", r.Name, r.Err)
			continue
		}
		timed = append(timed, r)
	}
	if len(timed) == 0 {
		return
	}
	logf("%s: timing %d command(s) with hyperfine, %d runs each", g.Name, len(timed), g.runs(e))
	if err := e.hyperfine(g, timed); err != nil {
		for _, r := range timed {
			r.Err = err
		}
		logf("%s: FAILED: %v", g.Name, err)
	}
}

// checkRun runs r once, untimed, through the spawner (for its peak RSS),
// and hands its output to r.Check.
func (e *Env) checkRun(r *Row) (err error) {
	if r.Prepare != nil {
		if err := e.runQuiet(r.Prepare(e)); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	if r.Cleanup != nil {
		defer func() {
			if cerr := e.runQuiet(r.Cleanup(e)); cerr != nil && err == nil {
				err = fmt.Errorf("clean-up: %w", cerr)
			}
		}()
	}
	res, rp, err := os.Pipe()
	if err != nil {
		return err
	}
	defer res.Close()
	argv := r.Argv(e)
	cmd := exec.CommandContext(e.ctx, e.Self, append([]string{"-spawn"}, argv...)...)
	cmd.Env = e.env()
	cmd.ExtraFiles = []*os.File{rp}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		rp.Close()
		return err
	}
	err = cmd.Start()
	rp.Close()
	if err != nil {
		return err
	}
	var cerr error
	if r.Check != nil && !r.CheckStderr {
		cerr = r.Check(e, r, bufio.NewReaderSize(stdout, 1<<20))
	}
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %v: %s", filepath.Base(argv[0]), err, firstLine(stderr.Bytes()))
	}
	if r.Check != nil && r.CheckStderr {
		cerr = r.Check(e, r, bytes.NewReader(stderr.Bytes()))
	}
	report, _ := io.ReadAll(res)
	var exit int
	if _, err := fmt.Sscanf(string(report), "%d %d", &r.PeakRSS, &exit); err != nil {
		return fmt.Errorf("the spawner's report %q: %v", report, err)
	}
	if exit != r.Exit {
		return fmt.Errorf("exit status %d, want %d: %s", exit, r.Exit, firstLine(stderr.Bytes()))
	}
	if cerr != nil {
		return fmt.Errorf("output: %w", cerr)
	}
	if r.Verify != nil {
		return r.Verify(e, r)
	}
	return nil
}

// runQuiet runs a set-up command, untimed.
func (e *Env) runQuiet(argv []string) error {
	cmd := exec.CommandContext(e.ctx, argv[0], argv[1:]...)
	cmd.Env = e.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, firstLine(out))
	}
	return nil
}

// hyperfineResult is one command of hyperfine's --export-json.
type hyperfineResult struct {
	Command   string    `json:"command"`
	Median    float64   `json:"median"`
	Min       float64   `json:"min"`
	Max       float64   `json:"max"`
	Times     []float64 `json:"times"`
	ExitCodes []*int    `json:"exit_codes"`
}

// hyperfine times rows with hyperfine: no shell in between (-N), the
// group's warm-up and runs, each row's prepare command before each run.
// Its JSON and Markdown exports are kept in Dir/results/.
func (e *Env) hyperfine(g *Group, rows []*Row) error {
	out := filepath.Join(e.Dir, "results")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	jsonFile := filepath.Join(out, g.Name+".json")
	args := []string{"-N", "--style", "basic", "--warmup", fmt.Sprint(g.Warmup), "--runs", fmt.Sprint(g.runs(e)),
		"--export-json", jsonFile, "--export-markdown", filepath.Join(out, g.Name+".md")}
	exitsOK := true
	havePrepare := false
	for _, r := range rows {
		exitsOK = exitsOK && r.Exit == 0
		havePrepare = havePrepare || r.Prepare != nil
	}
	if !exitsOK {
		args = append(args, "--ignore-failure") // the exit codes are checked below
	}
	for _, r := range rows {
		if havePrepare { // once for each command, or none
			p := []string{"true"}
			if r.Prepare != nil {
				p = r.Prepare(e)
			}
			args = append(args, "--prepare", shellJoin(p))
		}
	}
	for _, r := range rows {
		args = append(args, "--command-name", r.Name, shellJoin(r.Argv(e)))
	}
	cmd := exec.CommandContext(e.ctx, e.Tools["hyperfine"], args...)
	cmd.Env = e.env()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	err := cmd.Run()
	for _, r := range rows {
		if r.Cleanup != nil {
			if cerr := e.runQuiet(r.Cleanup(e)); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("hyperfine: %w", err)
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		return err
	}
	var res struct{ Results []hyperfineResult }
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", jsonFile, err)
	}
	if len(res.Results) != len(rows) {
		return fmt.Errorf("%s: %d results for %d commands", jsonFile, len(res.Results), len(rows))
	}
	for i, r := range rows {
		fill(r, res.Results[i])
	}
	return nil
}

// fill sets r's figures from hyperfine's, and an error when a run's exit
// status was not r.Exit.
func fill(r *Row, h hyperfineResult) {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	r.Median, r.Min, r.Max, r.Runs = sec(h.Median), sec(h.Min), sec(h.Max), len(h.Times)
	for i, c := range h.ExitCodes {
		if c == nil || *c != r.Exit {
			got := "a signal"
			if c != nil {
				got = fmt.Sprint(*c)
			}
			r.Err = fmt.Errorf("run %d exited with %s, want %d", i+1, got, r.Exit)
			return
		}
	}
}

// shellJoin quotes argv for hyperfine -N, which splits a command as a
// POSIX shell would, without running one.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,@%") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}
