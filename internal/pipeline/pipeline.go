// Package pipeline is the product's one ordered worker pipeline: items are
// produced on one goroutine, worked on in batches by several, and consumed
// in the order they were produced, on the caller's goroutine, in constant
// memory. An import validates rows with it, `lookup -` and `label` resolve
// numbers with it, and the listings format contacts with it, so that a
// million of anything keeps every core busy.
//
// Items travel in batches, so that the cost of a channel is paid once per
// batch rather than per item. A fixed number of batches exist; each is
// recycled once consumed, so memory does not grow with the input.
package pipeline

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// Batch bounds when a Pipe leaves them 0.
const (
	DefaultBatchItems = 256
	DefaultBatchBytes = 256 << 10
)

// Pipe describes a run: where items come from, what is done to each, and
// how it is consumed.
type Pipe[In, Out any] struct {
	// Workers is how many goroutines run Work; 0 means one per CPU
	// (GOMAXPROCS).
	Workers int
	// BatchItems and BatchBytes bound a batch (the sizes given to Send);
	// 0 means the defaults.
	BatchItems, BatchBytes int

	// Source produces the items, on a goroutine of its own, by calling
	// s.Send for each. Its error ends the run after the items sent before
	// it. A Source that reads from a person (standard input) calls s.Cut
	// when it has nothing more at hand, so that what was typed is answered
	// at once.
	Source func(s *Sender[In]) error
	// Work turns an item into a result, on one of the Workers goroutines.
	// An error stops the run and is returned: a per-item failure that the
	// run should go past belongs in Out.
	Work func(ctx context.Context, in In) (Out, error)
	// Idle, when not nil, is called on the consuming goroutine whenever it
	// has consumed everything that is ready and would wait: the moment to
	// flush buffered output. Its error stops the run.
	Idle func() error
}

// Sender is the Source's end of a run.
type Sender[In any] struct {
	ctx          context.Context
	cur          *[]In
	size         int
	maxN, maxLen int
	take         func() (*[]In, bool) // a free batch, false when the run stopped
	hand         func()               // passes the current batch on
}

// Send adds an item of size bytes (size only bounds memory: 0 is fine).
// It returns false when the run has stopped (the consumer failed or the
// context ended): the Source should then return ErrStopped.
func (s *Sender[In]) Send(item In, size int) bool {
	if s.cur == nil {
		var ok bool
		if s.cur, ok = s.take(); !ok {
			return false
		}
		s.size = 0
	}
	*s.cur = append(*s.cur, item)
	s.size += size
	if len(*s.cur) >= s.maxN || s.size >= s.maxLen {
		return s.Cut()
	}
	return true
}

// Cut hands the items sent so far to the workers now, without waiting for
// a full batch. It returns false when the run has stopped.
func (s *Sender[In]) Cut() bool {
	if s.cur != nil && len(*s.cur) > 0 {
		s.hand()
		s.cur = nil
	}
	return s.ctx.Err() == nil
}

// ErrStopped is what a Source returns when Send or Cut said the run had
// stopped: the run's error is then the one that stopped it.
var ErrStopped = errors.New("pipeline: the run has stopped")

// batch is a run of items in production order and their results.
type batch[In, Out any] struct {
	items []In
	res   []Out
	err   error
	done  chan struct{} // the worker is finished with the batch
}

// Run runs the pipe and calls consume with each result, in the order the
// items were sent, on the calling goroutine. It returns the first error of
// Source (after consuming the items sent before it), Work, Idle or
// consume, or the context's. On an error it returns without waiting for a
// Source that is blocked on its input: the Source may then still be
// running, and must touch nothing that the caller uses after Run.
func (p Pipe[In, Out]) Run(ctx context.Context, consume func(Out) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxN, maxLen := p.BatchItems, p.BatchBytes
	if maxN <= 0 {
		maxN = DefaultBatchItems
	}
	if maxLen <= 0 {
		maxLen = DefaultBatchBytes
	}
	// At most inFlight batches exist, and both channels hold that many:
	// handing a batch on never blocks.
	inFlight := 2*workers + 2
	free := make(chan *batch[In, Out], inFlight)
	work := make(chan *batch[In, Out], inFlight)
	order := make(chan *batch[In, Out], inFlight)
	for range inFlight {
		free <- &batch[In, Out]{done: make(chan struct{}, 1)}
	}

	srcErr := make(chan error, 1)
	go func() {
		var cur *batch[In, Out]
		s := &Sender[In]{ctx: ctx, maxN: maxN, maxLen: maxLen,
			take: func() (*[]In, bool) {
				select {
				case cur = <-free:
					clear(cur.items)
					cur.items, cur.err = cur.items[:0], nil
					return &cur.items, true
				case <-ctx.Done():
					return nil, false
				}
			},
			hand: func() {
				work <- cur
				order <- cur
			},
		}
		err := p.Source(s)
		s.Cut() // the items sent before an error are consumed too
		srcErr <- err
		close(work)
		close(order)
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var b *batch[In, Out]
				select {
				case b = <-work:
				case <-ctx.Done():
					return
				}
				if b == nil {
					return // closed
				}
				b.res = b.res[:0]
				for _, it := range b.items {
					if err := ctx.Err(); err != nil {
						b.err = err
						break
					}
					out, err := p.Work(ctx, it)
					if err != nil {
						b.err = err
						break
					}
					b.res = append(b.res, out)
				}
				b.done <- struct{}{}
			}
		}()
	}

	err := p.consume(ctx, order, free, srcErr, consume)
	cancel()
	wg.Wait()
	return err
}

// consume hands the results to fn in order as workers finish batches.
func (p Pipe[In, Out]) consume(ctx context.Context, order <-chan *batch[In, Out], free chan<- *batch[In, Out],
	srcErr <-chan error, fn func(Out) error) error {
	idle := func() error {
		if p.Idle == nil {
			return nil
		}
		return p.Idle()
	}
	for {
		var b *batch[In, Out]
		var ok bool
		select {
		case b, ok = <-order:
		default:
			if err := idle(); err != nil {
				return err
			}
			select {
			case b, ok = <-order:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !ok {
			if err := <-srcErr; err != nil && !errors.Is(err, ErrStopped) {
				if ierr := idle(); ierr != nil {
					return ierr
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			return idle()
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.err != nil {
			return b.err
		}
		for i := range b.res {
			if err := fn(b.res[i]); err != nil {
				return err
			}
		}
		clear(b.res)
		free <- b
	}
}
