package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/phoneinc/contacts/internal/pipeline"
)

// count sends 0..n-1, and then err.
func count(n int, err error) func(s *pipeline.Sender[int]) error {
	return func(s *pipeline.Sender[int]) error {
		for i := range n {
			if !s.Send(i, 8) {
				return pipeline.ErrStopped
			}
		}
		return err
	}
}

// spin works for a random while, so that workers finish out of order.
func spin(_ context.Context, i int) (string, error) {
	for range rand.IntN(64) {
		runtime.Gosched()
	}
	return fmt.Sprint(i), nil
}

func TestRunOrder(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		n, workers, items, max int
	}{
		{"Empty", 0, 2, 0, 0},
		{"One", 1, 2, 0, 0},
		{"ManyWorkers", 10_000, 8, 7, 0},
		{"OneWorker", 3_000, 1, 0, 0},
		{"SmallBatchesByBytes", 3_000, 3, 1000, 40},
		{"Default", 20_000, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pipeline.Pipe[int, string]{Workers: tc.workers, BatchItems: tc.items, BatchBytes: tc.max, Source: count(tc.n, nil), Work: spin}
			next := 0
			err := p.Run(context.Background(), func(s string) error {
				if want := fmt.Sprint(next); s != want {
					return fmt.Errorf("got %s, want %s", s, want)
				}
				next++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if next != tc.n {
				t.Fatalf("consumed %d, want %d", next, tc.n)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	errSource, errWork, errConsume, errIdle := errors.New("source"), errors.New("work"), errors.New("consume"), errors.New("idle")
	for _, tc := range []struct {
		name         string
		p            pipeline.Pipe[int, string]
		consumeErrAt int
		want         error
		consumed     int // exactly, or -1 for any
	}{
		{"SourceAfterItems", pipeline.Pipe[int, string]{Source: count(1000, errSource), Work: spin}, -1, errSource, 1000},
		{"Work", pipeline.Pipe[int, string]{Source: count(5000, nil), Work: func(ctx context.Context, i int) (string, error) {
			if i == 3000 {
				return "", errWork
			}
			return spin(ctx, i)
		}}, -1, errWork, -1},
		{"Consume", pipeline.Pipe[int, string]{Source: count(100_000, nil), Work: spin}, 700, errConsume, 700},
		{"Idle", pipeline.Pipe[int, string]{Source: count(10, nil), Work: spin, Idle: func() error { return errIdle }}, -1, errIdle, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			err := tc.p.Run(context.Background(), func(string) error {
				if n == tc.consumeErrAt {
					return errConsume
				}
				n++
				return nil
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err=%v, want %v", err, tc.want)
			}
			if tc.consumed >= 0 && n != tc.consumed {
				t.Errorf("consumed %d, want %d", n, tc.consumed)
			}
			if tc.name == "Work" && n > 3000 {
				t.Errorf("consumed %d: past the item whose work failed", n)
			}
		})
	}
}

// TestRunCancel: cancelling the context stops the run with its error.
func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := pipeline.Pipe[int, string]{Source: count(1_000_000, nil), Work: spin}.Run(ctx, func(string) error {
		if n++; n == 5000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err=%v, want context.Canceled", err)
	}
}

// TestRunSourceBlocked: a Source blocked on its input (a person who types
// nothing more) does not keep Run from returning when the consumer fails;
// and what was sent before it blocked, with Cut, is consumed and followed
// by Idle, as a person waiting for the answer needs.
func TestRunSourceBlocked(t *testing.T) {
	never := make(chan struct{})
	defer close(never)
	errStop := errors.New("stop")
	var idles atomic.Int32
	got := 0
	p := pipeline.Pipe[int, string]{
		Source: func(s *pipeline.Sender[int]) error {
			for i := range 3 {
				s.Send(i, 1)
			}
			s.Cut()
			<-never // blocked on input
			return nil
		},
		Work: spin,
		Idle: func() error {
			idles.Add(1)
			if got == 3 {
				return errStop // the three answers were consumed: as good as a person leaving
			}
			return nil
		},
	}
	err := p.Run(context.Background(), func(string) error { got++; return nil })
	if !errors.Is(err, errStop) || got != 3 {
		t.Fatalf("err=%v, consumed %d; want errStop after 3", err, got)
	}
}

// TestRunBounded: a consumer that does not keep up holds the Source back:
// no more than a fixed number of batches are ever in flight.
func TestRunBounded(t *testing.T) {
	const workers, items = 2, 10
	var sent atomic.Int64
	release := make(chan struct{})
	done := make(chan error, 1)
	p := pipeline.Pipe[int, int]{Workers: workers, BatchItems: items,
		Source: func(s *pipeline.Sender[int]) error {
			for i := range 100_000 {
				if !s.Send(i, 0) {
					return pipeline.ErrStopped
				}
				sent.Add(1)
			}
			return nil
		},
		Work: func(_ context.Context, i int) (int, error) { return i, nil },
	}
	first := true
	go func() {
		done <- p.Run(context.Background(), func(int) error {
			if first {
				first = false
				<-release
			}
			return nil
		})
	}()
	// The Source stops when every batch is taken: wait until it stops
	// growing (it is then blocked), with a generous bound.
	var last int64 = -1
	for stable := 0; stable < 1000; {
		runtime.Gosched()
		if n := sent.Load(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	if max := int64((2*workers + 2) * items); last > max {
		t.Errorf("the Source sent %d items ahead of a stalled consumer, want at most %d", last, max)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sent.Load() != 100_000 {
		t.Errorf("sent %d", sent.Load())
	}
}
