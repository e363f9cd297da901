package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	beginMarker = "<!-- bench:begin -->"
	endMarker   = "<!-- bench:end -->"
)

// judgeRatio is a verdict on a median against a reference row's (within
// ratio times it), an absolute limit, and a peak RSS limit; zero limits are
// not checked.
func judgeRatio(r, ref *Result, ratio float64, limit time.Duration, rss int64) string {
	var met, missed, unknown []string
	if ratio > 0 {
		if !ref.ok() {
			unknown = append(unknown, fmt.Sprintf("the %g× sqlite3 limit not checked (no sqlite3 figure)", ratio))
		} else {
			x := float64(r.Median) / float64(ref.Median)
			s := fmt.Sprintf("%.2f× sqlite3", x)
			if x <= ratio {
				met = append(met, s)
			} else {
				missed = append(missed, fmt.Sprintf("%s (limit %g×: %.0f%% over)", s, ratio, (x/ratio-1)*100))
			}
		}
	}
	if limit > 0 {
		s := fmt.Sprintf("%s median", fmtDur(r.Median))
		if r.Median < limit {
			met = append(met, s)
		} else {
			missed = append(missed, fmt.Sprintf("%s (limit %s: %.0f%% over)", s, fmtDur(limit), (float64(r.Median)/float64(limit)-1)*100))
		}
	}
	if rss > 0 {
		s := fmt.Sprintf("%s peak", fmtRSS(r.PeakRSS))
		if r.PeakRSS == 0 {
			missed = append(missed, "peak RSS unknown")
		} else if r.PeakRSS < rss {
			met = append(met, s)
		} else {
			missed = append(missed, fmt.Sprintf("%s (limit %s)", s, fmtRSS(rss)))
		}
	}
	out := metVerdict(met, missed)
	if len(unknown) > 0 {
		if out != "" {
			out += "; "
		}
		out += strings.Join(unknown, ", ")
	}
	return out
}

func verdict(r *Result, all map[string]*Result) string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Err != nil:
		return "**FAILED**: " + r.Err.Error()
	case r.S.Judge != nil:
		v := r.S.Judge(r, all)
		if r.Note != "" {
			v += "; " + r.Note
		}
		return v
	case r.Note != "":
		return "**met**: " + r.Note
	}
	return "—"
}

// render is the report: a header, the table, and where a lookup's time goes.
func render(e *Env, order []*Result, all map[string]*Result, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s by `go run ./internal/benchtool %s`.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&b, "- Machine: %s, %d CPUs (nproc), %s; Linux %s; load average %s before the runs, %s after.\n",
		cpuModel(), runtime.NumCPU(), memTotal(), kernel(), e.LoadBefore, e.LoadAfter)
	goVersion := runtime.Version()
	if bi, err := buildinfo.ReadFile(e.Bin); err == nil {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(&b, "- Binary: `%s`, %s, built with %s.\n", strings.TrimSpace(string(output(e.Bin, "--version"))), fileSize(e.Bin), goVersion)
	if e.Sqlite3 != "" {
		fmt.Fprintf(&b, "- sqlite3: %s.\n", strings.Fields(string(output(e.Sqlite3, "--version")) + " ?")[0])
	}
	if e.Book != nil {
		fmt.Fprintf(&b, "- Book: %s contacts, bench.db %s MB (CSV copy %s MB), generated in %s.\n",
			thousands(e.Book.N), mb(fileBytes(e.DB)), mb(e.Book.CSVBytes), e.Book.GeneratedIn)
	}
	if d := e.data; d != nil {
		fmt.Fprintf(&b, "- Derived inputs (made once in %s): `import.csv` (%s rows), `calls.csv` (%s calls, %s of them from numbers of the book), "+
			"`lookups.txt`; %s.\n", d.MadeIn, thousands(d.ImportRows), thousands(d.CallRows), thousands(d.CallKnown), d.CheckedCSV)
	}
	runsNote := "Runs: 20 per scenario, 5 for the listings and exports, 3 for the imports, the call log and the load tests"
	if runs > 0 {
		runsNote = fmt.Sprintf("Runs: %d per scenario", runs)
	}
	fmt.Fprintf(&b, "- %s, interleaved, after one untimed warm-up each; "+
		"whole-process wall clock; peak RSS is the largest maxrss of the runs (taken by a small parent process, `spawn`, whose own ~2 MiB "+
		"is the floor: Linux carries the parent's peak into a vforked child's maxrss).\n", runsNote)
	if e.Quiet > 0 {
		fmt.Fprintf(&b, "- Quiet machine: before each round of runs (run k of every scenario), benchtool waited while the 1-minute load "+
			"average was above %.2f, at most %s each time and %s in all: it waited %s, and %d time(s) gave up and ran anyway. The load "+
			"average at the start of each run is in the tables; it counts benchtool's own previous runs too (an import keeps both cores "+
			"busy for a minute).\n", e.Quiet, e.QuietWait, e.QuietBudget, e.Waited.Round(time.Second), e.WaitTimeouts)
	}
	b.WriteString("\n")
	var loads, procs []*Result
	for _, r := range order {
		if r.S.Load {
			loads = append(loads, r)
		} else {
			procs = append(procs, r)
		}
	}
	if len(procs) > 0 {
		b.WriteString("| scenario | command | median | min | max | peak RSS | load avg at the runs | target | verdict |\n")
		b.WriteString("|---|---|--:|--:|--:|--:|--:|---|---|\n")
	}
	for _, r := range procs {
		med, lo, hi, rss := "—", "—", "—", "—"
		if r.ok() {
			med, lo, hi, rss = fmtDur(r.Median), fmtDur(r.Min), fmtDur(r.Max), fmtRSS(r.PeakRSS)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(r.S.Title), codeCell(r.S.Show), med, lo, hi, rss,
			runLoads(r), cell(r.S.Target), cell(r.Verdict))
	}
	if len(loads) > 0 {
		b.WriteString("\nLoad tests of `contacts serve` (medians over the runs; error counts summed; server memory the largest):\n\n")
		b.WriteString("| scenario | load generator | runs | requests/s | p50 | p99 | error responses | socket errors | server memory (RssAnon) | CPU: server / wrk (cores) | load avg at the runs | target | verdict |\n")
		b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n")
		for _, r := range loads {
			rate, p50, p99, errs, serrs, rss, cpu := "—", "—", "—", "—", "—", "—", "—"
			if l := r.Load; r.ok() && l != nil {
				rate, p50, p99 = thousands(int(l.Rate)), fmtDur(l.P50), fmtDur(l.P99)
				errs, serrs, rss = thousands(int(l.Errors)), thousands(int(l.SockErrs)), fmtRSS(l.ServerRSS)
				cpu = fmt.Sprintf("%.2f / %.2f", l.ServerCPU, l.ClientCPU)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(r.S.Title), codeCell(r.S.Show),
				len(r.Runs), rate, p50, p99, errs, serrs, rss, cpu, runLoads(r), cell(r.S.Target), cell(r.Verdict))
		}
	}
	for _, r := range order {
		if r.S.Detail != "" {
			fmt.Fprintf(&b, "\n- *%s*: %s", r.S.Title, r.S.Detail)
		}
	}
	b.WriteString("\n")
	b.WriteString(breakdown(all))
	return b.String()
}

// runLoads is the 1-minute load average at the start of each run: every
// value for up to 5 runs, else the range and median.
func runLoads(r *Result) string {
	if len(r.Runs) == 0 {
		return "—"
	}
	var v []float64
	for _, smp := range r.Runs {
		v = append(v, smp.LoadAvg)
	}
	if len(v) <= 5 {
		var s []string
		for _, x := range v {
			s = append(s, fmt.Sprintf("%.2f", x))
		}
		return strings.Join(s, ", ")
	}
	lo, hi := slices.Min(v), slices.Max(v)
	return fmt.Sprintf("%.2f–%.2f (median %.2f)", lo, hi, median(v))
}

// breakdown subtracts the baselines' medians from the lookup's.
func breakdown(all map[string]*Result) string {
	steps := []struct{ name, what string }{
		{"hello", "exec and the Go runtime (`hello`)"},
		{"pninit", "+ phonenumbers' package init (`pninit`)"},
		{"version", "+ every other package init and the command tree (`contacts --version`)"},
		{"lookup", "+ config, opening the book, normalizing, the query, printing (`contacts lookup`)"},
	}
	for _, s := range steps {
		if !all[s.name].ok() {
			return ""
		}
	}
	var b strings.Builder
	b.WriteString("\nWhere a lookup's time goes (differences of medians above):\n\n")
	b.WriteString("| stage | median | added |\n|---|--:|--:|\n")
	prev := time.Duration(0)
	for _, s := range steps {
		m := all[s.name].Median
		fmt.Fprintf(&b, "| %s | %s | %s |\n", s.what, fmtDur(m), fmtDur(m-prev))
		prev = m
	}
	if r := all["sqlq"]; r.ok() {
		fmt.Fprintf(&b, "| for comparison: a Go process that opens the book with modernc and runs the query (`sqlq`) | %s | |\n", fmtDur(r.Median))
	}
	if r := all["lookup-sqlite3"]; r.ok() {
		fmt.Fprintf(&b, "| for comparison: `sqlite3` | %s | |\n", fmtDur(r.Median))
	}
	return b.String()
}

var initLine = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs`)

// initTrace runs `contacts --version` with GODEBUG=inittrace=1 and ranks
// the package inits by median clock time.
func initTrace(e *Env) string {
	const n = 15
	clocks := map[string][]float64{}
	allocs := map[string]int64{}
	for range n {
		cmd := command(e.Bin, "--version")
		cmd.Env = e.env("GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return ""
		}
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			m := initLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			ms, _ := strconv.ParseFloat(m[2], 64)
			bytes, _ := strconv.ParseInt(m[3], 10, 64)
			clocks[m[1]] = append(clocks[m[1]], ms)
			allocs[m[1]] = bytes
		}
	}
	type pkg struct {
		name  string
		ms    float64
		bytes int64
	}
	var pkgs []pkg
	total := 0.0
	for name, v := range clocks {
		slices.Sort(v)
		p := pkg{name, v[len(v)/2], allocs[name]}
		total += p.ms
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ms > pkgs[j].ms })
	var b strings.Builder
	fmt.Fprintf(&b, "\nPackage initialization of `contacts` (`GODEBUG=inittrace=1 contacts --version`, median of %d runs): "+
		"%d packages, %.2f ms in total. The largest:\n\n", n, len(pkgs), total)
	b.WriteString("| package | init clock | allocated |\n|---|--:|--:|\n")
	for i, p := range pkgs {
		if i == 10 || p.ms < 0.05 {
			break
		}
		fmt.Fprintf(&b, "| %s | %.2f ms | %s |\n", p.name, p.ms, fmtRSS(p.bytes))
	}
	return b.String()
}

// writeMarkdown puts report between the markers of file, replacing what
// was there; a file without markers gets them appended.
func writeMarkdown(file, report string) error {
	old, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	block := beginMarker + "\n" + report + endMarker
	// The markers count on lines of their own: the text may quote them.
	i, j := lineIndex(s, beginMarker), lineIndex(s, endMarker)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + block + s[j+len(endMarker):]
	case i >= 0 || j >= 0:
		return fmt.Errorf("%s: the markers %s and %s are not in order", file, beginMarker, endMarker)
	default:
		if s != "" && !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		s += "\n" + block + "\n"
	}
	return os.WriteFile(file, []byte(s), 0o644)
}

// lineIndex is the index of the first line of s that is exactly line, or -1.
func lineIndex(s, line string) int {
	for off := 0; off < len(s); {
		k := strings.Index(s[off:], line)
		if k < 0 {
			return -1
		}
		k += off
		end := k + len(line)
		if (k == 0 || s[k-1] == '\n') && (end == len(s) || s[end] == '\n' || s[end] == '\r') {
			return k
		}
		off = k + 1
	}
	return -1
}

func fmtDur(d time.Duration) string {
	switch {
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func fmtRSS(n int64) string {
	if n <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

// codeCell shows a command as code; text after " (" is a plain remark.
func codeCell(s string) string {
	cmd, rest, _ := strings.Cut(s, " (")
	out := "`" + cell(cmd) + "`"
	if rest != "" {
		out += " (" + cell(rest)
	}
	return out
}

func output(name string, args ...string) []byte {
	b, _ := exec.Command(name, args...).Output()
	return b
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return fmt.Sprintf("%.0f GiB RAM", kb/(1<<20))
		}
	}
	return "RAM unknown"
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}

func fileBytes(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func fileSize(p string) string { return fmt.Sprintf("%.1f MB", float64(fileBytes(p))/1e6) }

// loadAvg is the 1-minute load average: other work on the machine skews
// the figures, so the report says how busy it was.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// loadAvg1 is loadAvg as a number (-1 when unknown).
func loadAvg1() float64 {
	v, err := strconv.ParseFloat(loadAvg(), 64)
	if err != nil {
		return -1
	}
	return v
}

// thousands writes n with commas: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// metVerdict is the verdict cell of the targets met and missed: "**NOT met**:
// …; met: …" when any is missed, else "**met**: …" ("" when none is known).
func metVerdict(met, missed []string) string {
	switch {
	case len(missed) > 0:
		out := "**NOT met**: " + strings.Join(missed, ", ")
		if len(met) > 0 {
			out += "; met: " + strings.Join(met, ", ")
		}
		return out
	case len(met) > 0:
		return "**met**: " + strings.Join(met, ", ")
	}
	return ""
}
