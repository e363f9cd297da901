package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// names lists a directory's entries, space-separated; "-" when it is gone.
func names(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return "-"
	} else if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return strings.Join(out, " ")
}

func openNew(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{Create: true, Region: "DK"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCreate: a new book is put in place by its first write that commits,
// and by nothing else: reading it, a write that fails and a dry run leave
// no file, not even the directories made for it.
func TestCreate(t *testing.T) {
	ctx := context.Background()
	t.Run("FirstWrite", func(t *testing.T) {
		root := t.TempDir()
		path := filepath.Join(root, "data", "books", "acme.db")
		db := openNew(t, path)
		if got := list(t, db, contacts.ContactFilter{}); len(got) != 0 {
			t.Errorf("a new book lists %d contacts", len(got))
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Fatalf("the book is in place before any write: %v", err)
		}
		c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("after the first write: %v, %v; want the book, mode 0600", fi, err)
		}
		if got := names(t, filepath.Dir(path)); strings.Contains(got, ".new-") {
			t.Errorf("the temporary directory is still there: %s", got)
		}
		// The DB goes on, on the book in place, and so does any other.
		MustCreate(t, db, contacts.NewContact{Phone: "+4520123457"})
		other := MustOpenPath(t, path)
		if got := list(t, other, contacts.ContactFilter{}); len(got) != 2 || got[1].ID != c.ID {
			t.Errorf("another handle lists %d contacts", len(got))
		}
		if db.Path() != path {
			t.Errorf("Path()=%s, want %s", db.Path(), path)
		}
	})
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, db *store.DB) error
	}{
		{"NoWrite", func(*testing.T, *store.DB) error { return nil }},
		{"InvalidContact", func(t *testing.T, db *store.DB) error {
			_, err := db.CreateContact(ctx, contacts.NewContact{Phone: "not a number"})
			return err
		}},
		{"NotFound", func(t *testing.T, db *store.DB) error {
			_, err := db.UpdateContact(ctx, contacts.NewID(), contacts.ContactUpdate{Name: ptr("x")})
			return err
		}},
		{"DryRunImport", func(t *testing.T, db *store.DB) error {
			_, err := db.Import(ctx, contacts.ImportOptions{DryRun: true}, rows(t, "+4520123456"), func(contacts.Problem) {})
			return err
		}},
		{"FailedImport", func(t *testing.T, db *store.DB) error {
			res, err := db.Import(ctx, contacts.ImportOptions{}, rows(t, "+4520123456", "+4520123456"), func(contacts.Problem) {})
			if err == nil && res.Written {
				return fmt.Errorf("written")
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, "data", "books", "acme.db")
			created := 0
			db, err := store.Open(ctx, path, store.Options{Create: true, Created: func(string) { created++ }})
			if err != nil {
				t.Fatal(err)
			}
			tc.write(t, db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if created != 0 {
				t.Errorf("Created was called %d times for no book", created)
			}
			if got := names(t, root); got != "" {
				t.Errorf("left behind in %s: %s (%s)", root, got, names(t, filepath.Join(root, "data", "books")))
			}
		})
	}
}

// TestCreateTells: Created is called once, with the path, when the first
// write puts the new book in place; not for a book that exists.
func TestCreateTells(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.db")
	var got []string
	opts := store.Options{Create: true, Region: "DK", Created: func(p string) { got = append(got, p) }}
	db, err := store.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(got) != 0 {
		t.Fatalf("Created before any write: %q", got)
	}
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123457"})
	if len(got) != 1 || got[0] != path {
		t.Fatalf("Created calls %q, want one with %s", got, path)
	}
	again, err := store.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	MustCreate(t, again, contacts.NewContact{Phone: "+4520123458"})
	if len(got) != 1 {
		t.Errorf("Created called for a book that was there: %q", got)
	}
}

// TestCreateRace: when another process makes the book between this one's
// open and its first write, the write goes to the other's book, which
// this DB uses from then on, and this one's new book is removed.
func TestCreateRace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acme.db")
	first, second := openNew(t, path), openNew(t, path)
	a := MustCreate(t, first, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
	b := MustCreate(t, second, contacts.NewContact{Phone: "+4520123457", Name: "Bo"})
	if _, err := second.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456"}); contacts.ErrorCode(err) != contacts.ECONFLICT {
		t.Errorf("the same number on the other's book: %v, want a conflict", err)
	}
	for _, db := range []*store.DB{first, second} {
		if got := list(t, db, contacts.ContactFilter{}); len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
			t.Errorf("%d contacts, want Bo and Ann", len(got))
		}
	}
	if got := names(t, filepath.Dir(path)); strings.Contains(got, ".new-") {
		t.Errorf("a temporary directory is left: %s", got)
	}

	// The same for keys, and for an import, whose rows are carried over,
	// with their conflicts reported at their rows.
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, db *store.DB) error
		check func(t *testing.T, db *store.DB)
	}{
		{"Key", func(t *testing.T, db *store.DB) error {
			_, _, err := db.CreateKey(ctx, "second")
			return err
		}, func(t *testing.T, db *store.DB) {
			if keys, err := db.ListKeys(ctx); err != nil || len(keys) != 1 {
				t.Errorf("%d keys, %v", len(keys), err)
			}
		}},
		{"Import", func(t *testing.T, db *store.DB) error {
			var problems []string
			res, err := db.Import(ctx, contacts.ImportOptions{OnConflict: contacts.ConflictSkip, SkipInvalid: true}, rows(t, "+4520123499,New", "+4520123456,Taken", "+4520123499,Twice", "!bad"), func(p contacts.Problem) { problems = append(problems, p.Pos+": "+p.Message) })
			if err != nil {
				return err
			}
			want := contacts.ImportResult{Created: 1, Skipped: 2, Invalid: 1, Written: true}
			if *res != want {
				return fmt.Errorf("result %+v, want %+v", *res, want)
			}
			if got := strings.Join(problems, "; "); !strings.Contains(got, "line 3: phone: +4520123456 already belongs to contact") ||
				!strings.Contains(got, "line 4: phone: +4520123499 is also on line 2") || !strings.Contains(got, "line 5: ") {
				return fmt.Errorf("report: %s", got)
			}
			return nil
		}, func(t *testing.T, db *store.DB) {
			got := list(t, db, contacts.ContactFilter{})
			if len(got) != 2 {
				t.Fatalf("%d contacts, want 2", len(got))
			}
			if c, err := db.FindContactByPhone(ctx, "+4520123499"); err != nil || *c.Name != "New" {
				t.Errorf("%+v, %v", c, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "acme.db")
			first, second := openNew(t, path), openNew(t, path)
			MustCreate(t, first, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
			if err := tc.write(t, second); err != nil {
				t.Fatal(err)
			}
			tc.check(t, first)
			if got := names(t, filepath.Dir(path)); strings.Contains(got, ".new-") {
				t.Errorf("a temporary directory is left: %s", got)
			}
		})
	}
}

// TestCreateRemovesStale: making a new book removes the new books of
// processes that are gone (a killed import's, which may hold a partial
// book of personal data), of this version and of the one before, and
// leaves those of live processes.
func TestCreateRemovesStale(t *testing.T) {
	dir := t.TempDir()
	gone := deadPID(t)
	stale := []string{fmt.Sprintf(".acme.db.new-%d-123", gone), fmt.Sprintf(".other.import-%d-456", gone)}
	live := fmt.Sprintf(".acme.db.new-%d-789", os.Getppid())
	for _, d := range append(stale, live) {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "acme.db"), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := openNew(t, filepath.Join(dir, "fresh.db"))
	db.Close()
	if got := names(t, dir); got != live {
		t.Errorf("the directory holds %q, want only %q", got, live)
	}
}

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Skipf("no process to start: %v", err)
	}
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	return p.Pid
}
