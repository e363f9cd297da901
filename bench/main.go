// Command bench measures the contacts binary as a user runs it, on a
// generated book of a million contacts, next to the sqlite3 command-line
// tool on the same file, and `contacts serve` under load. hyperfine times
// the commands and wrk loads the server; bench does what neither does: it
// generates the book and the inputs derived from it, checks each command's
// output once (untimed, with its peak memory), and judges the figures
// against the targets. See BENCHMARKS.md.
//
//	cd bench && go run . -bin ../bin/contacts [-dir ../bench-data] [-only GROUP,...] [-runs N] [-md ../BENCHMARKS.md]
//
// The book (bench.db), a CSV copy of its rows (contacts.csv) and a
// description (meta.json) are generated once into -dir and reused while
// -n, -seed and the generator stay the same.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const company = "bench"

// Env is what the groups run against.
type Env struct {
	Bin  string // the contacts binary, absolute
	Dir  string // -dir, absolute: the book and the derived inputs
	DB   string // Dir/bench.db
	CSV  string // Dir/contacts.csv
	Book *Meta
	Data *Derived // the derived inputs, when a group needs them
	Home string   // an empty HOME and XDG_CONFIG_HOME for every run
	Tmp  string   // scratch, removed at exit
	Self string   // this program, which is also the spawner (see spawn.go)
	// Tools are the external programs by name ("" when missing), and
	// Missing says why a missing one is missing.
	Tools   map[string]string
	Missing map[string]string
	Runs    int // -runs: timed runs of every command (0: each group's own)

	Quiet      float64       // wait before a group while the load average is above it
	QuietWait  time.Duration // for at most this long each time
	Waited     time.Duration
	LoadBefore string
	LoadAfter  string

	ctx   context.Context
	serve *serveEnv
}

// env is the environment of every run: the generated book, and a HOME with
// no config file in it.
func (e *Env) env(extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.Home,
		"XDG_CONFIG_HOME=" + filepath.Join(e.Home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(e.Home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(e.Home, ".cache"),
		"TMPDIR=" + e.Tmp,
		"LANG=C.UTF-8",
		"CONTACTS_DATA_DIR=" + e.Dir,
		"CONTACTS_COMPANY=" + company,
	}, extra...)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-spawn" {
		spawnMain(os.Args[2:])
		return
	}
	bin := flag.String("bin", "../bin/contacts", "the contacts `binary` to measure (make build)")
	n := flag.Int("n", 1_000_000, "contacts in the generated book")
	dir := flag.String("dir", "../bench-data", "`directory` for the generated book (kept between runs)")
	runs := flag.Int("runs", 0, "timed runs of every command (default: 20, 5 for the listings and exports, 3 for the imports, the call log and the load tests)")
	only := flag.String("only", "", "comma-separated groups to run (default all): "+strings.Join(groupNames(), ","))
	md := flag.String("md", "", "also write the report into `file` between <!-- bench:begin --> and <!-- bench:end -->")
	seed := flag.Uint64("seed", 1, "seed of the generated book")
	quiet := flag.Float64("quiet", 1.0, "before each group, wait while the 1-minute load average is above `L` (0: do not wait)")
	quietWait := flag.Duration("quiet-wait", 10*time.Minute, "wait at most `D` for a quiet machine before each group")
	flag.Parse()
	if flag.NArg() > 0 || *n <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &Env{Runs: *runs, Quiet: *quiet, QuietWait: *quietWait, ctx: ctx, Tools: map[string]string{}, Missing: map[string]string{}}
	if err := run(e, *bin, *dir, *n, *seed, *only, *md); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(e *Env, bin, dir string, n int, seed uint64, only, md string) error {
	var err error
	if e.Bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if fi, err := os.Stat(e.Bin); err != nil || fi.IsDir() {
		return fmt.Errorf("no binary at %s: run make build first", bin)
	}
	if e.Self, err = os.Executable(); err != nil {
		return err
	}
	if e.Dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	e.DB, e.CSV = filepath.Join(e.Dir, company+".db"), filepath.Join(e.Dir, "contacts.csv")
	if e.Tmp, err = os.MkdirTemp("", "contacts-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(e.Tmp)
	e.Home = filepath.Join(e.Tmp, "home")
	if err := os.MkdirAll(e.Home, 0o700); err != nil {
		return err
	}
	groups, err := selectGroups(only)
	if err != nil {
		return err
	}
	needs := map[string]bool{"hyperfine": true}
	needBook := false
	for _, g := range groups {
		for _, k := range g.Needs {
			needs[k] = true
		}
		needBook = needBook || !g.NoBook
	}
	for _, t := range []struct{ name, why string }{
		{"hyperfine", "it times every command"},
		{"sqlite3", "the reference figures"},
		{"wrk", "the load tests of contacts serve"},
	} {
		if needs[t.name] {
			e.Tools[t.name], e.Missing[t.name] = ensureTool(e.ctx, t.name, t.why)
		}
	}
	if e.Tools["hyperfine"] == "" {
		return fmt.Errorf("%s", e.Missing["hyperfine"])
	}
	e.Tools["strace"], _ = exec.LookPath("strace")
	if needBook {
		if e.Book, err = ensureBook(e, n, seed); err != nil {
			return err
		}
		logf("warming the page cache (reading %s)", e.DB)
		if err := readAll(e.DB); err != nil {
			return err
		}
	}
	if needs["derived"] {
		if e.Data, err = ensureDerived(e); err != nil {
			return err
		}
	}
	e.LoadBefore = loadAvg()
	all := map[string]*Row{}
	var order []*Row
	for _, g := range groups {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		runGroup(e, g)
		for _, r := range g.Rows {
			all[r.Name] = r
			order = append(order, r)
		}
	}
	e.LoadAfter = loadAvg()
	for _, r := range order {
		r.Verdict = verdict(r, all)
	}
	report := render(e, order)
	fmt.Print(report)
	if md != "" {
		if err := writeMarkdown(md, report); err != nil {
			return err
		}
		logf("wrote the report into %s", md)
	}
	return nil
}

func selectGroups(only string) ([]*Group, error) {
	all := groups()
	if only == "" {
		return all, nil
	}
	var out []*Group
	for _, k := range strings.Split(only, ",") {
		k = strings.TrimSpace(k)
		i := slices.IndexFunc(all, func(g *Group) bool { return g.Name == k })
		if i < 0 {
			return nil, fmt.Errorf("-only: no group %q (have %s)", k, strings.Join(groupNames(), ", "))
		}
		out = append(out, all[i])
	}
	// Keep the report's order, and bring the groups that verdicts compare with.
	for _, g := range slices.Clone(out) {
		for _, d := range g.Deps {
			if !slices.ContainsFunc(out, func(o *Group) bool { return o.Name == d }) {
				out = append(out, all[slices.IndexFunc(all, func(a *Group) bool { return a.Name == d })])
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Group) int {
		return slices.Index(groupNames(), a.Name) - slices.Index(groupNames(), b.Name)
	})
	return out, nil
}

func groupNames() []string {
	var out []string
	for _, g := range groups() {
		out = append(out, g.Name)
	}
	return out
}

// ensureTool finds a command, installing its Debian package (of the same
// name) with apt-get when it is missing and we run as root. It returns the
// path, or "" and why what needs it is skipped.
func ensureTool(ctx context.Context, name, why string) (string, string) {
	if p, err := exec.LookPath(name); err == nil {
		return p, ""
	}
	how := fmt.Sprintf("install %s (%s; Debian/Ubuntu: sudo apt-get install %s; macOS: brew install %s)", name, why, name, name)
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		logf("%s is not on PATH: %s", name, how)
		return "", name + " not installed: " + how
	}
	logf("%s is not on PATH: installing it with apt-get", name)
	for _, args := range [][]string{{"update"}, {"install", "-y", name}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Sprintf("%s could not be installed (apt-get %s: %v): %s", name, args[0], err, how)
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, ""
	}
	return "", name + " still not on PATH after apt-get install: " + how
}

// waitQuiet waits, before a group, until the machine's 1-minute load
// average is at most e.Quiet (other work skews the figures), for at most
// e.QuietWait.
func (e *Env) waitQuiet(what string) {
	load := loadAvg1()
	if e.Quiet <= 0 || load <= e.Quiet {
		return
	}
	start := time.Now()
	logf("%s: load average %.2f > %.2f: waiting for a quieter machine (at most %s)", what, load, e.Quiet, e.QuietWait)
	for load > e.Quiet && time.Since(start) < e.QuietWait {
		select {
		case <-time.After(5 * time.Second):
		case <-e.ctx.Done():
			return
		}
		load = loadAvg1()
	}
	e.Waited += time.Since(start).Round(time.Second)
	logf("%s: load average %.2f after %s", what, load, time.Since(start).Round(time.Second))
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

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
