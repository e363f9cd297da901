package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestKeySetRacy: a key set read within racyWindow of a change to the
// book's files is not trusted to notice the next change (a second write
// in the same tick of the file system's clock keeps the time), so the
// next miss reads it again; one read later is trusted until the files
// change.
func TestKeySetRacy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "acme.db")
	db, err := Open(ctx, path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateKey(ctx, ""); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	b := &Books{dir: dir, opts: BooksOptions{}.withDefaults(), open: map[string]*bookEntry{}, freed: make(chan struct{}), sets: map[string]*keySet{}}
	for _, tc := range []struct {
		after   time.Duration
		trusted bool
	}{
		{0, false},
		{racyWindow / 2, false},
		{racyWindow + time.Second, true},
	} {
		b.now = func() time.Time { return fi.ModTime().Add(tc.after) }
		ks := b.readKeySet(ctx, "acme", path)
		if ks.err != nil || len(ks.hashes) != 1 {
			t.Fatalf("read %d hashes: %v", len(ks.hashes), ks.err)
		}
		if got := ks.current(statBook(path)); got != tc.trusted {
			t.Errorf("read %v after the last change: current=%v, want %v", tc.after, got, tc.trusted)
		}
	}
	// A change to the files: no longer current.
	ks := b.readKeySet(ctx, "acme", path)
	if err := os.WriteFile(path+"-wal", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ks.current(statBook(path)) {
		t.Error("a set is current after the WAL changed")
	}
}
