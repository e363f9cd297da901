package format

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/phoneinc/contacts"
)

// benchN is the number of records each benchmark iteration reads or
// writes; ns/record is the figure to compare.
const benchN = 100000

var benchData = sync.OnceValue(func() []*contacts.Contact {
	cs := make([]*contacts.Contact, benchN)
	for i := range cs {
		cs[i] = generated(i)
	}
	return cs
})

func benchWrite(b *testing.B, f Format, opts WriterOptions) {
	cs := benchData()
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		w, err := NewWriter(f, &buf, opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cs {
			if err := w.Write(c); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/record")
}

func benchRead(b *testing.B, f Format) {
	var buf bytes.Buffer
	w, err := NewWriter(f, &buf, WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range benchData() {
		w.Write(c)
	}
	w.Close()
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := NewReader(f, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchN {
			b.Fatalf("read %d records", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/record")
}

func BenchmarkCSVRead(b *testing.B)    { benchRead(b, CSV) }
func BenchmarkCSVWrite(b *testing.B)   { benchWrite(b, CSV, WriterOptions{}) }
func BenchmarkVCardWrite(b *testing.B) { benchWrite(b, VCard, WriterOptions{}) }
func BenchmarkVCardWrite30(b *testing.B) {
	benchWrite(b, VCard, WriterOptions{VCardVersion: "3.0"})
}
func BenchmarkVCardRead(b *testing.B)  { benchRead(b, VCard) }
func BenchmarkJSONRead(b *testing.B)   { benchRead(b, JSON) }
func BenchmarkJSONWrite(b *testing.B)  { benchWrite(b, JSON, WriterOptions{}) }
func BenchmarkJSONLRead(b *testing.B)  { benchRead(b, JSONL) }
func BenchmarkJSONLWrite(b *testing.B) { benchWrite(b, JSONL, WriterOptions{}) }
