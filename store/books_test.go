package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// makeBooks makes n books in dir, co0.db … co<n-1>.db, each with one API
// key, and returns the keys by company. The first is made as `contacts
// keys create` makes one; the others are copies of it, each with a key of
// its own.
func makeBooks(tb testing.TB, dir string, n int) map[string]string {
	tb.Helper()
	ctx := context.Background()
	keys := map[string]string{}
	var template []byte
	for i := range n {
		company := fmt.Sprintf("co%d", i)
		path, _ := store.Path(dir, company)
		if template != nil {
			if err := os.WriteFile(path, template, 0o600); err != nil {
				tb.Fatal(err)
			}
		}
		db, err := store.Open(ctx, path, store.Options{Create: true})
		if err != nil {
			tb.Fatal(err)
		}
		_, keys[company], err = db.CreateKey(ctx, "test")
		if err != nil {
			tb.Fatal(err)
		}
		if err := db.Close(); err != nil {
			tb.Fatal(err)
		}
		if template == nil {
			if template, err = os.ReadFile(path); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return keys
}

func newBooks(tb testing.TB, dir string, opts store.BooksOptions) *store.Books {
	tb.Helper()
	b := store.NewBooks(dir, opts)
	tb.Cleanup(func() { b.Close() })
	return b
}

// openFDs counts this process's open file descriptors.
func openFDs(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}

func sameListing(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// waitFor polls cond until it holds, or fails after a generous deadline.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within 2 minutes", what)
		}
	}
}

// TestBooksBounded: however many books are asked for, at most MaxOpen are
// open at once, the least recently used one with no request in flight
// closed to make room, and the descriptors stay within Descriptors.
func TestBooksBounded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeBooks(t, dir, 12)
	opts := store.BooksOptions{MaxOpen: 3, ConnsPerBook: 2}
	b := newBooks(t, dir, opts)
	before := openFDs(t)
	for round := range 3 {
		for i := range 12 {
			db, done, err := b.Open(ctx, fmt.Sprintf("co%d", i))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ListKeys(ctx); err != nil {
				t.Fatal(err)
			}
			done()
			if n := b.Len(); n > 3 {
				t.Fatalf("round %d, book %d: %d books open, want at most 3", round, i, n)
			}
			if n := openFDs(t) - before; n > opts.Descriptors() {
				t.Fatalf("round %d, book %d: %d more descriptors, want at most %d", round, i, n, opts.Descriptors())
			}
		}
	}
	if _, _, err := b.Open(ctx, "ghost"); !errors.Is(err, store.ErrNoBook) {
		t.Errorf("a company with no book: %v, want ErrNoBook", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ghost.db")); !os.IsNotExist(err) {
		t.Errorf("Open made a book: %v", err)
	}
}

// TestBooksEvictOnlyIdle: a book with a request in flight is never closed
// to make room; a request for another book waits until one is free.
func TestBooksEvictOnlyIdle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeBooks(t, dir, 3)
	b := newBooks(t, dir, store.BooksOptions{MaxOpen: 2, ConnsPerBook: 1})
	a, doneA, err := b.Open(ctx, "co0")
	if err != nil {
		t.Fatal(err)
	}
	_, doneB, err := b.Open(ctx, "co1")
	if err != nil {
		t.Fatal(err)
	}
	// Both in use: a third waits, here until its context is done.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := b.Open(cancelled, "co2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a third book while two are in use: %v, want it to wait", err)
	}
	got := make(chan error, 1)
	go func() {
		db, done, err := b.Open(ctx, "co2")
		if err == nil {
			_, err = db.ListKeys(ctx)
			done()
		}
		got <- err
	}()
	doneB() // co1 is free: co2 takes its place
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting request was not given a book")
	}
	// co0, in use all along, still works.
	if _, err := a.ListKeys(ctx); err != nil {
		t.Errorf("the book in use was closed: %v", err)
	}
	doneA()
	if n := b.Len(); n != 2 {
		t.Errorf("%d books open, want 2", n)
	}
}

// TestBooksIdleClosed: a book with no request for IdleTimeout is closed;
// one in use is not.
func TestBooksIdleClosed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeBooks(t, dir, 2)
	b := newBooks(t, dir, store.BooksOptions{IdleTimeout: time.Millisecond, ScanInterval: time.Millisecond})
	held, doneHeld, err := b.Open(ctx, "co0")
	if err != nil {
		t.Fatal(err)
	}
	defer doneHeld()
	_, done, err := b.Open(ctx, "co1")
	if err != nil {
		t.Fatal(err)
	}
	done()
	waitFor(t, "the idle book closed", func() bool { return b.Len() == 1 })
	if _, err := held.ListKeys(ctx); err != nil {
		t.Errorf("the book in use was closed: %v", err)
	}
	// Once closed, the idle book's side files are gone: it was checkpointed.
	path, _ := store.Path(dir, "co1")
	waitFor(t, "co1-wal removed", func() bool { _, err := os.Stat(path + "-wal"); return os.IsNotExist(err) })
}

// TestBooksCheckKey: a good key opens its book; a wrong one, whatever it
// names, is the same EUNAUTHORIZED error, opens no book and leaves every
// file as it was: books that exist, that do not, that are symbolic links,
// directories, FIFOs or not books at all.
func TestBooksCheckKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := makeBooks(t, dir, 20)
	if err := os.Symlink(filepath.Join(dir, "co0.db"), filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.db"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.db"), []byte("not a database, and long enough not to be empty"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBooks(t, dir, store.BooksOptions{})
	before := storetest.Listing(t, dir)

	var wrong []string
	for _, company := range []string{"ghost", "link", "folder", "fifo", "junk"} {
		k, _ := contacts.NewAPIKeySecret(company)
		wrong = append(wrong, k)
	}
	for i := range 20 {
		k, _ := contacts.NewAPIKeySecret(fmt.Sprintf("co%d", i))
		wrong = append(wrong, k, keys[fmt.Sprintf("co%d", i)]+"x", keys[fmt.Sprintf("co%d", i)][:40])
	}
	// Another company's key, made to name this one.
	wrong = append(wrong, "ck_co1_"+keys["co0"][len("ck_co0_"):], "hello", "")
	for _, k := range wrong {
		db, done, err := b.CheckKey(ctx, k)
		if db != nil || done != nil || contacts.ErrorCode(err) != contacts.EUNAUTHORIZED {
			t.Fatalf("key %q: %v, %v, want EUNAUTHORIZED", k, db, err)
		}
		var re *store.RejectedError
		if msg := err.Error(); msg != "API key rejected" && !errors.As(err, &re) {
			t.Errorf("key %q: %q, want the plain rejection", k, msg)
		}
	}
	if n := b.Len(); n != 0 {
		t.Errorf("wrong keys opened %d books", n)
	}
	if after := storetest.Listing(t, dir); !sameListing(before, after) {
		t.Errorf("wrong keys changed the directory:\nbefore %q\nafter  %q", before, after)
	}
	// The reasons for the operator: a link and a directory say what they are.
	for company, want := range map[string]string{"link": "symbolic link", "folder": "not a regular file", "junk": "junk.db"} {
		k, _ := contacts.NewAPIKeySecret(company)
		_, _, err := b.CheckKey(ctx, k)
		var re *store.RejectedError
		if !errors.As(err, &re) || !strings.Contains(re.Reason.Error(), want) {
			t.Errorf("%s: %v, want a reason that says %q", company, err, want)
		}
	}

	db, done, err := b.CheckKey(ctx, keys["co3"])
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if got, want := db.Path(), filepath.Join(dir, "co3.db"); got != want {
		t.Errorf("the key of co3 opened %s", got)
	}
	if n := b.Len(); n != 1 {
		t.Errorf("%d books open, want 1", n)
	}
}

// TestBooksCheckKeyFollowsTheBook: the key set never refuses a key made
// after it was read, by this process or another, and a key revoked by
// another process is refused at the next check.
func TestBooksCheckKeyFollowsTheBook(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := makeBooks(t, dir, 2)
	b := newBooks(t, dir, store.BooksOptions{})
	other := func(company string) *store.DB {
		path, _ := store.Path(dir, company)
		db, err := store.Open(ctx, path, store.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	check := func(key string) error {
		t.Helper()
		_, done, err := b.CheckKey(ctx, key)
		if err == nil {
			done()
		}
		return err
	}
	// Read the sets: a wrong key to each book.
	for _, company := range []string{"co0", "co1"} {
		k, _ := contacts.NewAPIKeySecret(company)
		if err := check(k); err == nil {
			t.Fatal("a forged key passed")
		}
	}
	// A key made while the book is closed in this process (no WAL left:
	// the set was read from the main file alone) …
	cli := other("co1")
	_, k1, err := cli.CreateKey(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	cli.Close()
	if err := check(k1); err != nil {
		t.Errorf("a key made after the set was read: %v", err)
	}
	// … and one made while the server has the book open.
	if err := check(keys["co0"]); err != nil {
		t.Fatal(err)
	}
	cli = other("co0")
	k, k2, err := cli.CreateKey(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	if err := check(k2); err != nil {
		t.Errorf("a key made while the book is open: %v", err)
	}
	if err := cli.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := check(k2); contacts.ErrorCode(err) != contacts.EUNAUTHORIZED {
		t.Errorf("a revoked key: %v, want EUNAUTHORIZED", err)
	}
	// A book made after the books were: its key works at once.
	_, k3, err := other("late").CreateKey(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := check(k3); err != nil {
		t.Errorf("the key of a book made later: %v", err)
	}
}

// TestBooksCheckKeyBookInUseElsewhere: while another process has a book
// open (its WAL holds commits), a wrong key still creates no file, and
// leaves none when that process is gone.
func TestBooksCheckKeyBookInUseElsewhere(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeBooks(t, dir, 1)
	path, _ := store.Path(dir, "co0")
	cli, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456"}); err != nil {
		t.Fatal(err)
	}
	b := newBooks(t, dir, store.BooksOptions{})
	before := storetest.Listing(t, dir)
	k, _ := contacts.NewAPIKeySecret("co0")
	if _, _, err := b.CheckKey(ctx, k); contacts.ErrorCode(err) != contacts.EUNAUTHORIZED {
		t.Fatalf("a forged key: %v", err)
	}
	after := storetest.Listing(t, dir)
	if len(after) != len(before) {
		t.Errorf("files before %q, after %q", before, after)
	}
	if b.Len() != 0 {
		t.Errorf("a forged key opened the book")
	}
	// The Books first, and with it its reads of key sets in the background,
	// so that the CLI's connection is the last one and removes the side
	// files. In the other order a background read (the set read a moment
	// after a write is racy and read again) can close at the same time as
	// the CLI: each sees the other's lock, and neither removes them.
	b.Close()
	cli.Close()
	if got := storetest.Listing(t, dir); len(got) != 1 {
		t.Errorf("left behind: %q", got)
	}
}

// TestBooksConcurrent: many requests at once for more books than the cap,
// with good and wrong keys: every good key passes, every wrong one is
// refused, and no more than the cap is ever open. Run it with -race.
func TestBooksConcurrent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := makeBooks(t, dir, 8)
	b := newBooks(t, dir, store.BooksOptions{MaxOpen: 3, ConnsPerBook: 2, IdleTimeout: time.Millisecond, ScanInterval: time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				company := fmt.Sprintf("co%d", (w+i)%8)
				key := keys[company]
				good := i%3 != 0
				if !good {
					key, _ = contacts.NewAPIKeySecret(company)
				}
				db, done, err := b.CheckKey(ctx, key)
				switch {
				case good && err != nil:
					errs <- fmt.Errorf("%s: good key: %v", company, err)
					return
				case !good && contacts.ErrorCode(err) != contacts.EUNAUTHORIZED:
					errs <- fmt.Errorf("%s: wrong key: %v", company, err)
					return
				case good:
					if _, err := db.FindContactByPhone(ctx, "+4520123456"); contacts.ErrorCode(err) != contacts.ENOTFOUND {
						errs <- fmt.Errorf("%s: %v", company, err)
					}
					if n := b.Len(); n > 3 {
						errs <- fmt.Errorf("%d books open", n)
					}
					done()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBooksClose: after Close, nothing opens, and a book still in use is
// closed when its request ends.
func TestBooksClose(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := makeBooks(t, dir, 1)
	b := store.NewBooks(dir, store.BooksOptions{})
	db, done, err := b.CheckKey(ctx, keys["co0"])
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ListKeys(ctx); err != nil {
		t.Errorf("a book in use was closed under its request: %v", err)
	}
	done()
	if _, err := db.ListKeys(ctx); err == nil {
		t.Error("the book is still open after its request ended")
	}
	if _, _, err := b.CheckKey(ctx, keys["co0"]); !errors.Is(err, store.ErrBooksClosed) {
		t.Errorf("after Close: %v", err)
	}
	if _, _, err := b.Open(ctx, "co0"); !errors.Is(err, store.ErrBooksClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestBooksCheckKeyGarbageWAL: a book whose -wal is not a write-ahead log
// (SQLite would take it for an empty one and delete it) refuses every key,
// saying why, and its -wal is left as it was, by the requests and by the
// reads of key sets in the background.
func TestBooksCheckKeyGarbageWAL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := makeBooks(t, dir, 1)
	path, _ := store.Path(dir, "co0")
	garbage := []byte(strings.Repeat("not a write-ahead log ", 400))
	if err := os.WriteFile(path+"-wal", garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	before := storetest.Listing(t, dir)
	b := store.NewBooks(dir, store.BooksOptions{})
	forged, _ := contacts.NewAPIKeySecret("co0")
	for _, k := range []string{forged, keys["co0"]} {
		_, _, err := b.CheckKey(ctx, k)
		var re *store.RejectedError
		if !errors.As(err, &re) || !strings.Contains(re.Reason.Error(), "not a write-ahead log") {
			t.Errorf("key %.12q…: %v, want a rejection that says the -wal is not a write-ahead log", k[len(k)-5:], err)
		}
	}
	b.Close()
	if got, err := os.ReadFile(path + "-wal"); err != nil || string(got) != string(garbage) {
		t.Errorf("the -wal changed: %v", err)
	}
	if after := storetest.Listing(t, dir); !sameListing(before, after) {
		t.Errorf("the directory changed:\nbefore %q\nafter  %q", before, after)
	}
}
