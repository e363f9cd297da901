package format

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

// The fuzz tests feed the readers arbitrary bytes. They check that a
// reader never panics, that every record holds valid UTF-8, and the
// round-trip property: writing the records read (as contacts with those
// fields) in the same format and reading that back gives the same fields.
//
//	go test ./internal/format -run '^$' -fuzz FuzzCSVRead -fuzztime 60s
//
// (likewise FuzzVCardRead, FuzzJSONRead, FuzzJSONLRead, FuzzDetect). A
// plain `go test` runs the seeds below.

// maxFuzzRecords bounds the records and row errors read from one input.
const maxFuzzRecords = 1000

func addFiles(f *testing.F, names ...string) {
	for _, n := range names {
		data, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func addExport(f *testing.F, format Format, opts WriterOptions) {
	f.Add(writeAll(f, format, opts, sample()...))
}

func FuzzCSVRead(f *testing.F) {
	addFiles(f, "google_old.csv", "google_new.csv", "outlook.csv")
	addExport(f, CSV, WriterOptions{})
	for _, s := range []string{
		"", "phone\n", "phone\n1\n", "name,phone\n\"a\nb\",1\n", "name;phone\r\na;1\r\n",
		"\xEF\xBB\xBFphone,note\n1,\"x\"\"y\"\n", "\xFF\xFEp\x00h\x00o\x00n\x00e\x00\n\x001\x00", "phone,name\n1,\"unclosed\n",
		"id,phone,created_at,updated_at\nX,1,2026-06-10T10:00:00Z,bad\n", "Phone 1 - Value,Name\n1 ::: 2,A\n",
		"First Name,Last Name,Company,Mobile Phone,E-mail Address,E-mail Type\nA,B,C,1,/o=x,EX\n", "phone\n\r\n \n,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzz(t, CSV, data)
	})
}

func FuzzVCardRead(f *testing.F) {
	addFiles(f, "iphone.vcf", "v4.vcf", "android21.vcf")
	addExport(f, VCard, WriterOptions{})
	addExport(f, VCard, WriterOptions{VCardVersion: "3.0"})
	for _, s := range []string{
		"", "BEGIN:VCARD\n", "BEGIN:VCARD\nEND:VCARD\n", "BEGIN:VCARD\nFN:a\\;b\n c\nTEL;PREF=1:1\nEND:VCARD\n",
		"BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:=C3=\n=B8;a\nEND:VCARD\n", "BEGIN:VCARD\nTEL;\"a:b\";CELL:1\nEND:VCARD",
		"BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\n", "BEGIN:VCARD\nKIND:org\nFN:x\nEND:VCARD\n", "BEGIN:VCARD\nFN;ENCODING=b:w5g=\nEND:VCARD\n",
		"BEGIN:VCARD\nN:;;;;\nFN:+1 (2) 3\nTEL:123\nEND:VCARD\n", "BEGIN:VCARD\nREV:20260610T100000Z\nEND:VCARD\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzz(t, VCard, data)
	})
}

func FuzzJSONRead(f *testing.F) {
	addExport(f, JSON, WriterOptions{})
	for _, s := range []string{
		"", "[]", "[null]", "[1,\"a\",{}]", `[{"phone":"1","name":null,"x":[1,{}]}]`, `{"phone":"1"}{"phone":"2"}`,
		`[{"phone":"\ud800"}]`, `[{"phone":1}]`, `[{"phone":"1"}`, `[{"phone":"1"}]]`, `[{"created_at":"2026-06-10T10:00:00Z"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzz(t, JSON, data)
	})
}

func FuzzJSONLRead(f *testing.F) {
	addExport(f, JSONL, WriterOptions{})
	for _, s := range []string{"", "\n", "{}\n", "{\"phone\":\"1\"}\r\n\n[1]\n{\"phone\":2}\n", "{\n\"phone\":\"1\"\n}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzz(t, JSONL, data)
	})
}

// FuzzDetect: Detect never panics, and what it calls a format, that
// format's reader can at least start on.
func FuzzDetect(f *testing.F) {
	addFiles(f, "google_old.csv", "iphone.vcf", "android21.vcf")
	for _, s := range []string{"", "[", "{", "{\n", "BEGIN:VCARD", "a,b", "\x00", "\xFF\xFE", "\xFE\xFF\x00{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect(data)
		if err == nil {
			readAll(format, bytes.NewReader(data), maxFuzzRecords)
		}
	})
}

// checkFuzz reads data in format f and checks the records read, then their
// round trip.
func checkFuzz(t *testing.T, f Format, data []byte) {
	res := readAll(f, bytes.NewReader(data), maxFuzzRecords)
	for _, r := range res.records {
		for _, s := range []string{r.ID, r.CreatedAt, r.UpdatedAt, r.Name, r.Email, r.Phone, r.CompanyName, r.Note} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s: a field is not UTF-8: %q", r.Pos, s)
			}
		}
		if r.Pos == "" {
			t.Fatalf("a record without a position: %+v", r)
		}
	}
	for _, e := range res.rowErrs {
		if e.Pos == "" || e.Message == "" {
			t.Fatalf("an empty row error: %+v", e)
		}
	}
	checkRoundTrip(t, f, res.records)
}

// checkRoundTrip writes recs in format f and reads them back.
func checkRoundTrip(t *testing.T, f Format, recs []*Record) {
	t.Helper()
	var cs []*contacts.Contact
	var want []fields
	for _, r := range recs {
		c := contactOf(r)
		if f == CSV && blankRow(c) {
			continue // an all-blank row is skipped on reading
		}
		cs = append(cs, c)
		w := fieldsOf(r)
		w.CreatedAt, w.UpdatedAt = writtenTime(f, c.CreatedAt), writtenTime(f, c.UpdatedAt)
		want = append(want, w)
	}
	if len(cs) == 0 {
		return
	}
	out := writeAll(t, f, WriterOptions{}, cs...)
	res := readAll(f, bytes.NewReader(out), len(cs)+1)
	if res.err != nil || len(res.rowErrs) > 0 {
		t.Fatalf("reading back our own export: %v %v\n%s", res.err, res.rowErrs, out)
	}
	if len(res.records) != len(cs) {
		t.Fatalf("read back %d records, want %d:\n%s", len(res.records), len(cs), out)
	}
	for i, r := range res.records {
		if got := fieldsOf(r); got != want[i] {
			t.Fatalf("record %d did not round-trip:\n got %+v\nwant %+v\nexport:\n%s", i+1, got, want[i], out)
		}
	}
}

// writtenTime is how a time reads back from our export: as written, or,
// unset, as the format writes the zero time (JSON writes it; CSV and vCard
// leave it out).
func writtenTime(f Format, t time.Time) string {
	switch {
	case !t.IsZero():
		return t.UTC().Format(contacts.TimeFormat)
	case f == JSON || f == JSONL:
		return "0001-01-01T00:00:00Z"
	}
	return ""
}

// blankRow reports whether c writes as a CSV row of blank cells only.
func blankRow(c *contacts.Contact) bool {
	for _, s := range []string{c.ID, deref(c.Name), deref(c.Email), c.Phone, deref(c.CompanyName), deref(c.Note)} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return c.CreatedAt.IsZero() && c.UpdatedAt.IsZero()
}
