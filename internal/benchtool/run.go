package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"
)

// Scenario is one row of the report: a command run several times and timed
// whole-process, wall clock.
//
// To add one (an import, an export, a search), append it to scenarios() in
// scenarios.go: give it a Name and Group (for -only), a Cmd that builds the
// command of run i (i < 0 is the untimed warm-up), and optionally Before
// (untimed set-up before each run: e.g. delete the company an import
// writes), Check (is the run's result right?), Verify (one-off checks) and
// Judge (the target's verdict, with other rows' results at hand). A
// scenario that is not one process per run (a load generator against
// `contacts serve`) sets Measure instead of Cmd and returns its own Sample.
type Scenario struct {
	Name   string // unique; what -only selects, as does Group
	Group  string
	Title  string // the report's "scenario" column
	Show   string // the report's "command" column
	Detail string // a note under the table, when Show needs one
	Slow   bool   // one of the slow scenarios (5 runs by default)
	Runs   int    // timed runs without -runs; 0: 20, or 5 when Slow
	Needs  []string
	NoBook bool // does not need the generated book
	// Deps are scenarios that -only brings along: the reference rows
	// that Judge compares with.
	Deps []string
	// Load marks a load test (Measure returns a Sample with Load set): it
	// is reported in a table of its own, with requests/s and latencies.
	Load bool

	// Cmd returns the command of run i (i < 0: the warm-up run). Its
	// environment is set by the harness unless Cmd sets it.
	Cmd func(e *Env, i int) *exec.Cmd
	// Measure replaces Cmd for scenarios that time themselves.
	Measure func(e *Env, i int) (Sample, error)
	// Capture keeps stdout in Sample.Stdout (else it goes to /dev/null).
	Capture bool
	// Before runs, untimed, before each run (also the warm-up).
	Before func(e *Env, i int) error
	// After runs, untimed, after each run (also the warm-up, and after a
	// failed run): e.g. delete the book an import wrote.
	After func(e *Env, i int) error
	// Warm replaces the default warm-up (one untimed run of Cmd(e, -1)),
	// e.g. to validate the output of a run while warming the cache.
	Warm func(e *Env) error
	// Check validates each run (exit status, output).
	Check func(e *Env, i int, s *Sample) error
	// Verify runs once after the timed runs; its note joins the verdict.
	Verify func(e *Env) (note string, err error)

	Target string
	// Judge gives the verdict from this row's result and the others'.
	Judge func(r *Result, all map[string]*Result) string
}

// Sample is one run.
type Sample struct {
	Dur    time.Duration
	RSS    int64 // peak resident set, bytes; 0 when unknown
	Exit   int
	Stdout []byte
	Stderr []byte
	// LoadAvg is the machine's 1-minute load average when the run began.
	LoadAvg float64
	// Load holds a load test's figures (Scenario.Load).
	Load *LoadStats
}

// LoadStats is one run of a load test.
type LoadStats struct {
	Requests  int64
	Errors    int64 // responses with a status of 400 or more
	SockErrs  int64 // connect, read, write errors and timeouts
	Rate      float64
	P50, P99  time.Duration
	ServerRSS int64 // the server's anonymous resident memory at the end of the run (RssAnon)
	// ServerCPU and ClientCPU are the cores the server and the load
	// generator kept busy during the timed run (CPU time / wall time).
	ServerCPU, ClientCPU float64
}

// Result is a scenario's runs, summarized.
type Result struct {
	S                *Scenario
	Runs             []Sample
	Median, Min, Max time.Duration
	PeakRSS          int64
	Err              error  // the scenario failed
	Skipped          string // why it did not run
	Note             string // from Verify
	Verdict          string
	// Load is the median of a load test's runs (Scenario.Load), with
	// Errors and SockErrs summed and ServerRSS the largest.
	Load *LoadStats
}

func (r *Result) ok() bool { return r != nil && r.Err == nil && r.Skipped == "" && len(r.Runs) > 0 }

// runAll runs scenarios interleaved: every one's warm-up, then run 1 of
// each, run 2 of each, and so on, so that a change in the machine's load
// during the measurement weighs on all of them alike and the ratios hold.
// n(s) is the number of timed runs of s.
func runAll(e *Env, list []*Scenario, n func(*Scenario) int) []*Result {
	rs := make([]*Result, len(list))
	most := 0
	for k, s := range list {
		rs[k] = &Result{S: s}
		prepare(e, rs[k])
		most = max(most, n(s))
	}
	for i := range most {
		// Each round of runs starts on a quiet machine, if it gets quiet.
		e.waitQuiet(fmt.Sprintf("round %d of %d", i+1, most))
		for _, r := range rs {
			if r.Skipped != "" || r.Err != nil || i >= n(r.S) {
				continue
			}
			smp, err := once(e, r.S, i)
			if err != nil {
				r.Err = fmt.Errorf("run %d: %w", i+1, err)
				continue
			}
			smp.Stdout, smp.Stderr = nil, nil
			r.Runs = append(r.Runs, smp)
		}
	}
	for _, r := range rs {
		finish(e, r)
	}
	return rs
}

// prepare checks what the scenario needs and warms it up, untimed.
func prepare(e *Env, r *Result) {
	s := r.S
	for _, need := range s.Needs {
		if why := e.missing(need); why != "" {
			r.Skipped = why
			return
		}
	}
	var err error
	if s.Warm != nil {
		err = s.Warm(e)
	} else {
		_, err = once(e, s, -1)
	}
	if err != nil {
		r.Err = fmt.Errorf("warm-up: %w", err)
	}
}

// finish summarizes the runs and runs Verify.
func finish(e *Env, r *Result) {
	if r.Skipped != "" || r.Err != nil || len(r.Runs) == 0 {
		return
	}
	durs := make([]time.Duration, len(r.Runs))
	for i, smp := range r.Runs {
		durs[i] = smp.Dur
		r.PeakRSS = max(r.PeakRSS, smp.RSS)
	}
	slices.Sort(durs)
	r.Min, r.Max = durs[0], durs[len(durs)-1]
	if r.S.Load {
		r.Load = summarizeLoad(r.Runs)
	}
	if m := len(durs) / 2; len(durs)%2 == 1 {
		r.Median = durs[m]
	} else {
		r.Median = (durs[m-1] + durs[m]) / 2
	}
	if r.S.Verify != nil {
		note, err := r.S.Verify(e)
		r.Note = note
		if err != nil {
			r.Err = fmt.Errorf("check: %w", err)
		}
	}
}

// once runs and checks run i of s.
func once(e *Env, s *Scenario, i int) (smp Sample, err error) {
	if s.Before != nil {
		if err := s.Before(e, i); err != nil {
			return Sample{}, fmt.Errorf("set-up: %w", err)
		}
	}
	if s.After != nil {
		defer func() {
			if aerr := s.After(e, i); aerr != nil && err == nil {
				err = fmt.Errorf("clean-up: %w", aerr)
			}
		}()
	}
	load := loadAvg1()
	defer func() { smp.LoadAvg = load }()
	if s.Measure != nil {
		smp, err = s.Measure(e, i)
	} else {
		smp, err = e.exec(s.Cmd(e, i), s.Capture)
	}
	if err != nil {
		return smp, err
	}
	if s.Check != nil {
		if err := s.Check(e, i, &smp); err != nil {
			return smp, err
		}
	} else if smp.Exit != 0 {
		return smp, fmt.Errorf("exit status %d: %s", smp.Exit, firstLine(smp.Stderr))
	}
	return smp, nil
}

// exec runs cmd and times it: wall clock around exec.Cmd.Run, peak RSS
// from the child's rusage, both taken by the spawner when there is one (see
// spawn/main.go for why). Stdout goes to /dev/null unless captured; stderr
// is kept (it is small) for error messages.
func (e *Env) exec(cmd *exec.Cmd, capture bool) (Sample, error) {
	if cmd.Env == nil {
		cmd.Env = e.env()
	}
	var out, errOut bytes.Buffer
	if cmd.Stdout == nil {
		if capture {
			cmd.Stdout = &out
		} else {
			cmd.Stdout = e.devNull
		}
	}
	cmd.Stderr = &errOut
	if e.Spawn != "" {
		return e.spawn(cmd, &out, &errOut)
	}
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	smp := Sample{Dur: d, Stdout: out.Bytes(), Stderr: errOut.Bytes()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		smp.Exit = ee.ExitCode()
	case err != nil:
		return smp, err
	}
	smp.RSS = maxRSS(cmd.ProcessState)
	return smp, nil
}

// spawn runs cmd under the spawner, which reports on a pipe.
func (e *Env) spawn(cmd *exec.Cmd, out, errOut *bytes.Buffer) (Sample, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return Sample{}, err
	}
	defer r.Close()
	sp := exec.Command(e.Spawn, append([]string{cmd.Path}, cmd.Args[1:]...)...)
	sp.Env, sp.Dir, sp.Stdin, sp.Stdout, sp.Stderr = cmd.Env, cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr
	sp.ExtraFiles = []*os.File{w}
	err = sp.Start()
	w.Close()
	if err != nil {
		return Sample{}, err
	}
	err = sp.Wait()
	res, _ := io.ReadAll(r)
	smp := Sample{Stdout: out.Bytes(), Stderr: errOut.Bytes()}
	if err != nil {
		return smp, fmt.Errorf("spawn %s: %v: %s", cmd.Path, err, firstLine(smp.Stderr))
	}
	var ns int64
	if _, err := fmt.Sscanf(string(res), "%d %d %d", &ns, &smp.RSS, &smp.Exit); err != nil {
		return smp, fmt.Errorf("spawn %s: bad report %q", cmd.Path, res)
	}
	smp.Dur = time.Duration(ns)
	return smp, nil
}

// expectExit is a Check: the run exits with code and, when want is not
// "", prints it on stdout.
func expectExit(code int, want func(i int) string) func(e *Env, i int, s *Sample) error {
	return func(e *Env, i int, s *Sample) error {
		if s.Exit != code {
			return fmt.Errorf("exit status %d, want %d: %s", s.Exit, code, firstLine(s.Stderr))
		}
		if want != nil {
			if w := want(i); w != "" && !bytes.Contains(s.Stdout, []byte(w)) {
				return fmt.Errorf("output does not contain %q: %.200q", w, s.Stdout)
			}
		}
		return nil
	}
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

func command(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// summarizeLoad is the median of each figure over a load test's runs.
func summarizeLoad(runs []Sample) *LoadStats {
	var rates []float64
	var p50s, p99s []time.Duration
	var scpu, ccpu []float64
	out := &LoadStats{}
	for _, smp := range runs {
		if smp.Load == nil {
			continue
		}
		l := smp.Load
		rates = append(rates, l.Rate)
		p50s, p99s = append(p50s, l.P50), append(p99s, l.P99)
		out.Requests += l.Requests
		out.Errors += l.Errors
		out.SockErrs += l.SockErrs
		out.ServerRSS = max(out.ServerRSS, l.ServerRSS)
		scpu, ccpu = append(scpu, l.ServerCPU), append(ccpu, l.ClientCPU)
	}
	if len(rates) == 0 {
		return out
	}
	out.Rate, out.P50, out.P99 = median(rates), median(p50s), median(p99s)
	out.ServerCPU, out.ClientCPU = median(scpu), median(ccpu)
	return out
}

func median[T float64 | time.Duration](v []T) T {
	v = slices.Clone(v)
	slices.Sort(v)
	if m := len(v) / 2; len(v)%2 == 1 {
		return v[m]
	} else {
		return (v[m-1] + v[m]) / 2
	}
}

// waitQuiet waits, before a round of timed runs, until the machine's
// 1-minute load average is at most e.Quiet (other sessions build and test
// here), for at most e.QuietWait, and at most e.QuietBudget in all.
func (e *Env) waitQuiet(what string) {
	load := loadAvg1()
	if e.Quiet <= 0 || load <= e.Quiet {
		return
	}
	limit := min(e.QuietWait, e.QuietBudget-e.Waited)
	if limit <= 0 {
		logf("%s: load average %.2f > %.2f, but the waiting budget (%s) is spent: running", what, load, e.Quiet, e.QuietBudget)
		e.WaitTimeouts++
		return
	}
	start := time.Now()
	logf("%s: load average %.2f > %.2f: waiting for a quieter machine (at most %s)", what, load, e.Quiet, limit.Round(time.Second))
	for load > e.Quiet && time.Since(start) < limit {
		select {
		case <-time.After(5 * time.Second):
		case <-e.ctx.Done():
			return
		}
		load = loadAvg1()
	}
	waited := time.Since(start).Round(time.Second)
	e.Waited += waited
	if load > e.Quiet {
		e.WaitTimeouts++
		logf("%s: still %.2f after %s: running anyway", what, load, waited)
	} else {
		logf("%s: load %.2f after %s", what, load, waited)
	}
}
