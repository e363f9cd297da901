// Command benchtool measures the contacts binary whole-process, as a user
// runs it, on a generated book of a million contacts, against the sqlite3
// command-line tool on the same file and against Go baselines that show
// which start-up costs are unavoidable. See BENCHMARKS.md.
//
//	go run ./internal/benchtool -bin bin/contacts [-n 1000000] [-dir bench-data]
//	    [-runs N] [-only scenario,...] [-md BENCHMARKS.md]
//
// The book (bench.db), a CSV copy of its rows (contacts.csv) and a
// description (meta.json) are generated once into -dir and reused while -n,
// -seed and the generator stay the same.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

const company = "bench"

// Env is what scenarios run against.
type Env struct {
	Bin     string // the contacts binary, absolute
	Dir     string // -dir, absolute: holds the book
	DB      string // Dir/bench.db
	CSV     string // Dir/contacts.csv
	Book    *Meta
	Home    string // an empty HOME and XDG_CONFIG_HOME for every run
	Tmp     string // scratch, removed at exit
	Root    string // the module's directory
	Sqlite3 string // path of the sqlite3 tool, "" when missing
	Strace  string // path of strace, "" when missing
	Wrk     string // path of wrk, "" when missing
	Spawn   string // the measuring parent (see spawn/main.go), "" when not built

	// Baselines are Go programs built from internal/benchtool/<name>.
	Baselines map[string]string

	LoadBefore, LoadAfter string // /proc/loadavg around the runs

	// Quiet is the 1-minute load average above which a timed run waits,
	// for at most QuietWait (0: never waits). Waited and WaitTimeouts
	// add up the waits.
	Quiet        float64
	QuietWait    time.Duration
	QuietBudget  time.Duration
	Waited       time.Duration
	WaitTimeouts int

	missingWhy map[string]string
	devNull    *os.File
	ctx        context.Context
	cleanups   []func()
	data       *Derived // derived inputs (see derived.go), when made
	serve      *serveEnv
	selected   map[string]bool // the scenarios of this run, by name
	templates  map[string]string
}

// onExit registers f to run when benchtool ends, last registered first.
func (e *Env) onExit(f func()) { e.cleanups = append(e.cleanups, f) }

func (e *Env) cleanup() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
	e.cleanups = nil
}

// env is the environment of every run: the generated book, and a HOME with
// no config file in it.
func (e *Env) env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.Home,
		"XDG_CONFIG_HOME=" + filepath.Join(e.Home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(e.Home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(e.Home, ".cache"),
		"TMPDIR=" + e.Tmp,
		"LANG=C.UTF-8",
		"CONTACTS_DATA_DIR=" + e.Dir,
		"CONTACTS_COMPANY=" + company,
	}
	return append(env, extra...)
}

// missing says why a tool a scenario needs is not there, "" when it is.
func (e *Env) missing(need string) string {
	if why, ok := e.missingWhy[need]; ok {
		return why
	}
	return ""
}

func main() {
	bin := flag.String("bin", "bin/contacts", "the contacts `binary` to measure (make build)")
	n := flag.Int("n", 1_000_000, "contacts in the generated book")
	dir := flag.String("dir", "bench-data", "`directory` for the generated book (cached between runs)")
	runs := flag.Int("runs", 0, "timed runs of every scenario (default 20, and 5 for slow ones)")
	only := flag.String("only", "", "comma-separated scenario names or groups to run (default all): "+strings.Join(names(), ","))
	md := flag.String("md", "", "also write the report into `file` between <!-- bench:begin --> and <!-- bench:end -->")
	seed := flag.Uint64("seed", 1, "seed of the generated book")
	quiet := flag.Float64("quiet", 1.0, "before each round of timed runs, wait while the 1-minute load average is above `L` (0: do not wait)")
	quietWait := flag.Duration("quiet-wait", 10*time.Minute, "wait at most `D` for a quiet machine before a round of runs")
	quietBudget := flag.Duration("quiet-budget", 30*time.Minute, "wait at most `D` in all for a quiet machine")
	flag.Parse()
	if flag.NArg() > 0 || *n <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &Env{missingWhy: map[string]string{}, Quiet: *quiet, QuietWait: *quietWait, QuietBudget: *quietBudget}
	if err := mainErr(ctx, e, *bin, *dir, *n, *seed, *runs, *only, *md); err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func names() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range scenarios() {
		for _, k := range []string{s.Group, s.Name} {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func mainErr(ctx context.Context, e *Env, bin, dir string, n int, seed uint64, runs int, only, md string) error {
	var err error
	e.ctx = ctx
	defer e.cleanup()
	if e.Bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if fi, err := os.Stat(e.Bin); err != nil || fi.IsDir() {
		return fmt.Errorf("no binary at %s: run make build first", bin)
	}
	if e.Dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	e.DB, e.CSV = filepath.Join(e.Dir, company+".db"), filepath.Join(e.Dir, "contacts.csv")
	if e.Root, err = moduleRoot(); err != nil {
		return err
	}
	if e.Tmp, err = os.MkdirTemp("", "benchtool-"); err != nil {
		return err
	}
	defer os.RemoveAll(e.Tmp)
	e.Home = filepath.Join(e.Tmp, "home")
	if err := os.MkdirAll(e.Home, 0o700); err != nil {
		return err
	}
	if e.devNull, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
		return err
	}
	defer e.devNull.Close()

	selected, err := selectScenarios(only)
	if err != nil {
		return err
	}
	needs := map[string]bool{}
	needBook := false
	for _, s := range selected {
		for _, k := range s.Needs {
			needs[k] = true
		}
		needBook = needBook || !s.NoBook
	}
	if needs["sqlite3"] {
		e.Sqlite3, e.missingWhy["sqlite3"] = ensureSqlite3(ctx)
	}
	if needs["wrk"] {
		e.Wrk, e.missingWhy["wrk"] = ensureWrk(ctx)
	}
	e.Strace, _ = lookPath("strace")
	if needBook {
		if e.Book, err = ensureBook(ctx, e, n, seed); err != nil {
			return err
		}
		logf("warming the page cache (reading %s)", e.DB)
		if err := readAll(e.DB); err != nil {
			return err
		}
	}
	if runtime.GOOS == "linux" {
		if tools, err := buildTools(ctx, e, "spawn"); err != nil {
			logf("%v", err)
			logf("measuring without the spawner: peak RSS figures will include benchtool's own peak")
		} else {
			e.Spawn = tools["spawn"]
		}
	}
	e.Baselines = map[string]string{}
	if needs["baseline"] {
		tools, err := buildTools(ctx, e, baselines...)
		if err != nil {
			e.missingWhy["baseline"] = "baselines did not build: " + err.Error()
		}
		maps.Copy(e.Baselines, tools)
	}
	if needs["ftsidx"] {
		tools, err := buildTools(ctx, e, "ftsidx")
		if err != nil {
			e.missingWhy["ftsidx"] = "ftsidx did not build: " + err.Error()
		}
		maps.Copy(e.Baselines, tools)
	}
	e.selected = map[string]bool{}
	for _, s := range selected {
		e.selected[s.Name] = true
	}

	if needs["derived"] {
		if e.data, err = ensureDerived(ctx, e); err != nil {
			return err
		}
	}
	runsOf := func(s *Scenario) int {
		switch {
		case runs > 0:
			return runs
		case s.Runs > 0:
			return s.Runs
		case s.Slow:
			return 5
		}
		return 20
	}
	// Fast and slow scenarios are run as two interleaved sets.
	var fast, slow []*Scenario
	for _, s := range selected {
		if s.Slow {
			slow = append(slow, s)
		} else {
			fast = append(fast, s)
		}
	}
	e.LoadBefore = loadAvg()
	results := map[string]*Result{}
	for _, set := range [][]*Scenario{fast, slow} {
		if len(set) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var what []string
		for _, s := range set {
			what = append(what, fmt.Sprintf("%s ×%d", s.Name, runsOf(s)))
		}
		logf("running, interleaved: %s", strings.Join(what, ", "))
		for _, r := range runAll(e, set, runsOf) {
			s := r.S
			switch {
			case r.Skipped != "":
				logf("%s: skipped: %s", s.Name, r.Skipped)
			case r.Err != nil:
				logf("%s: FAILED: %v", s.Name, r.Err)
			default:
				logf("%s: median %s, min %s, max %s, peak RSS %s", s.Name, fmtDur(r.Median), fmtDur(r.Min), fmtDur(r.Max), fmtRSS(r.PeakRSS))
			}
			results[s.Name] = r
		}
	}
	e.LoadAfter = loadAvg()
	var order []*Result
	for _, s := range selected {
		order = append(order, results[s.Name])
	}
	for _, r := range order {
		r.Verdict = verdict(r, results)
	}
	report := render(e, order, results, runs)
	if _, ok := results["version"]; ok && results["version"].ok() {
		report += initTrace(e)
	}
	fmt.Print(report)
	if md != "" {
		if err := writeMarkdown(md, report); err != nil {
			return err
		}
		logf("wrote the report into %s", md)
	}
	return nil
}

func selectScenarios(only string) ([]*Scenario, error) {
	all := scenarios()
	if only == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(only, ",") {
		if k = strings.TrimSpace(k); k != "" {
			want[k] = true
		}
	}
	var out []*Scenario
	asked := maps.Clone(want)
	matched := map[string]bool{}
	for _, s := range all {
		if want[s.Name] || want[s.Group] {
			matched[s.Name], matched[s.Group] = true, true
			for _, d := range s.Deps {
				want[d] = true
			}
		}
	}
	for _, s := range all {
		if want[s.Name] || want[s.Group] {
			out = append(out, s)
		}
	}
	for k := range asked {
		if !matched[k] {
			return nil, fmt.Errorf("-only: no scenario or group %q (have %s)", k, strings.Join(names(), ", "))
		}
	}
	return out, nil
}

// moduleRoot finds the directory of the contacts module, from the working
// directory up.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/phoneinc/contacts\n") {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("run benchtool inside the contacts module (no go.mod of github.com/phoneinc/contacts above the working directory)")
		}
		d = up
	}
}

func readAll(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
