package main

import (
	"bufio"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/bookgen"
)

// derivedVersion changes whenever the derived files would change.
const derivedVersion = 1

// Call-log shape (issue 5): calls from distinct numbers, a tenth of them
// valid numbers that are not in the book.
const (
	callRows     = 1_000_000
	callDistinct = 100_000
	callUnknown  = 10_000
)

// Derived describes the inputs made from the book for the import, label
// and server scenarios; it is cached in derived.json beside the book.
type Derived struct {
	Version   int    `json:"version"`
	Book      string `json:"book"` // the book's generator, n and seed they were made from
	ImportCSV string `json:"import_csv"`
	// ImportForms counts the written forms of the import's numbers.
	ImportForms map[string]int `json:"import_forms"`
	ImportRows  int            `json:"import_rows"`
	CallsCSV    string         `json:"calls_csv"`
	CallRows    int            `json:"call_rows"`
	// CallKnown is how many calls come from a number of the book: the
	// rows that label must name.
	CallKnown  int            `json:"call_known"`
	CallForms  map[string]int `json:"call_forms"` // written forms of the distinct numbers
	Lookups    string         `json:"lookups"`    // existing E.164 numbers, one a line, for the server
	CheckedCSV string         `json:"checked_csv"`
	MadeIn     string         `json:"made_in"`
}

func bookKey(m *Meta) string {
	return fmt.Sprintf("generator %d, n %d, seed %d", m.Generator, m.N, m.Seed)
}

// ensureDerived returns the derived inputs, making them when they are
// missing or were made from another book.
func ensureDerived(e *Env) (*Derived, error) {
	if e.Book == nil {
		return nil, fmt.Errorf("derived inputs need the book")
	}
	path := filepath.Join(e.Dir, "derived.json")
	var d Derived
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &d) == nil && d.Version == derivedVersion &&
		d.Book == bookKey(e.Book) && fileExists(filepath.Join(e.Dir, d.ImportCSV)) &&
		fileExists(filepath.Join(e.Dir, d.CallsCSV)) && fileExists(filepath.Join(e.Dir, d.Lookups)) {
		logf("using the derived inputs in %s (%s, %s, %s)", e.Dir, d.ImportCSV, d.CallsCSV, d.Lookups)
		return &d, nil
	}
	start := time.Now()
	logf("making the import CSV, the call log and the server's numbers from %s (once; cached)", e.CSV)
	nd, err := makeDerived(e)
	if err != nil {
		return nil, err
	}
	nd.MadeIn = time.Since(start).Round(100 * time.Millisecond).String()
	b, _ := json.MarshalIndent(nd, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	logf("made the derived inputs in %s", nd.MadeIn)
	return nd, nil
}

// bookRow is one row of contacts.csv.
type bookRow struct {
	f [9]string // bookgen.CSVHeader's order
}

const (
	colID = iota
	colName
	colEmail
	colPhone
	colFormatted
	colCompany
	colNote
	colCreated
	colUpdated
)

// makeDerived reads contacts.csv once, checking every row against the book
// (same rows, same order, same fields: the CSV is what the generator
// wrote for this book), and writes import.csv, calls.csv and lookups.txt.
func makeDerived(e *Env) (*Derived, error) {
	d := &Derived{Version: derivedVersion, Book: bookKey(e.Book), ImportCSV: "import.csv", CallsCSV: "calls.csv",
		Lookups: "lookups.txt", ImportForms: map[string]int{}, CallForms: map[string]int{}}

	f, err := os.Open(e.CSV)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.CSV, err)
	}
	if strings.Join(hdr, ",") != strings.Join(bookgen.CSVHeader, ",") {
		return nil, fmt.Errorf("%s: header %v, but the generator writes %v: delete %s/meta.json to generate the book again", e.CSV, hdr, bookgen.CSVHeader, e.Dir)
	}

	db, err := sql.Open("sqlite", "file:"+e.DB+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(e.ctx, `SELECT `+contactColumns+` FROM contacts ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("read the book: %w", err)
	}
	defer rows.Close()

	imp, err := newCSVFile(filepath.Join(e.Dir, d.ImportCSV))
	if err != nil {
		return nil, err
	}
	defer imp.abort()
	imp.w.Write([]string{"name", "email", "phone", "company_name", "note"})

	lk, err := newCSVFile(filepath.Join(e.Dir, d.Lookups))
	if err != nil {
		return nil, err
	}
	defer lk.abort()

	rng := rand.New(rand.NewPCG(e.Book.Seed, 0x1b9))
	var phones []string
	formatted := map[string]string{}
	inBook := make(map[string]struct{}, e.Book.N)
	var dbv [9]sql.NullString
	dest := make([]any, 9)
	for i := range dest {
		dest[i] = &dbv[i]
	}
	n := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", e.CSV, err)
		}
		if !rows.Next() {
			return nil, fmt.Errorf("%s has more rows than the book (%d): delete %s/meta.json to generate the book again", e.CSV, n, e.Dir)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		for k := range rec {
			if rec[k] != dbv[k].String {
				return nil, fmt.Errorf("%s row %d, %s: %q, but the book has %q: delete %s/meta.json to generate the book again",
					e.CSV, n+1, bookgen.CSVHeader[k], rec[k], dbv[k].String, e.Dir)
			}
		}
		n++
		p := rec[colPhone]
		phones = append(phones, p)
		inBook[p] = struct{}{}
		if n%100 == 0 {
			lk.bw.WriteString(p + "\n")
		}

		// The import row: a user's CSV with no ids or timestamps, the
		// number written as people write them. A Danish number is
		// written nationally half of the time (the import runs with
		// --region DK); the others, and the rest of the Danish ones, in
		// E.164 (50%), international format with spaces (30%), or with
		// the 00 prefix (20%).
		phone, form := p, "e164"
		switch x := rng.IntN(100); {
		case strings.HasPrefix(p, "+45") && rng.IntN(2) == 0:
			phone, form = strings.TrimPrefix(rec[colFormatted], "+45 "), "national (DK)"
		case x < 50:
		case x < 80:
			phone, form = rec[colFormatted], "international"
		default:
			phone, form = "00"+p[1:], "00 prefix"
		}
		d.ImportForms[form]++
		imp.w.Write([]string{rec[colName], rec[colEmail], phone, rec[colCompany], rec[colNote]})
		if rng.IntN(4) == 0 { // enough formatted numbers for the call log
			formatted[p] = rec[colFormatted]
		}
	}
	if rows.Next() {
		return nil, fmt.Errorf("the book has more rows than %s (%d): delete %s/meta.json to generate the book again", e.CSV, n, e.Dir)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != e.Book.N {
		return nil, fmt.Errorf("%s has %d rows, want %d", e.CSV, n, e.Book.N)
	}
	d.ImportRows = n
	d.CheckedCSV = fmt.Sprintf("%d rows of contacts.csv equal the book's, field by field, in rowid order", n)
	if err := imp.close(); err != nil {
		return nil, err
	}
	if err := lk.close(); err != nil {
		return nil, err
	}
	if err := writeCallLog(e, d, rng, phones, formatted, inBook); err != nil {
		return nil, err
	}
	return d, nil
}

// writeCallLog writes calls.csv: callRows calls from callDistinct
// numbers, callUnknown of them valid but not in the book. Each number has
// one written form, as one phone system writes it: E.164 (60%),
// international format with spaces, quoted (20%), or 00 and the digits
// (20%). Every number calls at least once; the other calls pick a number
// at random; the rows are shuffled.
func writeCallLog(e *Env, d *Derived, rng *rand.Rand, phones []string, formatted map[string]string, inBook map[string]struct{}) error {
	picked := map[string]bool{}
	var nums []string
	// Known numbers are taken from those whose formatted form was kept,
	// which are a random quarter of the book.
	var pool []string
	for _, p := range phones {
		if _, ok := formatted[p]; ok {
			pool = append(pool, p)
		}
	}
	if len(pool) < 2*(callDistinct-callUnknown) {
		return fmt.Errorf("the book is too small for a call log of %d distinct numbers", callDistinct)
	}
	for len(nums) < callDistinct-callUnknown {
		p := pool[rng.IntN(len(pool))]
		if !picked[p] {
			picked[p] = true
			nums = append(nums, p)
		}
	}
	for tries := 0; len(nums) < callDistinct; tries++ {
		if tries > 100*callUnknown {
			return fmt.Errorf("cannot find %d valid numbers outside the book", callUnknown)
		}
		b := []byte(phones[rng.IntN(len(phones))])
		for i := len(b) - 4; i < len(b); i++ {
			b[i] = byte('0' + rng.IntN(10))
		}
		s := string(b)
		if _, ok := inBook[s]; ok || picked[s] {
			continue
		}
		p, err := contacts.NormalizePhone(s, "")
		if err != nil || p.E164 != s {
			continue
		}
		picked[s] = true
		formatted[s] = p.Formatted
		nums = append(nums, s)
	}
	known := callDistinct - callUnknown // nums[:known] are in the book
	written := make([]string, len(nums))
	for i, p := range nums {
		switch x := rng.IntN(10); {
		case x < 6:
			written[i] = p
			d.CallForms["e164"]++
		case x < 8:
			written[i] = `"` + formatted[p] + `"`
			d.CallForms["international, quoted"]++
		default:
			written[i] = "00" + p[1:]
			d.CallForms["00 prefix"]++
		}
	}
	idx := make([]int32, callRows)
	for i := range idx {
		if i < len(nums) {
			idx[i] = int32(i)
		} else {
			idx[i] = int32(rng.IntN(len(nums)))
		}
	}
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	out, err := newCSVFile(filepath.Join(e.Dir, d.CallsCSV))
	if err != nil {
		return err
	}
	defer out.abort()
	out.bw.WriteString("time,direction,from,to,duration\n")
	t := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	dirs := []string{"in", "in", "in", "missed"}
	for _, i := range idx {
		t = t.Add(time.Duration(rng.IntN(6000)) * time.Millisecond)
		fmt.Fprintf(out.bw, "%s,%s,%s,+457010%04d,%d\n", t.Format(time.RFC3339), dirs[rng.IntN(4)], written[i], rng.IntN(20), rng.IntN(1800))
		if int(i) < known {
			d.CallKnown++
		}
	}
	d.CallRows = callRows
	return out.close()
}

// csvFile is a file written through a temporary name, renamed into place
// by close.
type csvFile struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	w    *csv.Writer
	done bool
}

func newCSVFile(path string) (*csvFile, error) {
	f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	return &csvFile{path: path, f: f, bw: bw, w: csv.NewWriter(bw)}, nil
}

func (c *csvFile) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	if err := c.bw.Flush(); err != nil {
		return err
	}
	if err := c.f.Close(); err != nil {
		return err
	}
	c.done = true
	return os.Rename(c.path+".tmp", c.path)
}

func (c *csvFile) abort() {
	if !c.done {
		c.f.Close()
		os.Remove(c.path + ".tmp")
	}
}
