package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestWALStamp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acme.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil { // the book is there from the start
		t.Fatal(err)
	}
	open := func() *DB {
		db, err := Open(ctx, path, Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db, other := open(), open()
	read := func() walStamp {
		t.Helper()
		st, ok := db.stamp.read()
		if !ok {
			t.Fatal("no WAL stamp")
		}
		return st
	}
	a := read()
	if _, err := db.FindContactByPhone(ctx, "+4520123456"); contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Fatal(err)
	}
	if b := read(); b != a {
		t.Error("a read changed the stamp")
	}
	if _, err := other.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456"}); err != nil {
		t.Fatal(err)
	}
	b := read()
	if b == a {
		t.Error("a commit by another handle left the stamp as it was")
	}
	if _, err := other.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456"}); contacts.ErrorCode(err) != contacts.ECONFLICT {
		t.Fatal(err)
	}
	if c := read(); c != b {
		t.Error("a write that rolled back changed the stamp")
	}
}

func TestWALStampNone(t *testing.T) {
	s := stampFile{path: filepath.Join(t.TempDir(), "missing.db-shm")}
	if _, ok := s.read(); ok {
		t.Error("a stamp from a missing -shm file")
	}
}
