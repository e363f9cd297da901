package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// Every write path gives back the process's turn to write, on success and
// on failure: a turn kept would make the next write wait until its
// context ends.
func TestWriteTurnReleased(t *testing.T) {
	db := MustOpen(t)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
	steps := []struct {
		name string
		do   func(ctx context.Context) error
		code string
	}{
		{"CreateConflict", func(ctx context.Context) error {
			_, err := db.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456"})
			return err
		}, contacts.ECONFLICT},
		{"UpdateNotFound", func(ctx context.Context) error {
			_, err := db.UpdateContact(ctx, contacts.NewID(), contacts.ContactUpdate{})
			return err
		}, contacts.ENOTFOUND},
		{"DeleteNotFound", func(ctx context.Context) error {
			return db.DeleteContacts(ctx, []string{contacts.NewID()})
		}, contacts.ENOTFOUND},
		{"Update", func(ctx context.Context) error {
			name := "Niklas"
			_, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Name: &name})
			return err
		}, ""},
		{"Delete", func(ctx context.Context) error {
			return db.DeleteContacts(ctx, []string{c.ID})
		}, ""},
		{"Create", func(ctx context.Context) error {
			_, err := db.CreateContact(ctx, contacts.NewContact{Phone: "+4520123457"})
			return err
		}, ""},
	}
	for _, s := range steps {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.do(ctx)
		cancel()
		if got := contacts.ErrorCode(err); got != s.code {
			t.Fatalf("%s: err=%v (code %q), want code %q; a write turn not given back ends in a deadline", s.name, err, got, s.code)
		}
	}
}

// Writers of one process take turns: many at once all succeed.
func TestConcurrentWritesOneProcess(t *testing.T) {
	db := MustOpen(t)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.CreateContact(context.Background(), contacts.NewContact{Phone: fmt.Sprintf("+452012%04d", i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	n := 0
	if err := db.ListContacts(context.Background(), contacts.ContactFilter{}, func(*contacts.Contact) error { n++; return nil }); err != nil || n != 32 {
		t.Fatalf("%d contacts, err=%v; want 32", n, err)
	}
}

// A server bounds the connections of a book (MaxConns); a listing holds
// its connection while its client reads, so a slow client of a listing
// must not keep the lookups from a connection.
func TestSlowListingLeavesLookups(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acme.db")
	db, err := store.Open(ctx, path, store.Options{Create: true, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{"+4520123456", "+4520123457", "+4520123458"} {
		MustCreate(t, db, contacts.NewContact{Phone: p})
	}
	reading, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		done <- db.ListContacts(ctx, contacts.ContactFilter{}, func(*contacts.Contact) error {
			if first {
				first = false
				close(reading)
				<-release // a client that does not read
			}
			return nil
		})
	}()
	<-reading
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := db.FindContactByPhone(lctx, "+4520123457"); err != nil {
		t.Errorf("lookup during a stalled listing: %v", err)
	}
	if _, err := db.CreateContact(lctx, contacts.NewContact{Phone: "+4520123459"}); err != nil {
		t.Errorf("create during a stalled listing: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
