package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// TestSearchTyping measures, on a big book, the search of each prefix a
// user types on the way to a query, as the web page sends them (limit 20):
//
//	CONTACTS_SEARCH_BENCH_BOOK=/path/to/a/book.db go test -count=1 -run TestSearchTyping -v ./store
//
// The book (the benchmarks' million-contact book) is copied into a
// temporary directory first, and upgraded there if it is older: the
// original is not touched. It logs each prefix's median and fastest of 7
// runs, and the slowest prefix; it asserts nothing about time.
func TestSearchTyping(t *testing.T) {
	src := os.Getenv("CONTACTS_SEARCH_BENCH_BOOK")
	if src == "" {
		t.Skip("set CONTACTS_SEARCH_BENCH_BOOK to a book to measure typed searches on it")
	}
	path := filepath.Join(t.TempDir(), "typing.db")
	storetest.CopyBook(t, src, path)
	ctx := context.Background()
	start := time.Now()
	db, err := store.Open(ctx, path, store.Options{Region: "DK"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Logf("opened (and upgraded, if older) in %s", time.Since(start).Round(time.Millisecond))
	var slowest struct {
		query  string
		median time.Duration
	}
	for _, query := range []string{"stephen", "maria", "anna hansen", "hansen aps", "søren k", "jensen", "q", "x", "z", "2012 3", "+45 20"} {
		var typed []rune
		for _, r := range query {
			typed = append(typed, r)
			q := string(typed)
			if r == ' ' || store.ValidateSearch(q) != nil {
				continue // the page does not send "+"
			}
			var runs []time.Duration
			n := 0
			for range 7 {
				begin := time.Now()
				n = 0
				if err := db.SearchContacts(ctx, q, 20, func(*contacts.Contact) error { n++; return nil }); err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				runs = append(runs, time.Since(begin))
			}
			slices.Sort(runs)
			t.Logf("%-14q %2d found: median %6.1f ms, fastest %6.1f ms", q, n, ms(runs[3]), ms(runs[0]))
			if runs[3] > slowest.median {
				slowest.query, slowest.median = q, runs[3]
			}
		}
	}
	t.Logf("the slowest: %q, median %.1f ms", slowest.query, ms(slowest.median))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
