// Package storetest makes real books for the tests and benchmarks of every
// package: a store in a test's temporary directory, filled through the
// book's own import (the one write path), so that no test writes a
// contact any other way.
package storetest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// Open opens (creating) the book of company in a new temporary directory,
// closed when the test ends.
func Open(tb testing.TB, company string) *store.DB {
	tb.Helper()
	return OpenPath(tb, filepath.Join(tb.TempDir(), company+".db"))
}

// OpenPath opens (creating) the book at path, closed when the test ends.
func OpenPath(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path, store.Options{Create: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// CopyBook copies the book at src (a big one a measurement is made on,
// closed, without a WAL) to dst, a new file of mode 0600, so that the test
// never touches the original; it logs how long the copy took.
func CopyBook(tb testing.TB, src, dst string) {
	tb.Helper()
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("copied %s in %v", src, time.Since(start).Round(time.Millisecond))
}

// Key makes company's book in dir, as `contacts keys create` does, with
// a key named name, and returns the key and its secret.
func Key(tb testing.TB, dir, company, name string) (*contacts.APIKey, string) {
	tb.Helper()
	path, err := store.Path(dir, company)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(context.Background(), path, store.Options{Create: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	k, secret, err := db.CreateKey(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return k, secret
}

// Listing is what dir holds, sorted: each name with its mode, size and
// modification time, to show that something left a directory as it was.
func Listing(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %v %d %d", e.Name(), fi.Mode(), fi.Size(), fi.ModTime().UnixNano()))
	}
	sort.Strings(out)
	return out
}

// Fill writes the contacts that next returns (nil at the end), ids and
// timestamps kept, in one transaction, and returns how many it wrote.
func Fill(tb testing.TB, db contacts.Importer, next func() (*contacts.Contact, error)) int {
	tb.Helper()
	var problem error
	res, err := db.Import(context.Background(), contacts.ImportOptions{}, func(yield func(*contacts.ImportRow) error) error {
		for i := 1; ; i++ {
			c, err := next()
			if err != nil || c == nil {
				return err
			}
			if err := yield(&contacts.ImportRow{Pos: fmt.Sprintf("contact %d", i), Contact: c, Given: contacts.AllFields, OwnID: true}); err != nil {
				return err
			}
		}
	}, func(p contacts.Problem) {
		if problem == nil {
			problem = fmt.Errorf("%s: %s", p.Pos, p.Message)
		}
	})
	if err == nil {
		err = problem
	}
	if err != nil {
		tb.Fatal(err)
	}
	return res.Created
}

// Contact prepares a contact of in through the domain's gate, with a new
// id and both timestamps at, for Fill.
func Contact(tb testing.TB, in contacts.NewContact, at time.Time) *contacts.Contact {
	tb.Helper()
	c, err := contacts.Prepare(nil, in.Update(), "")
	if err != nil {
		tb.Fatal(err)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = contacts.NewID(), at.UTC().Truncate(time.Second), at.UTC().Truncate(time.Second)
	return c
}
