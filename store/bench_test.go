package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/bookgen"
	"github.com/phoneinc/contacts/store"
)

// benchBookSize is the book the read benchmarks query: big enough that the
// indexes are several levels deep, small enough to build in a few seconds.
const benchBookSize = 100_000

// benchBook generates a book of benchBookSize contacts in b.TempDir() (with
// the generator of make bench), opens it and returns it with its numbers.
// Callers build it once and run sub-benchmarks on it, so that b.N's
// ramp-up does not rebuild it.
func benchBook(b *testing.B) (*store.DB, []string, *bookgen.Result) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	start := time.Now()
	built, err := store.Open(ctx, path, store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	res, err := bookgen.Build(ctx, built, bookgen.Options{N: benchBookSize, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := built.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	phones := make([]string, 0, benchBookSize)
	err = db.ListContacts(ctx, contacts.ContactFilter{}, func(c *contacts.Contact) error {
		phones = append(phones, c.Phone)
		return nil
	})
	if err != nil || len(phones) != benchBookSize {
		b.Fatalf("listing the book: %d contacts, %v", len(phones), err)
	}
	b.Logf("built a book of %d contacts in %s", benchBookSize, time.Since(start).Round(time.Millisecond))
	return db, phones, res
}

// spread visits a slice in a scattered order, so that successive lookups
// touch different index pages.
func spread(i, n int) int { return (i * 7919) % n }

// BenchmarkFindContactByPhone looks numbers up in a 100k book: in E.164
// (the query alone, with NormalizePhone's fast path), as written by people
// (normalization included), and numbers that are not there.
func BenchmarkFindContactByPhone(b *testing.B) {
	db, phones, res := benchBook(b)
	ctx := context.Background()
	formatted := make([]string, 0, len(res.Samples))
	for _, s := range res.Samples {
		formatted = append(formatted, s.Formatted)
	}
	b.Run("e164", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := db.FindContactByPhone(ctx, phones[spread(i, len(phones))]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("formatted", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := db.FindContactByPhone(ctx, formatted[i%len(formatted)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m := res.Misses[i%len(res.Misses)]
			if _, err := db.FindContactByPhone(ctx, m.E164); contacts.ErrorCode(err) != contacts.ENOTFOUND {
				b.Fatalf("%s: %v", m.E164, err)
			}
			i++
		}
	})
}

// BenchmarkListContacts lists a 100k book newest first: all of it (one op
// is the whole listing; ns/contact is the figure to compare), and the
// first page.
func BenchmarkListContacts(b *testing.B) {
	db, _, _ := benchBook(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		limit int
	}{{"all", 0}, {"limit50", 50}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				err := db.ListContacts(ctx, contacts.ContactFilter{Limit: bc.limit}, func(c *contacts.Contact) error {
					n++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/contact")
		})
	}
}

// BenchmarkCreateContact adds contacts one by one, each its own
// transaction, as `contacts add` does.
func BenchmarkCreateContact(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "create.db"), store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, err := db.CreateContact(ctx, contacts.NewContact{
			Name: "Åsa Lindqvist", Email: "asa@example.se", Phone: fmt.Sprintf("+4670%07d", i),
			CompanyName: "Nordic Telecom AB", Note: "Prefers email.",
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}
