package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

// result is what reading a whole file gave: the records, the row errors
// in order, and the fatal error ending it (nil at a clean io.EOF).
type result struct {
	records []*Record
	rowErrs []*RowError
	err     error
}

// readAll reads r to its end, at most max records and row errors (so that
// fuzzed input cannot loop for long).
func readAll(f Format, r io.Reader, max int) result {
	var res result
	rd, err := NewReader(f, r)
	if err != nil {
		res.err = err
		return res
	}
	for i := 0; i < max; i++ {
		rec, err := rd.Read()
		if err == io.EOF {
			return res
		}
		var re *RowError
		if errors.As(err, &re) {
			res.rowErrs = append(res.rowErrs, re)
			continue
		}
		if err != nil {
			res.err = err
			return res
		}
		res.records = append(res.records, rec)
	}
	return res
}

func readBytes(t testing.TB, f Format, data []byte) result {
	t.Helper()
	return readAll(f, bytes.NewReader(data), 1<<20)
}

func readFile(t testing.TB, f Format, name string) result {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return readBytes(t, f, data)
}

// fields is a Record without its position and unused numbers, for
// comparing what a round trip keeps.
type fields struct {
	ID, CreatedAt, UpdatedAt, Name, Email, Phone, CompanyName, Note string
}

func fieldsOf(r *Record) fields {
	return fields{r.ID, r.CreatedAt, r.UpdatedAt, r.Name, r.Email, r.Phone, r.CompanyName, r.Note}
}

func checkRecords(t *testing.T, got, want []*Record) {
	t.Helper()
	if len(got) != len(want) {
		for _, r := range got {
			t.Logf("got %#v", *r)
		}
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := *got[i], *want[i]
		if len(g.Unused) == 0 {
			g.Unused = nil
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("record %d:\n got %#v\nwant %#v", i+1, g, w)
		}
	}
}

func ptr(s string) *string { return &s }

// opt is a Contact field from a Record's: "" is not set.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// contactOf makes the Contact a record describes, for writing it back:
// the text fields as they are, the times when they parse.
func contactOf(r *Record) *contacts.Contact {
	c := &contacts.Contact{
		ID:          r.ID,
		Name:        opt(r.Name),
		Email:       opt(r.Email),
		Phone:       r.Phone,
		CompanyName: opt(r.CompanyName),
		Note:        opt(r.Note),
	}
	c.CreatedAt, _ = contacts.ParseTime(r.CreatedAt)
	c.UpdatedAt, _ = contacts.ParseTime(r.UpdatedAt)
	return c
}

// writeAll writes cs in format f.
func writeAll(t testing.TB, f Format, opts WriterOptions, cs ...*contacts.Contact) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(f, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sample is a set of contacts with everything that is hard to write: a
// contact with only a phone, separators and quotes of every format,
// newlines, non-ASCII text, a note long enough to fold, leading spaces.
func sample() []*contacts.Contact {
	t0 := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	long := ""
	for i := 0; i < 40; i++ {
		long += fmt.Sprintf("Line %d: æøå ÆØÅ ü — 日本語テキスト 🙂; a, b\\c \"q\"\n", i)
	}
	return []*contacts.Contact{
		{
			ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK", Name: ptr("Ann Jensen"), Email: ptr("ann@acme.example"),
			Phone: "+4520123456", PhoneFormatted: "+45 20 12 34 56", CompanyName: ptr("Acme A/S"),
			Note: ptr("Met at the fair, stand 14.\nPrefers a call; ask for Ann."), CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
		},
		{
			ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZM", Phone: "+14155552671", PhoneFormatted: "+1 415-555-2671",
			CreatedAt: t0, UpdatedAt: t0,
		},
		{
			ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZN", Phone: "+4533123456", PhoneFormatted: "+45 33 12 34 56",
			CompanyName: ptr("Acme; \"Support\", Inc. \\ Ltd"), CreatedAt: t0, UpdatedAt: t0,
		},
		{
			ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZP", Name: ptr("Søren Aabye Kierkegaard, Jr."), Email: ptr("søren@example.dk"),
			Phone: "+4570102030", PhoneFormatted: "+45 70 10 20 30", CompanyName: ptr("Kierkegaard & Søn"),
			Note: ptr(long), CreatedAt: t0, UpdatedAt: t0.Add(48 * time.Hour),
		},
		{
			ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZQ", Name: ptr("Zoë"), Phone: "+33612345678", PhoneFormatted: "+33 6 12 34 56 78",
			Note: ptr("  leading spaces, a tab\there, a trailing newline\n"), CreatedAt: t0, UpdatedAt: t0,
		},
		{
			ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZR", Name: ptr("=SUM(A1:A2)"), Phone: "+4520123457", PhoneFormatted: "+45 20 12 34 57",
			Note: ptr(`"quoted" and a lone "`), CreatedAt: t0, UpdatedAt: t0,
		},
	}
}

// recordOf is the record our own export of c reads back as.
func recordOf(c *contacts.Contact) fields {
	return fields{
		ID: c.ID, Name: deref(c.Name), Email: deref(c.Email), Phone: c.Phone,
		CompanyName: deref(c.CompanyName), Note: deref(c.Note),
		CreatedAt: c.CreatedAt.UTC().Format(contacts.TimeFormat),
		UpdatedAt: c.UpdatedAt.UTC().Format(contacts.TimeFormat),
	}
}

// endless is a reader of a line that never ends: it stands in for a 2 GB
// line without writing one. n counts what it gave.
type endless struct {
	fill []byte
	n    int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.fill[(e.n+int64(i))%int64(len(e.fill))]
	}
	e.n += int64(len(p))
	return len(p), nil
}

// allocated returns the bytes fn allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkBounded checks that reading stopped soon after MaxRecordSize and
// allocated a few times that at most: a 2 GB line would cost the same.
func checkBounded(t *testing.T, e *endless, alloc uint64) {
	t.Helper()
	if e.n > 4*MaxRecordSize {
		t.Errorf("read %d bytes of the endless line before failing, want at most %d", e.n, 4*MaxRecordSize)
	}
	if alloc > 16*MaxRecordSize {
		t.Errorf("allocated %d bytes, want at most %d", alloc, 16*MaxRecordSize)
	}
	t.Logf("read %d KiB, allocated %d KiB", e.n>>10, alloc>>10)
}
