package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/importer"
)

// book is an Importer that keeps the rows it is given, as a book's import
// would write them, and commits only when the rows end without an error.
type book struct {
	rows      []*contacts.ImportRow
	committed bool
}

func (b *book) Import(_ context.Context, _ contacts.ImportOptions, rows func(yield func(*contacts.ImportRow) error) error, _ func(contacts.Problem)) (*contacts.ImportResult, error) {
	err := rows(func(r *contacts.ImportRow) error {
		b.rows = append(b.rows, r)
		return nil
	})
	if err != nil {
		return &contacts.ImportResult{}, err
	}
	b.committed = true
	return &contacts.ImportResult{Created: len(b.rows), Written: true}, nil
}

func run(t *testing.T, ctx context.Context, in io.Reader, opts importer.Options) (*book, *contacts.ImportResult, error, string) {
	t.Helper()
	b := &book{}
	var out, errOut bytes.Buffer
	rep := importer.NewReport(&out, &errOut, false, "-", opts.Import)
	res, err := importer.Run(ctx, "-", in, opts, func() (contacts.Importer, error) { return b, nil }, rep)
	return b, res, err, errOut.String()
}

// TestRunRows: every row goes through the gate in file order; ids are
// made in file order; a field a row leaves empty, or a column it lacks,
// is not given (an update keeps the stored value); invalid rows say why.
func TestRunRows(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("phone,name,email,note\n")
	for i := range 2000 {
		fmt.Fprintf(&csv, "+4526%06d,Name %d,,\n", i, i)
	}
	csv.WriteString("12,Bad,,\n+4520123456,,a@b.dk,\" \"\n")
	b, _, err, _ := run(t, context.Background(), strings.NewReader(csv.String()), importer.Options{Format: format.CSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.rows) != 2002 || !b.committed {
		t.Fatalf("%d rows, committed %v", len(b.rows), b.committed)
	}
	last := ""
	for i, r := range b.rows[:2000] {
		if r.Err != nil || r.Contact.Phone != fmt.Sprintf("+4526%06d", i) || r.Pos != fmt.Sprintf("line %d", i+2) {
			t.Fatalf("row %d: %+v", i, r)
		}
		if r.Contact.ID <= last {
			t.Fatalf("row %d: id %s not after %s", i, r.Contact.ID, last)
		}
		last = r.Contact.ID
		if r.Given != contacts.FieldPhone|contacts.FieldName {
			t.Fatalf("row %d gives %b", i, r.Given)
		}
	}
	if bad := b.rows[2000]; bad.Err == nil || contacts.ErrorField(bad.Err) != "phone" || bad.Contact != nil {
		t.Errorf("invalid row: %+v", bad)
	}
	if r := b.rows[2001]; r.Given != contacts.FieldPhone|contacts.FieldEmail {
		t.Errorf("a row with an empty name and a blank note gives %b", r.Given)
	}
}

// blocked is standard input with some lines, then nothing more, until
// released.
type blocked struct {
	r       io.Reader
	release chan struct{}
}

func (b *blocked) Read(p []byte) (int, error) {
	if n, err := b.r.Read(p); n > 0 || err != io.EOF {
		return n, err
	}
	<-b.release
	return 0, io.EOF
}

// TestRunCancelled: once the import's context is cancelled (a signal),
// the import ends with the cancellation, never as a clean end of the
// file (which would let the book commit what was read as the whole
// file), and at once, even while the reader is blocked on its input.
func TestRunCancelled(t *testing.T) {
	for _, tc := range []struct {
		name           string
		rows           int
		endAfterCancel bool // the input ends once the context is cancelled
	}{
		{"ReaderBlocked", 0, false},
		{"ReaderBlockedAfterRows", 10, false},
		{"ReaderEndsAfterCancel", 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var csv strings.Builder
			csv.WriteString("phone\n")
			for i := range tc.rows {
				fmt.Fprintf(&csv, "+4526%06d\n", i)
			}
			in := &blocked{r: strings.NewReader(csv.String()), release: make(chan struct{})}
			defer close(in.release)
			ctx, cancel := context.WithCancel(context.Background())
			type result struct {
				b   *book
				err error
			}
			done := make(chan result, 1)
			go func() {
				b, _, err, _ := run(t, ctx, in, importer.Options{Format: format.CSV})
				done <- result{b, err}
			}()
			cancel()
			if tc.endAfterCancel {
				in.release <- struct{}{}
			}
			select {
			case res := <-done:
				if !errors.Is(res.err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", res.err)
				}
				if res.b.committed {
					t.Error("the book committed a cancelled import")
				}
			case <-time.After(time.Minute):
				t.Fatal("Run did not return after the cancellation")
			}
		})
	}
}

// TestRunUnreadable: a file that is not what its format says is EINVALID
// naming it.
func TestRunUnreadable(t *testing.T) {
	rep := importer.NewReport(io.Discard, io.Discard, false, "x.json", contacts.ImportOptions{})
	_, err := importer.Run(context.Background(), "-", strings.NewReader("{not json"), importer.Options{Format: format.JSON},
		func() (contacts.Importer, error) { return &book{}, nil }, rep)
	if contacts.ErrorCode(err) != contacts.EINVALID || !strings.Contains(err.Error(), "standard input") {
		t.Errorf("err = %v, want EINVALID naming standard input", err)
	}
}
