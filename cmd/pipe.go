package cmd

import (
	"errors"

	"github.com/phoneinc/contacts"
)

// pipeBatch is how many contacts travel together between the stages of
// pipelined, so that the channel's cost is amortized.
const pipeBatch = 256

// errPipeStopped ends the reading stage of pipelined when the writing
// stage has failed; the writing stage's error is the one returned.
var errPipeStopped = errors.New("the output stopped")

// pipelined runs a listing in two stages: each itself (reading the book:
// SQLite's work and the scan of each row into a contact) on this
// goroutine, and fn (formatting and writing the output) on another, with
// the contacts passed in batches through a bounded channel. A listing or
// an export of a million contacts then keeps both cores busy, in constant
// memory. fn sees the contacts in order; its first error stops the
// reading, and is returned.
func pipelined(each func(fn func(*contacts.Contact) error) error) func(fn func(*contacts.Contact) error) error {
	return func(fn func(*contacts.Contact) error) error {
		batches := make(chan []*contacts.Contact, 8)
		failed := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			var err error
			for b := range batches {
				if err != nil {
					continue // drain: the reader sees failed and stops
				}
				for _, c := range b {
					if err = fn(c); err != nil {
						close(failed)
						break
					}
				}
			}
			done <- err
		}()
		send := func(b []*contacts.Contact) error {
			select {
			case batches <- b:
				return nil
			case <-failed:
				return errPipeStopped
			}
		}
		b := make([]*contacts.Contact, 0, pipeBatch)
		err := each(func(c *contacts.Contact) error {
			b = append(b, c)
			if len(b) < pipeBatch {
				return nil
			}
			if err := send(b); err != nil {
				return err
			}
			b = make([]*contacts.Contact, 0, pipeBatch)
			return nil
		})
		if err == nil && len(b) > 0 {
			err = send(b)
		}
		close(batches)
		if werr := <-done; werr != nil {
			return werr
		}
		return err
	}
}
