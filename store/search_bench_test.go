package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/bookgen"
	"github.com/phoneinc/contacts/store"
)

// searchBenchSize is the size of the search and import benchmarks' books.
const searchBenchSize = 100_000

// openSearchBook generates a book of searchBenchSize contacts (with the
// generator of make bench) in b.TempDir() and opens it. Callers build it
// once and run sub-benchmarks on it.
func openSearchBook(b *testing.B) (*store.DB, *bookgen.Result) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "search.db")
	start := time.Now()
	built, err := store.Open(ctx, path, store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	res, err := bookgen.Build(ctx, built, bookgen.Options{N: searchBenchSize, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := built.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a book of %d contacts in %s", searchBenchSize, time.Since(start).Round(time.Millisecond))
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, res
}

// BenchmarkSearch runs searches on a book of 100,000 generated contacts,
// with --limit 100. matches is how many contacts the query finds without a
// limit. A search reads its steps newest first and stops at the limit: its
// cost follows the limit and the number of steps it needs, not matches.
func BenchmarkSearch(b *testing.B) {
	db, res := openSearchBook(b)
	ctx := context.Background()
	// A number of the book, as people write part of it: "20 12 34".
	var dk bookgen.Sample
	for _, s := range res.Samples {
		if s.Region == "DK" {
			dk = s
			break
		}
	}
	national := strings.Fields(dk.National) // "23 90 59 59"
	c, err := db.FindContactByPhone(ctx, dk.E164)
	if err != nil || c.Name == nil {
		b.Fatalf("%s: %v %v", dk.E164, c, err)
	}
	names := strings.Fields(*c.Name)
	surname := names[len(names)-1] // of the number's owner
	for _, bc := range []struct{ name, query string }{
		{"word", "stephenson"},                      // a surname of 1.6% of the book
		{"prefix", "stephen"},                       // the same, as a prefix
		{"two-words", "søren kierkegaard"},          // fewer matches than the limit: every step runs
		{"accent-folded", "soren ostergaard"},       // ø read as o
		{"short-prefix", "an"},                      // a prefix of thousands of words
		{"one-letter", "s"},                         // the first key typed: the prefix index's
		{"word-and-letter", surname + " a"},         // the next word's first key
		{"email", "gmail"},                          // a word of a tenth of the book
		{"digits", strings.Join(national[:3], " ")}, // "23 90 59": a run of digits
		{"number", dk.Formatted},                    // a whole number
		{"digits-and-word", surname + " " + national[0] + " " + national[1]}, // both kinds
		{"no-match", "zyzzyva"}, // nothing
	} {
		n := 0
		if err := db.SearchContacts(ctx, bc.query, 0, func(*contacts.Contact) error { n++; return nil }); err != nil {
			b.Fatalf("%s: %v", bc.query, err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := db.SearchContacts(ctx, bc.query, 100, func(*contacts.Contact) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}

// generated returns n contacts of the book generator, with its seed.
func generated(b *testing.B, n int, seed uint64) []contacts.Contact {
	b.Helper()
	s := bookgen.Start(context.Background(), bookgen.Options{N: n, Seed: seed})
	defer s.Stop()
	var rows []contacts.Contact
	for {
		c, err := s.Next()
		if err != nil {
			b.Fatal(err)
		}
		if c == nil {
			return rows
		}
		rows = append(rows, *c)
	}
}

// BenchmarkImportSearchIndex imports 100,000 generated contacts into a new
// book in one transaction (store.Import, as contacts import does), with
// the search indexes kept by their triggers, and without them (triggers
// dropped), to measure what search costs every import. One op is the whole
// import; compare ns/contact.
func BenchmarkImportSearchIndex(b *testing.B) {
	ctx := context.Background()
	rows := generated(b, searchBenchSize, 2)
	for _, bc := range []struct {
		name    string
		indexed bool
	}{{"indexed", true}, {"unindexed", false}} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "import.db")
				if err := os.WriteFile(path, nil, 0o600); err != nil { // there to drop the triggers of
					b.Fatal(err)
				}
				db, err := store.Open(ctx, path, store.Options{Create: true})
				if err != nil {
					b.Fatal(err)
				}
				if !bc.indexed {
					dropSearchTriggers(b, path)
				}
				next := func(yield func(*contacts.ImportRow) error) error {
					for i := range rows {
						if err := yield(&contacts.ImportRow{Pos: "row", Contact: &rows[i], Given: contacts.AllFields, OwnID: true}); err != nil {
							return err
						}
					}
					return nil
				}
				b.StartTimer()
				res, err := db.Import(ctx, contacts.ImportOptions{}, next, func(p contacts.Problem) { b.Fatalf("%+v", p) })
				if err != nil || res.Created != len(rows) {
					b.Fatalf("import: %+v, %v", res, err)
				}
				b.StopTimer()
				db.Close()
				n += len(rows)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/contact")
		})
	}
}

// dropSearchTriggers removes the triggers that keep the search indexes.
func dropSearchTriggers(b *testing.B, path string) {
	b.Helper()
	sdb, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer sdb.Close()
	rows, err := sdb.Query(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'contacts_search%'`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			b.Fatal(err)
		}
		names = append(names, name)
	}
	rows.Close()
	if len(names) == 0 {
		b.Fatal("no search triggers to drop")
	}
	for _, name := range names {
		if _, err := sdb.Exec(`DROP TRIGGER ` + name); err != nil {
			b.Fatal(err)
		}
	}
}
