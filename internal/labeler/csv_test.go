package labeler_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/labeler"
)

func labelCSV(t *testing.T, in string, opts labeler.CSVOptions) (string, error) {
	t.Helper()
	l := labeler.New(newBook(niklas, ada), labeler.Options{Region: "DK", Slim: true})
	var out strings.Builder
	err := labeler.CSV(context.Background(), l, strings.NewReader(in), &out, opts)
	return out.String(), err
}

func TestCSV(t *testing.T) {
	n := "Niklas Stephenson,Stephenson ApS," + niklas.ID
	a := "Ada,," + ada.ID
	for _, tc := range []struct {
		name, column, in, want string
	}{{
		name: "plain", column: "from",
		in:   "time,from,to\n1,+4520123456,x\n2,+4520123457,y\n3,,z\n4,abc,w\n5,20 12 34 56,v\n",
		want: "time,from,contact_name,contact_company,contact_id,to\n1,+4520123456," + n + ",x\n2,+4520123457,,,,y\n3,,,,,z\n4,abc,,,,w\n5,20 12 34 56," + n + ",v\n",
	}, {
		name: "column in any case, and by position", column: "FROM",
		in:   "time,From\n1,+14155552671\n",
		want: "time,From,contact_name,contact_company,contact_id\n1,+14155552671," + a + "\n",
	}, {
		name: "by position", column: "1",
		in:   "caller\n+4520123456\n",
		want: "caller,contact_name,contact_company,contact_id\n+4520123456," + n + "\n",
	}, {
		name: "a header named like a number wins", column: "2",
		in:   "1,2\n+4520123456,+14155552671\n",
		want: "1,2,contact_name,contact_company,contact_id\n+4520123456,+14155552671," + a + "\n",
	}, {
		name: "BOM and CRLF kept", column: "from",
		in:   "\uFEFFfrom,to\r\n+4520123456,x\r\n",
		want: "\uFEFFfrom,contact_name,contact_company,contact_id,to\r\n+4520123456," + n + ",x\r\n",
	}, {
		name: "quoted fields, with newlines, commas and quotes", column: "from",
		in:   "note,from\n\"two\nlines\",\"+45 20 12 34 56\"\n\"a, \"\"b\"\"\",+4520123456\n\"plain\",\"x\"\n",
		want: "note,from,contact_name,contact_company,contact_id\n\"two\nlines\",\"+45 20 12 34 56\"," + n + "\n\"a, \"\"b\"\"\",+4520123456," + n + "\n\"plain\",\"x\",,,\n",
	}, {
		name: "ragged rows", column: "from",
		in:   "a,from,b,c\n1\n1,+4520123456\n1,+4520123456,2,3,4\n\n1,2,3,4\n",
		want: "a,from,contact_name,contact_company,contact_id,b,c\n1\n1,+4520123456," + n + "\n1,+4520123456," + n + ",2,3,4\n\n1,2,,,,3,4\n",
	}, {
		name: "header only", column: "from",
		in:   "from",
		want: "from,contact_name,contact_company,contact_id",
	}, {
		name: "spaces around the number", column: "from",
		in:   "from\n  +4520123456  \n",
		want: "from,contact_name,contact_company,contact_id\n  +4520123456  ," + n + "\n",
	}, {
		// The log comes back byte for byte, columns added: the quoting of
		// the fields label does not touch is the user's.
		name: "quoting kept", column: "from",
		in:   "\"dir\",\"from\",\"to\"\n\"in\",\"+4520123456\",\"x\"\nout,+4520123457,\"y, z\"\n\"in\",\"+4520123456\",\"\"\n",
		want: "\"dir\",\"from\",contact_name,contact_company,contact_id,\"to\"\n\"in\",\"+4520123456\"," + n + ",\"x\"\nout,+4520123457,,,,\"y, z\"\n\"in\",\"+4520123456\"," + n + ",\"\"\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := labelCSV(t, tc.in, labeler.CSVOptions{Column: tc.column})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestCSVDelimiter(t *testing.T) {
	got, err := labelCSV(t, "tid;nummer\n1;+45 20 12 34 56\n", labeler.CSVOptions{Column: "Nummer", Comma: ';'})
	if err != nil {
		t.Fatal(err)
	}
	if want := "tid;nummer;contact_name;contact_company;contact_id\n1;+45 20 12 34 56;Niklas Stephenson;Stephenson ApS;" + niklas.ID + "\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, column, in string
		code, msg        string
		written          string // output before the error
	}{{
		name: "no such column", column: "phone", in: "time,from,to\n",
		code: contacts.EUSAGE, msg: `--column "phone": no such column in input; its columns are "time", "from", "to"`,
	}, {
		name: "position out of range", column: "4", in: "time,from,to\n",
		code: contacts.EUSAGE, msg: `no such column`,
	}, {
		name: "two columns of that name", column: "from", in: "from,to,FROM\n",
		code: contacts.EUSAGE, msg: `(columns 1, 3); give the position instead, e.g. --column 1`,
	}, {
		name: "empty", column: "from", in: "",
		code: contacts.EINVALID, msg: `input is empty: a call log needs a header row`,
	}, {
		name: "bare quote", column: "from", in: "from\n+4520123456\nab\"c\n",
		code: contacts.EINVALID, msg: `input: not valid CSV: line 3, column 3: bare " in non-quoted-field`,
		written: "from,contact_name,contact_company,contact_id\n+4520123456,Niklas Stephenson,Stephenson ApS," + niklas.ID + "\n",
	}, {
		name: "unclosed quote", column: "from", in: "from,x\n+4520123456,\"abc\n\n",
		code: contacts.EINVALID, msg: `(in the record that starts on line 2): extraneous or missing " in quoted-field`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := labelCSV(t, tc.in, labeler.CSVOptions{Column: tc.column})
			if contacts.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error = %v (%s), want %s containing %q", err, contacts.ErrorCode(err), tc.code, tc.msg)
			}
			if tc.written != "" && got != tc.written {
				t.Errorf("written before the error:\n%s\nwant:\n%s", got, tc.written)
			}
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A runaway record is refused after reading little more than the limit,
// naming the line it starts on.
func TestCSVTooLong(t *testing.T) {
	for _, tc := range []struct{ name, bad string }{
		{"long line", strings.Repeat("1", 3<<20) + "\n"},
		{"unclosed quote", "\"" + strings.Repeat("la la\n", 1<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := "note,from\n\"a\nb\",+4520123456\nc,+4520123456\n" + tc.bad + "d,+4520123456\n"
			cr := &countingReader{r: strings.NewReader(in)}
			l := labeler.New(newBook(niklas), labeler.Options{})
			var out strings.Builder
			err := labeler.CSV(context.Background(), l, cr, &out, labeler.CSVOptions{Column: "from", Name: "log.csv"})
			if contacts.ErrorCode(err) != contacts.EINVALID || !strings.Contains(err.Error(), "log.csv: line 5: a record longer than 1 MiB") {
				t.Fatalf("error = %v, want invalid naming line 5", err)
			}
			if got, want := strings.Count(out.String(), "+4520123456"), 2; got != want {
				t.Errorf("%d rows written before the error, want %d", got, want)
			}
			if cr.n > labeler.MaxRecord+256<<10 {
				t.Errorf("read %d bytes to refuse the record; want little more than %d", cr.n, labeler.MaxRecord)
			}
		})
	}
	// A record just under the limit is fine.
	in := "note,from\n" + strings.Repeat("x", labeler.MaxRecord-20) + ",+4520123456\n"
	if _, err := labelCSV(t, in, labeler.CSVOptions{Column: "from"}); err != nil {
		t.Fatal(err)
	}
}
