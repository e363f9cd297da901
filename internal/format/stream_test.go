package format

import (
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

// generated returns the i-th of a series of realistic contacts.
func generated(i int) *contacts.Contact {
	t0 := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	c := &contacts.Contact{
		ID:             fmt.Sprintf("01J0ZQ4D5V8W3H3Q0Y%08d", i),
		Name:           ptr(fmt.Sprintf("Person Number %d", i)),
		Phone:          fmt.Sprintf("+4520%06d", i%1000000),
		PhoneFormatted: fmt.Sprintf("+45 20 %02d %02d %02d", i/10000%100, i/100%100, i%100),
		CreatedAt:      t0.Add(time.Duration(i) * time.Second),
		UpdatedAt:      t0.Add(time.Duration(i) * time.Minute),
	}
	if i%2 == 0 {
		c.Email = ptr(fmt.Sprintf("person%d@example.com", i))
		c.CompanyName = ptr("Acme A/S")
	}
	if i%5 == 0 {
		c.Note = ptr("Called about the invoice, 14 June; wants a call back.\nPrefers mornings.")
	}
	return c
}

// TestStreaming writes many contacts through a pipe into a reader and
// samples the heap meanwhile: both sides must stream, holding a record or
// a buffer at a time, not the file.
func TestStreaming(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a few hundred thousand records")
	}
	for _, tc := range []struct {
		f Format
		n int
	}{{CSV, 150000}, {JSON, 150000}, {JSONL, 150000}, {VCard, 100000}} {
		if raceEnabled {
			tc.n /= 20 // checks for races, not for memory
		}
		t.Run(string(tc.f), func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				w, err := NewWriter(tc.f, pw, WriterOptions{})
				for i := 0; err == nil && i < tc.n; i++ {
					err = w.Write(generated(i))
				}
				if err == nil {
					err = w.Close()
				}
				pw.CloseWithError(err)
			}()
			r, err := NewReader(tc.f, pr)
			if err != nil {
				t.Fatal(err)
			}
			var peak, bytesIn uint64
			var ms runtime.MemStats
			n := 0
			for ; ; n++ {
				rec, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("record %d: %v", n+1, err)
				}
				if n%997 == 0 {
					if want := generated(n); rec.Phone != want.Phone || rec.Name != *want.Name {
						t.Fatalf("record %d: %+v", n+1, rec)
					}
				}
				if n%20000 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
					bytesIn = ms.TotalAlloc
				}
			}
			if n != tc.n {
				t.Fatalf("read %d records, want %d", n, tc.n)
			}
			// Holding the file, let alone the records, would take over
			// 150 bytes a record: 20 MiB and more.
			if limit := uint64(16 << 20); !raceEnabled && peak > limit {
				t.Errorf("heap reached %d MiB, want under %d MiB", peak>>20, limit>>20)
			}
			t.Logf("%d records, peak heap %.1f MiB (allocated %d MiB in all)", n, float64(peak)/(1<<20), bytesIn>>20)
		})
	}
}
