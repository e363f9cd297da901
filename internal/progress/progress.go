// Package progress draws a one-line progress indicator on a terminal's
// standard error while a long import or export runs.
package progress

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Bar shows how far a job has come: a percentage when the total size is
// known, the count of rows always. It redraws at most ten times a second,
// from its own goroutine, so the job's loop only adds to counters.
type Bar struct {
	w      io.Writer
	label  string
	total  atomic.Int64 // bytes; 0 when unknown
	bytes  atomic.Int64
	rows   atomic.Int64
	start  time.Time
	stop   chan struct{}
	done   sync.WaitGroup
	active bool
}

// New starts a bar on w when enabled (standard error is a terminal), or
// returns a bar that counts but never draws.
func New(w io.Writer, enabled bool, label string, total int64) *Bar {
	b := &Bar{w: w, label: label, start: time.Now(), stop: make(chan struct{}), active: enabled}
	b.total.Store(total)
	if enabled {
		b.done.Add(1)
		go b.loop()
	}
	return b
}

// SetTotal sets the total size in bytes, once it is known (0: unknown).
func (b *Bar) SetTotal(n int64) { b.total.Store(n) }

// AddBytes counts bytes read or written.
func (b *Bar) AddBytes(n int64) { b.bytes.Add(n) }

// AddRow counts one row.
func (b *Bar) AddRow() { b.rows.Add(1) }

// Rows returns the rows counted.
func (b *Bar) Rows() int64 { return b.rows.Load() }

func (b *Bar) loop() {
	defer b.done.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			fmt.Fprint(b.w, "\r\x1b[K")
			return
		case <-t.C:
			b.draw()
		}
	}
}

func (b *Bar) draw() {
	rows, secs := b.rows.Load(), time.Since(b.start).Seconds()
	if total := b.total.Load(); total > 0 {
		pct := float64(b.bytes.Load()) * 100 / float64(total)
		if pct > 100 {
			pct = 100
		}
		fmt.Fprintf(b.w, "\r\x1b[K%s %3.0f%%  %s rows  %.1fs", b.label, pct, group(rows), secs)
		return
	}
	fmt.Fprintf(b.w, "\r\x1b[K%s  %s rows  %.1fs", b.label, group(rows), secs)
}

// Finish stops drawing and clears the line.
func (b *Bar) Finish() {
	if b.active {
		b.active = false
		close(b.stop)
		b.done.Wait()
	}
}

// CountingReader counts what is read through it into a bar.
type CountingReader struct {
	R   io.Reader
	Bar *Bar
}

func (r CountingReader) Read(p []byte) (int, error) {
	n, err := r.R.Read(p)
	r.Bar.AddBytes(int64(n))
	return n, err
}

// group writes n with thousands separators: 1,000,000.
func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
