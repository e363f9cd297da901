package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 = %v, want 2", got)
	}
	if got := median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Errorf("median of 4 = %v, want 2 (the mean of 2 and 3, truncated)", got)
	}
}

func TestSelectScenariosBringsDeps(t *testing.T) {
	got, err := selectScenarios("search-word")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if !slices.Contains(names, "version") || !slices.Contains(names, "search-word") {
		t.Errorf("selected %v, want search-word and the --version it is judged against", names)
	}
	if _, err := selectScenarios("no-such"); err == nil {
		t.Error("an unknown scenario was accepted")
	}
}

func TestScenarioNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range scenarios() {
		if seen[s.Name] {
			t.Errorf("two scenarios are named %q", s.Name)
		}
		seen[s.Name] = true
		if (s.Cmd == nil) == (s.Measure == nil) {
			t.Errorf("%s: exactly one of Cmd and Measure must be set", s.Name)
		}
	}
	for _, s := range scenarios() {
		for _, d := range s.Deps {
			if !seen[d] {
				t.Errorf("%s depends on %q, which is no scenario", s.Name, d)
			}
		}
	}
}

func TestCheckLabelled(t *testing.T) {
	out := "time,direction,from,contact_name,contact_company,contact_id,to,duration\n" +
		"2026-06-01T08:00:00Z,in,+4520123456,Ann,,01ABC,+4570100001,12\n" +
		"2026-06-01T08:00:01Z,in,+4533123456,,,,+4570100001,3\n"
	if err := checkLabelled(strings.NewReader(out), 2, 1); err != nil {
		t.Error(err)
	}
	if err := checkLabelled(strings.NewReader(out), 2, 2); err == nil {
		t.Error("a wrong labelled count passed")
	}
}

func TestCountCSV(t *testing.T) {
	in := "a,b,c,d,e,f,g,h,i\n1,2,3,4,5,\"6\n6\",7,8,9\n"
	if err := countCSV(strings.NewReader(in), 2); err != nil {
		t.Error(err)
	}
	if err := countCSV(strings.NewReader(in), 3); err == nil {
		t.Error("a wrong count passed")
	}
}

func TestWriteMarkdown(t *testing.T) {
	p := filepath.Join(t.TempDir(), "B.md")
	quoted := "| `-md` | between `" + beginMarker + "` and `" + endMarker + "` |\n"
	if err := os.WriteFile(p, []byte(quoted+"head\n"+beginMarker+"\nold\n"+endMarker+"\ntail\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeMarkdown(p, "new\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := quoted + "head\n" + beginMarker + "\nnew\n" + endMarker + "\ntail\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

func TestRunLoads(t *testing.T) {
	r := &Result{Runs: []Sample{{LoadAvg: 0.5}, {LoadAvg: 1.25}}}
	if got := runLoads(r); got != "0.50, 1.25" {
		t.Errorf("runLoads = %q", got)
	}
	for range 5 {
		r.Runs = append(r.Runs, Sample{LoadAvg: 1})
	}
	if got := runLoads(r); got != "0.50–1.25 (median 1.00)" {
		t.Errorf("runLoads = %q", got)
	}
}
