package main

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"runtime"
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
// judgeAgainst judges r's median against another row of the product's
// (what), at most ratio times as long.
func judgeAgainst(r, ref *Row, what string, ratio float64) string {
	if !ref.ok() || ref.Median == 0 {
		return fmt.Sprintf("unknown: the %g× %s limit not checked (no %s figure)", ratio, what, what)
	}
	x := float64(r.Median) / float64(ref.Median)
	if x <= ratio {
		return fmt.Sprintf("**met**: %.2f× %s", x, what)
	}
	return fmt.Sprintf("**missed**: %.2f× %s (limit %g×: %.0f%% over)", x, what, ratio, (x/ratio-1)*100)
}

func judgeRatio(r, ref *Row, ratio float64, limit time.Duration, rss int64) string {
	var met, missed, unknown []string
	if ratio > 0 {
		if !ref.ok() {
			unknown = append(unknown, fmt.Sprintf("the %g× sqlite3 limit not checked (no sqlite3 figure)", ratio))
		} else {
			x := float64(r.Median) / float64(ref.Median)
			name := "sqlite3"
			if !strings.Contains(ref.Name, "sqlite3") {
				name = "the " + ref.Name // undo-import: the import's
			}
			s := fmt.Sprintf("%.2f× %s", x, name)
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

func verdict(r *Row, all map[string]*Row) string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Err != nil:
		return "**FAILED**: " + r.Err.Error()
	case r.Judge != nil:
		v := r.Judge(r, all)
		if r.Note != "" {
			v += "; " + r.Note
		}
		return v
	case r.Note != "":
		return "**met**: " + r.Note
	}
	return "—"
}

// render is the report: how it was measured, and the tables.
func render(e *Env, order []*Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s by `cd bench && go run . %s`.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&b, "- Machine: %s, %d CPUs (nproc), %s; Linux %s; load average %s before the runs, %s after.\n",
		cpuModel(), runtime.NumCPU(), memTotal(), kernel(), e.LoadBefore, e.LoadAfter)
	goVersion := "?"
	if bi, err := buildinfo.ReadFile(e.Bin); err == nil {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(&b, "- Binary: `%s`, %s, built with %s.\n", strings.TrimSpace(string(output(e.Bin, "--version"))), fileSize(e.Bin), goVersion)
	var tools []string
	for _, t := range []string{"hyperfine", "sqlite3", "wrk"} {
		if p := e.Tools[t]; p != "" {
			v := strings.Fields(string(output(p, "--version")) + " ?")
			if t == "sqlite3" {
				v = append([]string{"sqlite3"}, v...)
			}
			tools = append(tools, strings.Join(v[:2], " "))
		}
	}
	fmt.Fprintf(&b, "- Tools: %s.\n", strings.Join(tools, ", "))
	if e.Book != nil {
		fmt.Fprintf(&b, "- Book: %s contacts, bench.db %s MB (CSV copy %s MB), generated in %s.\n",
			thousands(e.Book.N), mb(fileBytes(e.DB)), mb(e.Book.CSVBytes), e.Book.GeneratedIn)
	}
	if d := e.Data; d != nil {
		fmt.Fprintf(&b, "- Derived inputs (made once in %s): `import.csv` (%s rows), `calls.csv` (%s calls, %s of them from numbers of the book), "+
			"`lookups.txt`; %s.\n", d.MadeIn, thousands(d.ImportRows), thousands(d.CallRows), thousands(d.CallKnown), d.CheckedCSV)
	}
	runs := "20 timed runs of each command, 5 for the listings and exports, 3 for the imports, the call log and the load tests"
	if e.Runs > 0 {
		runs = fmt.Sprintf("%d timed runs of each command", e.Runs)
	}
	fmt.Fprintf(&b, "- Timing: hyperfine -N (no shell), %s, after warm-up runs; whole-process wall clock. Peak RSS: the checked "+
		"run's maxrss, taken by a small parent process (`bench -spawn`).\n", runs)
	if e.Quiet > 0 {
		fmt.Fprintf(&b, "- Before each group, bench waited while the 1-minute load average was above %.2f (at most %s each time): %s in all.\n",
			e.Quiet, e.QuietWait, e.Waited)
	}
	b.WriteString("\n")
	var loads, procs []*Row
	for _, r := range order {
		if r.Load != nil || strings.HasPrefix(r.Name, "serve-") {
			loads = append(loads, r)
		} else {
			procs = append(procs, r)
		}
	}
	if len(procs) > 0 {
		b.WriteString("| scenario | command | median | min | max | runs | peak RSS | target | verdict |\n")
		b.WriteString("|---|---|--:|--:|--:|--:|--:|---|---|\n")
	}
	for _, r := range procs {
		med, lo, hi := "—", "—", "—"
		if r.ok() {
			med, lo, hi = fmtDur(r.Median), fmtDur(r.Min), fmtDur(r.Max)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d | %s | %s | %s |\n", cell(r.Title), codeCell(r.Show), med, lo, hi, r.Runs,
			fmtRSS(r.PeakRSS), cell(r.Target), cell(r.Verdict))
	}
	if len(loads) > 0 {
		b.WriteString("\nLoad tests of `contacts serve` (medians over the runs; error counts summed; server memory the largest):\n\n")
		b.WriteString("| scenario | load generator | runs | requests/s | p50 | p99 | error responses | socket errors | server memory (RssAnon) | CPU: server / wrk (cores) | target | verdict |\n")
		b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n")
		for _, r := range loads {
			rate, p50, p99, errs, serrs, rss, cpu := "—", "—", "—", "—", "—", "—", "—"
			if l := r.Load; r.ok() && l != nil {
				rate, p50, p99 = thousands(int(l.Rate)), fmtDur(l.P50), fmtDur(l.P99)
				errs, serrs, rss = thousands(int(l.Errors)), thousands(int(l.SockErrs)), fmtRSS(l.ServerRSS)
				cpu = fmt.Sprintf("%.2f / %.2f", l.ServerCPU, l.ClientCPU)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(r.Title), codeCell(r.Show),
				r.Runs, rate, p50, p99, errs, serrs, rss, cpu, cell(r.Target), cell(r.Verdict))
		}
	}
	for _, r := range order {
		if r.Detail != "" {
			fmt.Fprintf(&b, "\n- *%s*: %s", r.Title, r.Detail)
		}
	}
	b.WriteString("\n")
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
