package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Search and call-log labelling (issue 5).

// searchLimit is the target's "a search whose answer is up to 100 contacts".
const searchLimit = 100

func searchScenario(name, title, query string, json bool, check func(out []byte) error) *Scenario {
	args := []string{"search", query, "--limit", fmt.Sprint(searchLimit)}
	show := fmt.Sprintf("contacts search %q --limit %d", query, searchLimit)
	if strings.IndexByte(query, ' ') < 0 {
		show = fmt.Sprintf("contacts search %s --limit %d", query, searchLimit)
	}
	if json {
		args = append(args, "-o", "json")
		show += " -o json"
	}
	return &Scenario{
		Name: name, Group: "search", Title: title, Deps: []string{"version"},
		Show:    show,
		Cmd:     func(e *Env, i int) *exec.Cmd { return command(e.Bin, args...) },
		Capture: true,
		Check: func(e *Env, i int, smp *Sample) error {
			if smp.Exit != 0 {
				return fmt.Errorf("exit status %d: %s", smp.Exit, firstLine(smp.Stderr))
			}
			return check(smp.Stdout)
		},
		Target: "median − `contacts --version` median < 50 ms",
		Judge: func(r *Result, all map[string]*Result) string {
			v := all["version"]
			if !v.ok() {
				return "not judged: no --version figure"
			}
			d := r.Median - v.Median
			s := fmt.Sprintf("%s beyond start-up (%s − %s)", fmtDur(d), fmtDur(r.Median), fmtDur(v.Median))
			if d < 50*time.Millisecond {
				return "**met**: " + s
			}
			return fmt.Sprintf("**NOT met**: %s (limit 50 ms: %.0f%% over)", s, (float64(d)/float64(50*time.Millisecond)-1)*100)
		},
	}
}

// searchResults decodes a search's JSON array.
func searchResults(out []byte) ([]struct{ Name, Phone *string }, error) {
	var rs []struct{ Name, Phone *string }
	if err := json.Unmarshal(out, &rs); err != nil {
		return nil, fmt.Errorf("output is not a JSON array: %v", err)
	}
	if len(rs) == 0 || len(rs) > searchLimit {
		return nil, fmt.Errorf("%d results, want 1 to %d", len(rs), searchLimit)
	}
	return rs, nil
}

func searchScenarios() []*Scenario {
	return []*Scenario{
		searchScenario("search-word", "search, a word prefix (100 of thousands)", "stephen", true, func(out []byte) error {
			rs, err := searchResults(out)
			if err != nil {
				return err
			}
			if len(rs) != searchLimit {
				return fmt.Errorf("%d results, want %d (the book has thousands of Stephensons)", len(rs), searchLimit)
			}
			return nil
		}),
		searchScenario("search-digits", "search, a run of digits of the number", "2012 34", true, func(out []byte) error {
			rs, err := searchResults(out)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.Phone == nil || !strings.Contains(*r.Phone, "201234") {
					return fmt.Errorf("a result's phone has no 201234: %v", r.Phone)
				}
			}
			return nil
		}),
		searchScenario("search-accents", "search, two words with an accent, as a table", "søren kierkegaard", false, func(out []byte) error {
			if !bytes.Contains(out, []byte("Søren Kierkegaard")) {
				return fmt.Errorf("no Søren Kierkegaard in the table: %.200q", out)
			}
			return nil
		}),
	}
}

func labelScenarios() []*Scenario {
	calls := func(e *Env) string { return filepath.Join(e.Dir, e.data.CallsCSV) }
	return []*Scenario{
		{
			Name: "label", Group: "label", Title: "label a call log of 1,000,000 calls", Slow: true, Runs: 3, Needs: []string{"derived"},
			Show: "contacts label calls.csv --column from > /dev/null",
			Detail: "`calls.csv` (made once, git-ignored in bench-data/): columns `time,direction,from,to,duration`, 1,000,000 calls " +
				"from 100,000 distinct numbers, each calling at least once, the rest at random, shuffled; 90,000 numbers are in the book " +
				"and 10,000 are valid numbers that are not. Each number has one written form, as a phone system writes it: E.164 (60%), " +
				"international format with spaces, quoted (20%), or 00 and the digits (20%). The untimed warm-up run's output is parsed: " +
				"1,000,000 rows, in order, with `contact_id` set on exactly the calls from numbers of the book.",
			Cmd: func(e *Env, i int) *exec.Cmd { return command(e.Bin, "label", calls(e), "--column", "from") },
			Warm: func(e *Env) error {
				if err := readAll(calls(e)); err != nil {
					return err
				}
				return checkStream(e, command(e.Bin, "label", calls(e), "--column", "from"), func(r io.Reader) error {
					return checkLabelled(r, e.data.CallRows, e.data.CallKnown)
				})
			},
			Target: "≥ 50,000 rows/s; constant memory (peak RSS < 128 MiB suggested)",
			Judge: func(r *Result, all map[string]*Result) string {
				rate := float64(callRows) / r.Median.Seconds()
				var met, missed []string
				s := fmt.Sprintf("%s rows/s", thousands(int(rate)))
				if rate >= 50000 {
					met = append(met, s)
				} else {
					missed = append(missed, fmt.Sprintf("%s (%.0f%% short of 50,000)", s, (1-rate/50000)*100))
				}
				s = fmt.Sprintf("%s peak", fmtRSS(r.PeakRSS))
				if r.PeakRSS > 0 && r.PeakRSS < 128<<20 {
					met = append(met, s)
				} else {
					missed = append(missed, s+" (limit 128 MiB)")
				}
				return metVerdict(met, missed)
			},
		},
	}
}

// checkLabelled checks label's output: the header with the three columns
// after "from", rows in order, and contact_id set on exactly known rows.
func checkLabelled(r io.Reader, rows, known int) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		return err
	}
	if got := strings.Join(hdr, ","); got != "time,direction,from,contact_name,contact_company,contact_id,to,duration" {
		return fmt.Errorf("header %q", got)
	}
	n, labelled, prev := 0, 0, ""
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if rec[0] < prev {
			return fmt.Errorf("row %d is out of order", n+1)
		}
		prev = rec[0]
		if rec[5] != "" {
			labelled++
		}
		n++
	}
	if n != rows || labelled != known {
		return fmt.Errorf("%d rows, %d labelled; want %d and %d", n, labelled, rows, known)
	}
	return nil
}
