package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
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
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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
