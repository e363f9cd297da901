package labeler

import (
	"context"
	"errors"
	"io"
	"sync"
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

// batch is a run of items in input order. Batches are recycled, so a run
// holds a fixed number of them: memory does not grow with the input.
type batch[T any] struct {
	items   []T
	nums    []string
	res     []Result
	size    int
	err     error         // a failure of the book while resolving
	readErr error         // the error that ended the input, after items
	done    chan struct{} // a worker is finished with the batch
}

func (b *batch[T]) reset() {
	clear(b.items)
	clear(b.res)
	b.items, b.nums, b.res = b.items[:0], b.nums[:0], b.res[:0]
	b.size, b.err, b.readErr = 0, nil, nil
}

// Run labels every item of p, in order, and returns the first error: of
// Read (after writing the items before it), of the book, or of Write or
// Flush. On an error it returns without waiting for a Read that is blocked
// on its input.
func Run[T any](ctx context.Context, l *Labeler, p Pipe[T]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	inFlight := 2*l.workers + 2
	free := make(chan *batch[T], inFlight)
	for range inFlight {
		free <- &batch[T]{done: make(chan struct{}, 1)}
	}
	work := make(chan *batch[T], inFlight)
	order := make(chan *batch[T], inFlight)

	// Reader.
	go func() {
		defer close(order)
		defer close(work)
		for {
			var b *batch[T]
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.reset()
			for len(b.items) < batchItems && b.size < batchBytes {
				item, num, size, err := p.Read()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						b.readErr = err
					} else {
						b.readErr = io.EOF
					}
					break
				}
				b.items = append(b.items, item)
				b.nums = append(b.nums, num)
				b.size += size
				if p.Ready != nil && !p.Ready() {
					break
				}
			}
			work <- b // never blocks: at most inFlight batches exist
			order <- b
			if b.readErr != nil {
				return
			}
		}
	}()

	// Workers.
	var wg sync.WaitGroup
	for range l.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if n := len(b.nums); cap(b.res) < n {
					b.res = make([]Result, n)
				} else {
					b.res = b.res[:n]
				}
				for i, num := range b.nums {
					if ctx.Err() != nil {
						b.err = ctx.Err()
						break
					}
					r, err := l.Label(ctx, num)
					if err != nil {
						b.err = err
						break
					}
					b.res[i] = r
				}
				b.done <- struct{}{}
			}
		}()
	}

	err := write(ctx, p, order, free)
	cancel()
	wg.Wait()
	return err
}

// write writes the batches in order as workers finish them.
func write[T any](ctx context.Context, p Pipe[T], order <-chan *batch[T], free chan<- *batch[T]) error {
	flush := func() error {
		if p.Flush == nil {
			return nil
		}
		return p.Flush()
	}
	for {
		var b *batch[T]
		var ok bool
		select {
		case b, ok = <-order:
		default:
			// Nothing to write: flush while the reader waits for input.
			if err := flush(); err != nil {
				return err
			}
			select {
			case b, ok = <-order:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !ok {
			if err := ctx.Err(); err != nil {
				return err // the reader stopped because the run was cancelled
			}
			return flush()
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.err != nil {
			return b.err
		}
		for i := range b.items {
			if err := p.Write(b.items[i], &b.res[i]); err != nil {
				return err
			}
		}
		if b.readErr != nil && b.readErr != io.EOF {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return b.readErr
		}
		free <- b
	}
}
