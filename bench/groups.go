package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/phoneinc/contacts/internal/bookgen"
)

// contactColumns are the contact's fields in their JSON order: what sqlite3 selects.
const contactColumns = "id,name,email,phone,phone_formatted,company_name,note,created_at,updated_at"

const listOrder = " FROM contacts ORDER BY created_at DESC, id DESC"

// groups are the report's rows, in order. To add a command, add a Row to
// a group (or a group): its Argv, a Check of its output, a Target and a
// Judge that compares with a reference row (judgeRatio).
func groups() []*Group {
	bin := func(args ...string) func(e *Env) []string {
		return func(e *Env) []string { return append([]string{e.Bin}, args...) }
	}
	sqliteQuery := func(mode, query string) func(e *Env) []string { // sqlite3 -json|-csv bench.db QUERY
		return func(e *Env) []string { return []string{e.Tools["sqlite3"], mode, e.DB, query} }
	}
	lookupTarget, lookupLimit := "median ≤ 5× sqlite3 and < 12 ms", 12*time.Millisecond
	return []*Group{
		{
			Name: "startup", NoBook: true,
			Rows: []*Row{
				{Name: "help", Title: "--help", Show: "contacts --help", Argv: bin("--help"), Target: "opens no book, reads no config",
					Check: func(e *Env, r *Row, _ io.Reader) error { return touchesNothing(e, r, "--help") }},
				{Name: "version", Title: "--version", Show: "contacts --version", Argv: bin("--version"), Target: "opens no book, reads no config",
					Check: func(e *Env, r *Row, _ io.Reader) error { return touchesNothing(e, r, "--version") }},
			},
		},
		{
			Name: "lookup", Warmup: 3, Needs: []string{"sqlite3"},
			Rows: []*Row{
				{
					Name: "lookup", Title: "lookup, number in the book, E.164", Show: "contacts lookup +E164",
					Argv:   func(e *Env) []string { return []string{e.Bin, "lookup", e.Book.Samples[0].E164} },
					Check:  func(e *Env, r *Row, out io.Reader) error { return printsContact(out, e.Book.Samples[0]) },
					Target: lookupTarget,
					Judge: func(r *Row, all map[string]*Row) string {
						return judgeRatio(r, all["lookup-sqlite3"], 5, lookupLimit, 0)
					},
				},
				{
					Name: "lookup-national", Title: "lookup, number in the book, written nationally", Show: `contacts lookup --region DK "20 12 34 56"`,
					Argv: func(e *Env) []string {
						s := nationalSample(e)
						return []string{e.Bin, "lookup", "--region", s.Region, s.National}
					},
					Check:  func(e *Env, r *Row, out io.Reader) error { return printsContact(out, nationalSample(e)) },
					Target: lookupTarget,
					Judge: func(r *Row, all map[string]*Row) string {
						return judgeRatio(r, all["lookup-sqlite3"], 5, lookupLimit, 0)
					},
				},
				{
					Name: "lookup-miss", Title: "lookup, number not in the book", Show: "contacts lookup +E164",
					Argv:   func(e *Env) []string { return []string{e.Bin, "lookup", e.Book.Misses[0].E164} },
					Exit:   3,
					Target: "exit 3, < 12 ms",
					Judge: func(r *Row, all map[string]*Row) string {
						return judgeRatio(r, nil, 0, lookupLimit, 0) + "; exit 3 every run"
					},
				},
				{
					Name: "lookup-sqlite3", Title: "lookup, sqlite3 reference", Target: "reference",
					Show: `sqlite3 bench.db "SELECT ` + contactColumns + ` FROM contacts WHERE phone='+E164'"`,
					Argv: func(e *Env) []string {
						return []string{e.Tools["sqlite3"], e.DB, "SELECT " + contactColumns + " FROM contacts WHERE phone='" + e.Book.Samples[0].E164 + "'"}
					},
					Check: func(e *Env, r *Row, out io.Reader) error { return printsContact(out, e.Book.Samples[0]) },
				},
			},
		},
		{
			Name: "search", Warmup: 3, Deps: []string{"startup"},
			Rows: []*Row{
				searchRow("search-word", "search, a word prefix (100 of thousands)", "stephen", true, func(out []byte) error {
					rs, err := searchResults(out)
					if err == nil && len(rs) != searchLimit {
						err = fmt.Errorf("%d results, want %d (the book has thousands of Stephensons)", len(rs), searchLimit)
					}
					return err
				}),
				searchRow("search-digits", "search, a run of digits of the number", "2012 34", true, func(out []byte) error {
					rs, err := searchResults(out)
					for _, r := range rs {
						if r.Phone == nil || !strings.Contains(*r.Phone, "201234") {
							return fmt.Errorf("a result's phone has no 201234: %v", r.Phone)
						}
					}
					return err
				}),
				searchRow("search-accents", "search, two words with an accent, as a table", "søren kierkegaard", false, func(out []byte) error {
					if !bytes.Contains(out, []byte("Søren Kierkegaard")) {
						return fmt.Errorf("no Søren Kierkegaard in the table: %.200q", out)
					}
					return nil
				}),
			},
		},
		{
			Name: "list", Runs: 5, Warmup: 1, Needs: []string{"sqlite3"},
			Rows: []*Row{
				{
					Name: "list-json", Title: "list all as JSON", Show: "contacts list -o json > /dev/null", Argv: bin("list", "-o", "json"),
					Check:  func(e *Env, r *Row, out io.Reader) error { return checkJSONArray(out, e.Book.N) },
					Target: "median ≤ 2× sqlite3 -json; peak RSS < 64 MiB",
					Judge:  func(r *Row, all map[string]*Row) string { return judgeRatio(r, all["list-json-sqlite3"], 2, 0, 64<<20) },
				},
				{
					Name: "list-json-sqlite3", Title: "list all as JSON, sqlite3 reference", Target: "reference",
					Show:  `sqlite3 -json bench.db "SELECT ` + contactColumns + listOrder + `" > /dev/null`,
					Argv:  sqliteQuery("-json", "SELECT "+contactColumns+listOrder),
					Check: func(e *Env, r *Row, out io.Reader) error { return checkJSONArray(out, e.Book.N) },
				},
				{
					Name: "list-table", Title: "list all as a table, piped (tab-separated values)", Show: "contacts list > /dev/null", Argv: bin("list"),
					Check: func(e *Env, r *Row, out io.Reader) error {
						n, err := countLines(out)
						if err == nil && n != e.Book.N {
							err = fmt.Errorf("the listing has %d lines for %d contacts (piped: no header)", n, e.Book.N)
						}
						return err
					},
					Target: "median ≤ 2× list -o json",
					Judge:  func(r *Row, all map[string]*Row) string { return judgeAgainst(r, all["list-json"], "list -o json", 2) },
				},
				{
					// Laid out as for an 80-column terminal (what a pty of 80
					// columns gets; the CLI's tests check that on a real pty).
					Name: "list-table-80", Title: "list all as a table for an 80-column terminal",
					Show: "env CONTACTS_FORCE_TTY=1 COLUMNS=80 NO_COLOR=1 contacts list > /dev/null",
					Argv: func(e *Env) []string {
						return []string{"/usr/bin/env", "CONTACTS_FORCE_TTY=1", "COLUMNS=80", "NO_COLOR=1", e.Bin, "list"}
					},
					Check: func(e *Env, r *Row, out io.Reader) error {
						n, widest, err := widestLine(out)
						if err == nil && n != e.Book.N+1 {
							err = fmt.Errorf("the table has %d lines for %d contacts and a header", n, e.Book.N)
						}
						if err == nil && widest > 80 {
							err = fmt.Errorf("a line of %d columns on an 80-column terminal", widest)
						}
						r.Note = fmt.Sprintf("widest line %d columns", widest)
						return err
					},
					Target: "median ≤ 2× list -o json; no line wider than 80 columns",
					Judge:  func(r *Row, all map[string]*Row) string { return judgeAgainst(r, all["list-json"], "list -o json", 2) },
				},
			},
		},
		{
			Name: "export", Runs: 5, Warmup: 1, Needs: []string{"sqlite3"},
			Rows: []*Row{
				{
					Name: "export-csv", Title: "export all as CSV", Show: "contacts export --format csv > /dev/null", Argv: bin("export", "--format", "csv"),
					Check:  func(e *Env, r *Row, out io.Reader) error { return countCSV(out, e.Book.N+1) },
					Target: "median ≤ 2× sqlite3 -csv; peak RSS < 64 MiB",
					Judge:  func(r *Row, all map[string]*Row) string { return judgeRatio(r, all["export-sqlite3"], 2, 0, 64<<20) },
				},
				{
					Name: "export-vcard", Title: "export all as vCard 4.0", Show: "contacts export --format vcard > /dev/null", Argv: bin("export", "--format", "vcard"),
					Check:  func(e *Env, r *Row, out io.Reader) error { return countCards(out, e.Book.N) },
					Target: "median ≤ 2× sqlite3 -csv; peak RSS < 64 MiB",
					Judge:  func(r *Row, all map[string]*Row) string { return judgeRatio(r, all["export-sqlite3"], 2, 0, 64<<20) },
				},
				{
					Name: "export-sqlite3", Title: "export, sqlite3 -csv reference", Target: "reference",
					Show:  `sqlite3 -csv bench.db "SELECT ` + contactColumns + listOrder + `" > /dev/null`,
					Argv:  sqliteQuery("-csv", "SELECT "+contactColumns+listOrder),
					Check: func(e *Env, r *Row, out io.Reader) error { return countCSV(out, e.Book.N) },
				},
			},
		},
		importGroup(),
		historyGroup(),
		{
			Name: "label", Runs: 3, Needs: []string{"derived"},
			Rows: []*Row{{
				Name: "label", Title: "label a call log of 1,000,000 calls", Show: "contacts label calls.csv --column from > /dev/null",
				Detail: "`calls.csv` (made once, git-ignored in bench-data/): columns `time,direction,from,to,duration`, 1,000,000 calls " +
					"from 100,000 distinct numbers, each calling at least once, the rest at random, shuffled; 90,000 numbers are in the book " +
					"and 10,000 are valid numbers that are not. Each number has one written form, as a phone system writes it: E.164 (60%), " +
					"international format with spaces, quoted (20%), or 00 and the digits (20%). The checked run's output is parsed: " +
					"1,000,000 rows, in order, with `contact_id` set on exactly the calls from numbers of the book.",
				Argv: func(e *Env) []string {
					return []string{e.Bin, "label", filepath.Join(e.Dir, e.Data.CallsCSV), "--column", "from"}
				},
				Check: func(e *Env, r *Row, out io.Reader) error {
					return checkLabelled(out, e.Data.CallRows, e.Data.CallKnown)
				},
				Target: "≥ 50,000 rows/s; peak RSS < 128 MiB",
				Judge: func(r *Row, all map[string]*Row) string {
					var met, missed []string
					rate := float64(callRows) / r.Median.Seconds()
					s := fmt.Sprintf("%s rows/s", thousands(int(rate)))
					if rate >= 50000 {
						met = append(met, s)
					} else {
						missed = append(missed, s+" (limit 50,000)")
					}
					s = fmtRSS(r.PeakRSS) + " peak"
					if r.PeakRSS > 0 && r.PeakRSS < 128<<20 {
						met = append(met, s)
					} else {
						missed = append(missed, s+" (limit 128 MiB)")
					}
					return metVerdict(met, missed)
				},
			}},
		},
		serveGroup(),
	}
}

// nationalSample is the number a lookup is given in national form: a
// Danish one (`20 12 34 56`, --region DK) when the book has one.
func nationalSample(e *Env) bookgen.Sample {
	for _, s := range e.Book.Samples {
		if s.Region == "DK" {
			return s
		}
	}
	return e.Book.Samples[len(e.Book.Samples)-1]
}

// importCompany is the company the import writes: removed before each run.
const importCompany = "imp"

func importGroup() *Group {
	removeBook := func(dir, name string) []string {
		argv := []string{"rm", "-rf"}
		for _, s := range []string{".db", ".db-wal", ".db-shm", ".db-journal"} {
			argv = append(argv, filepath.Join(dir, name+s))
		}
		return argv
	}
	sqliteBook := func(e *Env) string { return filepath.Join(e.Tmp, "sqlite-import.db") }
	return &Group{
		Name: "import", Runs: 3, Needs: []string{"derived", "sqlite3"},
		Rows: []*Row{
			{
				Name: "import", Title: "import 1,000,000 CSV rows into an empty company",
				Show: "contacts import import.csv --company imp --region DK (the company removed before each run)",
				Detail: "`import.csv` (made once from `contacts.csv`, git-ignored in bench-data/) holds the book's 1,000,000 contacts as a user " +
					"brings them: columns `name,email,phone,company_name,note`, no ids or timestamps, and numbers as people write them: half of " +
					"the Danish ones nationally (`20 12 34 56`, read with `--region DK`), the others in E.164 (50%), international format with " +
					"spaces (30%) or with the 00 prefix (20%). The checked run must report 1,000,000 created, and its book must hold 1,000,000 " +
					"contacts with nothing left queued for the search index.",
				Argv: func(e *Env) []string {
					return []string{e.Bin, "import", filepath.Join(e.Dir, e.Data.ImportCSV), "--company", importCompany, "--region", "DK"}
				},
				Prepare: func(e *Env) []string { return removeBook(e.Dir, importCompany) },
				Cleanup: func(e *Env) []string { return removeBook(e.Dir, importCompany) },
				// The summary is a message: it is on standard error.
				CheckStderr: true,
				Check: func(e *Env, r *Row, out io.Reader) error {
					b, err := io.ReadAll(out)
					if err != nil {
						return err
					}
					if want := fmt.Sprintf(": %d created, 0 updated, 0 unchanged, 0 skipped, 0 invalid", e.Data.ImportRows); !bytes.Contains(b, []byte(want)) {
						return fmt.Errorf("the summary is not %q: %.300q", want, b)
					}
					return nil
				},
				Verify: func(e *Env, r *Row) error {
					return countContacts(filepath.Join(e.Dir, importCompany+".db"), e.Data.ImportRows, 0)
				},
				Target: "median ≤ 2× sqlite3 .import (with the search triggers); peak RSS < 128 MiB",
				Judge:  func(r *Row, all map[string]*Row) string { return judgeRatio(r, all["import-sqlite3"], 2, 0, 128<<20) },
			},
			{
				Name: "import-sqlite3", Title: "import, sqlite3 .import reference", Target: "reference",
				Show: `sqlite3 book.db ".import --csv --skip 1 contacts.csv contacts" (book.db: an empty book made by contacts, with its search triggers)`,
				Argv: func(e *Env) []string {
					return []string{e.Tools["sqlite3"], sqliteBook(e), ".import --csv --skip 1 " + e.CSV + " contacts"}
				},
				Prepare: func(e *Env) []string { return []string{"cp", emptyBook(e), sqliteBook(e)} },
				// sqlite3 cannot write the search index (FTS5's
				// contentless_delete is newer than it), so its triggers
				// leave every row queued.
				Verify:  func(e *Env, r *Row) error { return countContacts(sqliteBook(e), e.Data.ImportRows, e.Data.ImportRows) },
				Cleanup: func(e *Env) []string { return removeBook(e.Tmp, "sqlite-import") },
			},
		},
	}
}

// The companies of the history group: a book of the import's 1,000,000
// contacts, each with its creation in the history; and one whose import
// each run undoes.
const historyCompany, undoCompany = "hist", "undo"

func historyGroup() *Group {
	importInto := func(e *Env, company string, always bool) []string {
		imp := shellJoin([]string{e.Bin, "import", filepath.Join(e.Dir, e.Data.ImportCSV), "--company", company, "--region", "DK"})
		book := shellJoin([]string{filepath.Join(e.Dir, company+".db")})
		if always {
			return []string{"sh", "-c", "rm -f " + book + " " + book + "-wal " + book + "-shm && " + imp + " >/dev/null 2>&1"}
		}
		return []string{"sh", "-c", "test -f " + book + " || " + imp + " >/dev/null 2>&1"}
	}
	return &Group{
		Name: "history", Runs: 2, Needs: []string{"derived"}, Deps: []string{"startup", "import"},
		Rows: []*Row{
			{
				Name: "history-ref", Title: "history of one contact, in a book of 1,000,000 contacts and 1,000,000 changes",
				Show: "contacts history +E164 --company hist",
				Argv: func(e *Env) []string {
					return []string{e.Bin, "history", e.Book.Samples[0].E164, "--company", historyCompany}
				},
				Prepare: func(e *Env) []string { return importInto(e, historyCompany, false) },
				Check: func(e *Env, r *Row, out io.Reader) error {
					b, err := io.ReadAll(out)
					if err == nil && !bytes.Contains(b, []byte("  create  by ")) {
						err = fmt.Errorf("no creation in the contact's history: %.300q", b)
					}
					return err
				},
				Target: "median − `contacts --version` median < 20 ms",
				Judge:  judgeBeyondStartup(20 * time.Millisecond),
			},
			{
				Name: "undo-import", Title: "undo of an import of 1,000,000 rows",
				Show:    "contacts undo --company undo (after a fresh import of import.csv, untimed, before each run)",
				Argv:    func(e *Env) []string { return []string{e.Bin, "undo", "--company", undoCompany} },
				Prepare: func(e *Env) []string { return importInto(e, undoCompany, true) },
				Verify: func(e *Env, r *Row) error {
					return countContacts(filepath.Join(e.Dir, undoCompany+".db"), 0, 0)
				},
				Target: "median ≤ 2× the import's median",
				Judge:  func(r *Row, all map[string]*Row) string { return judgeRatio(r, all["import"], 2, 0, 0) },
			},
		},
	}
}

// emptyBook is an empty book made by the binary under test, with its
// schema, indexes and search triggers: what sqlite3 imports into.
func emptyBook(e *Env) string {
	dir := filepath.Join(e.Tmp, "empty")
	p := filepath.Join(dir, "empty.db")
	if fileExists(p) {
		return p
	}
	// keys create makes the company's book; the key is then deleted.
	cmd := exec.Command(e.Bin, "keys", "create", "--company", "empty")
	cmd.Env = e.env("CONTACTS_DATA_DIR=" + dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		logf("make an empty book: contacts keys create: %v: %s", err, firstLine(out))
	} else if out, err := exec.Command(e.Tools["sqlite3"], p, "DELETE FROM api_keys; PRAGMA wal_checkpoint(TRUNCATE);").CombinedOutput(); err != nil {
		logf("empty the book: %v: %s", err, firstLine(out))
	}
	return p
}

// searchLimit is the target's "a search whose answer is up to 100 contacts".
const searchLimit = 100

func searchRow(name, title, query string, asJSON bool, check func(out []byte) error) *Row {
	args := []string{"search", query, "--limit", fmt.Sprint(searchLimit)}
	show := fmt.Sprintf("contacts search %q --limit %d", query, searchLimit)
	if asJSON {
		args = append(args, "-o", "json")
		show += " -o json"
	}
	return &Row{
		Name: name, Title: title, Show: show,
		Argv: func(e *Env) []string { return append([]string{e.Bin}, args...) },
		Check: func(e *Env, r *Row, out io.Reader) error {
			b, err := io.ReadAll(out)
			if err != nil {
				return err
			}
			return check(b)
		},
		Target: "median − `contacts --version` median < 50 ms",
		Judge:  judgeBeyondStartup(50 * time.Millisecond),
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

// printsContact checks a lookup's output: the contact of that number, in
// E.164 (JSON, sqlite3) or international format (the table).
func printsContact(out io.Reader, s bookgen.Sample) error {
	b, err := io.ReadAll(out)
	if err != nil {
		return err
	}
	if !bytes.Contains(b, []byte(s.E164)) && !bytes.Contains(b, []byte(s.Formatted)) {
		return fmt.Errorf("the output shows neither %s nor %s: %.200q", s.E164, s.Formatted, b)
	}
	return nil
}

// checkJSONArray stream-decodes a listing: an array of n contacts with
// all their keys, newest first.
func checkJSONArray(r io.Reader, n int) error {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return fmt.Errorf("not a JSON array (%v, %v)", t, err)
	}
	type contact struct {
		ID        string `json:"id"`
		Phone     string `json:"phone"`
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
	}
	count, prev := 0, ""
	for dec.More() {
		var c contact
		if err := dec.Decode(&c); err != nil {
			return fmt.Errorf("element %d: %w", count, err)
		}
		if c.ID == "" || c.Phone == "" || c.CreatedAt == "" || c.UpdatedAt == "" {
			return fmt.Errorf("element %d lacks a field: %+v", count, c)
		}
		if prev != "" && c.CreatedAt > prev {
			return fmt.Errorf("element %d is newer than the one before: not newest first", count)
		}
		prev = c.CreatedAt
		count++
	}
	if t, err := dec.Token(); err != nil || t != json.Delim(']') {
		return fmt.Errorf("the array does not end (%v, %v)", t, err)
	}
	if count != n {
		return fmt.Errorf("the JSON array has %d elements, want %d", count, n)
	}
	return nil
}

func countLines(r io.Reader) (int, error) {
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
	}
}

// widestLine counts the lines of r and measures the widest, in terminal
// columns (a wide character takes two).
func widestLine(r io.Reader) (n, widest int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
		if w := runewidth.StringWidth(sc.Text()); w > widest {
			widest = w
		}
	}
	return n, widest, sc.Err()
}

// countCSV checks that r is CSV of want records of the contact's nine fields.
func countCSV(r io.Reader, want int) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 9
	cr.ReuseRecord = true
	n := 0
	for {
		if _, err := cr.Read(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		n++
	}
	if n != want {
		return fmt.Errorf("%d CSV records, want %d", n, want)
	}
	return nil
}

func countCards(r io.Reader, want int) error {
	n := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if sc.Text() == "BEGIN:VCARD" {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("%d cards, want %d", n, want)
	}
	return nil
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

// touchesNothing checks that `contacts ARG` succeeds and touches neither
// the config file nor the data directory: run with a config.yaml that does
// not parse and a data directory that does not exist, it must exit 0 and
// create nothing; under strace (when installed) it must not even look at
// either path.
func touchesNothing(e *Env, r *Row, arg string) error {
	home := filepath.Join(e.Tmp, "hostile-"+strings.TrimLeft(arg, "-"))
	cfgDir := filepath.Join(home, ".config", "contacts")
	dataDir := filepath.Join(home, "no-such-data-dir")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte("company: [unclosed\n\t- : {{ not yaml\n"), 0o600); err != nil {
		return err
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "xdg-data"), "CONTACTS_DATA_DIR=" + dataDir, "CONTACTS_COMPANY=" + company}
	runIt := func(name string, args ...string) ([]byte, error) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	// The config must be found and refused by a command that reads it, or
	// this check proves nothing.
	if _, err := runIt(e.Bin, "list"); err == nil {
		return errors.New("contacts list succeeded with a config.yaml that does not parse, so the check is void")
	}
	if out, err := runIt(e.Bin, arg); err != nil {
		return fmt.Errorf("contacts %s with a broken config file: %v: %s", arg, err, firstLine(out))
	}
	for _, p := range []string{dataDir, filepath.Join(home, "xdg-data")} {
		if fileExists(p) {
			return fmt.Errorf("contacts %s created %s", arg, p)
		}
	}
	r.Note = "exit 0 with a broken config.yaml; no data dir created"
	if e.Tools["strace"] == "" {
		r.Note += " (strace not installed: not traced)"
		return nil
	}
	log := filepath.Join(home, "strace.log")
	if out, err := runIt(e.Tools["strace"], "-f", "-qq", "-e", "trace=%file", "-o", log, e.Bin, arg); err != nil {
		r.Note += fmt.Sprintf(" (strace failed: %v: %s)", err, firstLine(out))
		return nil
	}
	b, err := os.ReadFile(log)
	if err != nil {
		return err
	}
	var touched []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, cfgDir) || strings.Contains(line, dataDir) || strings.Contains(line, ".db") {
			touched = append(touched, strings.TrimSpace(line))
		}
	}
	if len(touched) > 0 {
		return errors.New("strace shows it touched: " + strings.Join(touched, "; "))
	}
	r.Note += "; strace: no access to the config or data paths"
	return nil
}

// countContacts checks a book's contacts and the rows queued for its
// search index.
func countContacts(path string, want, wantQueued int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var n, q int
	if err := db.QueryRow(`SELECT count(*) FROM contacts`).Scan(&n); err != nil {
		return err
	}
	if err := db.QueryRow(`SELECT count(*) FROM contacts_search_queue`).Scan(&q); err != nil {
		return err
	}
	if n != want || q != wantQueued {
		return fmt.Errorf("%s has %d contacts and %d queued for the search index, want %d and %d", filepath.Base(path), n, q, want, wantQueued)
	}
	return nil
}

// judgeBeyondStartup judges a row by what it takes beyond the start of the
// binary (its median less --version's): under limit.
func judgeBeyondStartup(limit time.Duration) func(r *Row, all map[string]*Row) string {
	return func(r *Row, all map[string]*Row) string {
		v := all["version"]
		if !v.ok() {
			return "not judged: no --version figure"
		}
		d := r.Median - v.Median
		s := fmt.Sprintf("%s beyond start-up (%s − %s)", fmtDur(d), fmtDur(r.Median), fmtDur(v.Median))
		if d < limit {
			return "**met**: " + s
		}
		return fmt.Sprintf("**NOT met**: %s (limit %s)", s, fmtDur(limit))
	}
}
