package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// fileState is what a test checks to be untouched: a file's bytes and its
// mode, or a directory's mode and names.
type fileState struct {
	mode    os.FileMode
	content string
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	s := fileState{mode: fi.Mode()}
	switch {
	case fi.Mode().IsRegular():
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s.content = string(b)
	case fi.IsDir():
		entries, _ := os.ReadDir(path)
		for _, e := range entries {
			s.content += e.Name() + "\n"
		}
	case fi.Mode()&os.ModeSymlink != 0:
		s.content, _ = os.Readlink(path)
	}
	return s
}

// openWithin opens path, failing the test if Open does not return within
// a generous deadline (a FIFO opened for reading blocks).
func openWithin(t *testing.T, path string, opts store.Options) (*store.DB, error) {
	t.Helper()
	type result struct {
		db  *store.DB
		err error
	}
	done := make(chan result, 1)
	go func() {
		db, err := store.Open(context.Background(), path, opts)
		done <- result{db, err}
	}()
	select {
	case r := <-done:
		return r.db, r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Open(%s) did not return in 30 s", path)
		return nil, nil
	}
}

// TestOpenSideFiles: a book whose -wal, -shm or -journal is a symbolic
// link, a directory or a FIFO is refused, naming that file, whether the
// open is to read or to write; nothing is opened through the link and no
// mode changes, the link's target's least of all. A -wal that is not a
// write-ahead log is refused and kept. A side file that lost the book's
// mode gets it back, unless it has another name.
func TestOpenSideFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links and FIFOs")
	}
	// Each kind makes name, and returns the other file it names, if any.
	kinds := map[string]func(t *testing.T, name string) string{
		"Symlink": func(t *testing.T, name string) string {
			secret := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(secret, []byte("KEY\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(secret, name); err != nil {
				t.Skip(err)
			}
			return secret
		},
		"Directory": func(t *testing.T, name string) string {
			if err := os.Mkdir(name, 0o700); err != nil {
				t.Fatal(err)
			}
			return ""
		},
		"FIFO": func(t *testing.T, name string) string {
			if err := syscall.Mkfifo(name, 0o600); err != nil {
				t.Skip(err)
			}
			return ""
		},
		"HardLink": func(t *testing.T, name string) string {
			other := filepath.Join(t.TempDir(), "other")
			if err := os.WriteFile(other, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(other, name); err != nil {
				t.Skip(err)
			}
			return other
		},
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		for kind, makeIt := range kinds {
			for _, create := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s%s/create=%v", kind, side, create), func(t *testing.T) {
					path := makeBook(t)
					os.Chmod(path, 0o644) // a mode the book's side files would be given
					target := makeIt(t, path+side)
					before, beforeSide := stateOf(t, path), stateOf(t, path+side)
					var beforeTarget fileState
					if target != "" {
						beforeTarget = stateOf(t, target)
					}
					db, err := openWithin(t, path, store.Options{Create: create})
					if err == nil {
						db.Close()
						t.Fatalf("a book whose %s is a %s opened", side, kind)
					}
					if msg := err.Error(); !strings.Contains(msg, path+side) || strings.Contains(msg, "\n") {
						t.Errorf("the error does not name %s: %v", path+side, err)
					}
					if stateOf(t, path) != before || stateOf(t, path+side) != beforeSide {
						t.Errorf("the book or its %s changed", side)
					}
					if target != "" && stateOf(t, target) != beforeTarget {
						t.Errorf("%s, which %s names, changed: %+v, was %+v", target, side, stateOf(t, target), beforeTarget)
					}
				})
			}
		}
	}

	t.Run("GarbageWAL", func(t *testing.T) {
		path := makeBook(t)
		garbage := strings.Repeat("not a write-ahead log\n", 100)
		if err := os.WriteFile(path+"-wal", []byte(garbage), 0o600); err != nil {
			t.Fatal(err)
		}
		before, wal := stateOf(t, path), stateOf(t, path+"-wal")
		_, err := store.Open(context.Background(), path, store.Options{})
		if err == nil || !strings.Contains(err.Error(), path+"-wal") {
			t.Fatalf("err=%v, want a refusal naming the -wal", err)
		}
		if stateOf(t, path) != before || stateOf(t, path+"-wal") != wal {
			t.Error("the book or its -wal changed")
		}
	})

	t.Run("ModeGivenBack", func(t *testing.T) {
		path := makeBook(t)
		os.Chmod(path, 0o644)
		// An empty -wal (as SQLite leaves one) that lost the book's mode.
		if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if fi, err := os.Stat(path + "-wal"); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("the -wal has mode %v (%v), want the book's 0644", fi.Mode(), err)
		}
	})
}

// makeBook makes a book with one contact in a new directory, and closes it.
func makeBook(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "acme.db")
	db := MustOpenPath(t, path)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenForeignSchema: an SQLite file that is not a contacts book of
// this version, or a book that lacks part of its schema, is refused with
// a message naming it, and left as it was, never migrated (a migration
// from its version would index past the known ones).
func TestOpenForeignSchema(t *testing.T) {
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"VersionNoTables", `PRAGMA user_version = 9999`, "not a contacts database"},
		{"VersionOneNoTables", `PRAGMA user_version = 1`, "not a contacts database"},
		{"NegativeVersion", fmt.Sprintf(`PRAGMA user_version = -1; PRAGMA application_id = %d; CREATE TABLE t (x)`, store.ApplicationID), "damaged"},
		{"OursNewer", fmt.Sprintf(`PRAGMA user_version = 9999; PRAGMA application_id = %d`, store.ApplicationID), "newer version"},
		{"TableMissing", `DROP TABLE contacts`, "lacks contacts"},
		{"KeysMissing", `DROP TABLE api_keys`, "lacks api_keys"},
		{"SearchMissing", `DROP TRIGGER contacts_search_insert`, "lacks contacts_search_insert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "acme.db")
			if strings.Contains(tc.sql, "DROP") {
				path = makeBook(t)
			}
			sdb, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sdb.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			sdb.Close()
			before := stateOf(t, path)
			for _, opts := range []store.Options{{}, {Create: true}} {
				db, err := store.Open(context.Background(), path, opts)
				if err == nil {
					db.Close()
					t.Fatalf("%+v: opened", opts)
				}
				if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
					t.Errorf("%+v: err=%v, want %q naming the file", opts, err, tc.want)
				}
			}
			if stateOf(t, path) != before {
				t.Error("the file changed")
			}
		})
	}
}
