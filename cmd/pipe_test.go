package cmd

import (
	"errors"
	"fmt"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestPipelined(t *testing.T) {
	source := func(n int, failAt int) func(fn func(*contacts.Contact) error) error {
		return func(fn func(*contacts.Contact) error) error {
			for i := range n {
				if i == failAt {
					return errors.New("the book failed")
				}
				if err := fn(&contacts.Contact{ID: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, n := range []int{0, 1, pipeBatch - 1, pipeBatch, pipeBatch + 1, 10*pipeBatch + 7} {
		t.Run(fmt.Sprint("Order", n), func(t *testing.T) {
			var got []string
			err := pipelined(source(n, -1))(func(c *contacts.Contact) error {
				got = append(got, c.ID)
				return nil
			})
			if err != nil || len(got) != n {
				t.Fatalf("%d contacts, err=%v; want %d", len(got), err, n)
			}
			for i, id := range got {
				if id != fmt.Sprint(i) {
					t.Fatalf("contact %d is %s", i, id)
				}
			}
		})
	}
	t.Run("WriterFails", func(t *testing.T) {
		read := 0
		each := func(fn func(*contacts.Contact) error) error {
			for i := range 1_000_000 {
				read++
				if err := fn(&contacts.Contact{ID: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		}
		broken := errors.New("broken pipe")
		written := 0
		err := pipelined(each)(func(c *contacts.Contact) error {
			if written == 3*pipeBatch+5 {
				return broken
			}
			written++
			return nil
		})
		if !errors.Is(err, broken) {
			t.Fatalf("err=%v, want the writer's", err)
		}
		if read > 20*pipeBatch {
			t.Errorf("the reader went on for %d contacts after the writer failed", read)
		}
	})
	t.Run("ReaderFails", func(t *testing.T) {
		n := 0
		err := pipelined(source(1000, 700))(func(*contacts.Contact) error { n++; return nil })
		if err == nil || err.Error() != "the book failed" || n > 700 {
			t.Fatalf("err=%v after %d contacts, want the book's error", err, n)
		}
	})
}
