package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSelectGroupsBringsDeps(t *testing.T) {
	got, err := selectGroups("search")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range got {
		names = append(names, g.Name)
	}
	if strings.Join(names, ",") != "startup,search" {
		t.Errorf("selected %v, want startup (the --version that search is judged against) and search, in the report's order", names)
	}
	if _, err := selectGroups("no-such"); err == nil {
		t.Error("an unknown group was accepted")
	}
}

func TestRowNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range groups() {
		for _, r := range g.Rows {
			if seen[r.Name] {
				t.Errorf("two rows are named %q", r.Name)
			}
			seen[r.Name] = true
			if (r.Argv == nil) == (g.Load == nil) {
				t.Errorf("%s: a row has a command exactly when its group is timed by hyperfine", r.Name)
			}
		}
	}
}

func TestShellJoin(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"/bin/contacts", "lookup", "+4520123456"}, "/bin/contacts lookup +4520123456"},
		{[]string{"contacts", "lookup", "--region", "DK", "20 12 34 56"}, "contacts lookup --region DK '20 12 34 56'"},
		{[]string{"sqlite3", "b.db", "SELECT * FROM c WHERE p='+45'"}, `sqlite3 b.db 'SELECT * FROM c WHERE p='\''+45'\'''`},
		{[]string{"x", ""}, "x ''"},
	} {
		if got := shellJoin(tc.in); got != tc.want {
			t.Errorf("shellJoin(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFill(t *testing.T) {
	three, zero := 3, 0
	r := &Row{Exit: 3}
	fill(r, hyperfineResult{Median: 0.0091, Min: 0.008, Max: 0.012, Times: []float64{0.008, 0.0091, 0.012}, ExitCodes: []*int{&three, &three, &three}})
	if r.Err != nil || r.Median != 9100*time.Microsecond || r.Runs != 3 {
		t.Errorf("fill: %+v", r)
	}
	r = &Row{Exit: 3}
	fill(r, hyperfineResult{Times: []float64{1, 1}, ExitCodes: []*int{&three, &zero}})
	if r.Err == nil {
		t.Error("a run with the wrong exit status passed")
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

func TestCheckJSONArray(t *testing.T) {
	one := `{"id":"01B","phone":"+4520123456","phone_formatted":"+45 20 12 34 56","created_at":"2026-01-02T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"}`
	two := `{"id":"01A","phone":"+4520123457","phone_formatted":"+45 20 12 34 57","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	if err := checkJSONArray(strings.NewReader("["+one+","+two+"]"), 2); err != nil {
		t.Error(err)
	}
	if err := checkJSONArray(strings.NewReader("["+two+","+one+"]"), 2); err == nil {
		t.Error("oldest first passed")
	}
	if err := checkJSONArray(strings.NewReader("["+one+"]"), 2); err == nil {
		t.Error("a short listing passed")
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

func TestWidestLine(t *testing.T) {
	n, widest, err := widestLine(strings.NewReader("ID  NAME\n01  李小龍\n01  Ann\n"))
	if err != nil || n != 3 || widest != 10 {
		t.Errorf("widestLine: %d lines, widest %d, %v; want 3, 10 (a wide character takes two columns)", n, widest, err)
	}
}
