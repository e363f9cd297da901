package labeler

import (
	"context"
	"errors"
	"io"

	"github.com/phoneinc/contacts/internal/pipeline"
)

// Batch bounds: a batch is handed to a worker when it holds batchItems
// items or batchBytes bytes of input, or when the input has nothing more at
// hand (so that a person typing numbers gets each answer at once).
const (
	batchItems = 512
	batchBytes = 256 << 10
)

// Pipe connects a reader and a writer of items of type T through a
// Labeler: items are read in one goroutine, their numbers resolved by the
// Labeler's workers, and written in input order in the caller's goroutine.
type Pipe[T any] struct {
	// Read returns the next item, the number written in it ("" for none)
	// and its size in bytes, which bounds the memory held in flight. It
	// returns io.EOF after the last item.
	Read func() (item T, number string, size int, err error)
	// Ready reports whether Read can return an item without waiting for
	// input; nil means it always can.
	Ready func() bool
	// Write writes one item with its result.
	Write func(item T, r *Result) error
	// Flush is called when the writer has written all it has (it would
	// otherwise wait for input), and at the end; nil for none.
	Flush func() error
}

type item[T any] struct {
	v   T
	num string
}

type labelled[T any] struct {
	v   T
	res Result
}

// Run labels every item of p, in order, through the product's one ordered
// pipeline, and returns the first error: of Read (after writing the items
// before it), of the book, or of Write or Flush. On an error it returns
// without waiting for a Read that is blocked on its input.
func Run[T any](ctx context.Context, l *Labeler, p Pipe[T]) error {
	return pipeline.Pipe[item[T], labelled[T]]{
		Workers:    l.workers,
		BatchItems: batchItems,
		BatchBytes: batchBytes,
		Source: func(s *pipeline.Sender[item[T]]) error {
			for {
				v, num, size, err := p.Read()
				if errors.Is(err, io.EOF) {
					return nil
				} else if err != nil {
					return err
				}
				if !s.Send(item[T]{v, num}, size) {
					return pipeline.ErrStopped
				}
				if p.Ready != nil && !p.Ready() && !s.Cut() {
					return pipeline.ErrStopped
				}
			}
		},
		Work: func(ctx context.Context, it item[T]) (labelled[T], error) {
			r, err := l.Label(ctx, it.num)
			return labelled[T]{it.v, r}, err
		},
		Idle: p.Flush,
	}.Run(ctx, func(d labelled[T]) error { return p.Write(d.v, &d.res) })
}
