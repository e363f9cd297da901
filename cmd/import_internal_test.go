package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/progress"
)

// stuckReader returns its records, then waits for release and returns
// end, as a file on a pipe that stops in the middle does.
type stuckReader struct {
	recs    []*format.Record
	release chan struct{}
	end     error
}

func (r *stuckReader) Read() (*format.Record, error) {
	if len(r.recs) > 0 {
		rec := r.recs[0]
		r.recs = r.recs[1:]
		return rec, nil
	}
	<-r.release
	return nil, r.end
}

// TestRowPipelineCancelled: once the import's context is cancelled (a
// signal), the rows end with its error, never as a clean end of the file,
// which would let the import commit what it had read as the whole file;
// and next returns even while the reader is blocked on its input.
func TestRowPipelineCancelled(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows int
		// endAfterCancel releases the reader once the context is
		// cancelled, so that it ends as at the end of the file.
		endAfterCancel bool
	}{
		{"ReaderBlocked", 0, false},
		{"ReaderBlockedAfterRows", 10, false},
		{"ReaderEndsAfterCancel", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &stuckReader{release: make(chan struct{}), end: io.EOF}
			defer close(r.release)
			for i := range tc.rows {
				r.recs = append(r.recs, &format.Record{Pos: fmt.Sprintf("line %d", i+2), Phone: "+4526000001"})
			}
			ctx, cancel := context.WithCancel(context.Background())
			p := prepareRows(ctx, r, "", format.CSV, progress.New(io.Discard, false, "", 0), nil)
			defer p.stop()
			cancel()
			if tc.endAfterCancel {
				r.release <- struct{}{}
			}
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				n := 0
				for {
					row, err := p.next()
					if row == nil || err != nil {
						done <- result{n, err}
						return
					}
					n++
				}
			}()
			select {
			case res := <-done:
				if !errors.Is(res.err, context.Canceled) {
					t.Fatalf("after %d rows: err %v, want context.Canceled", res.n, res.err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("next still waits 30 s after the context was cancelled")
			}
		})
	}
}
