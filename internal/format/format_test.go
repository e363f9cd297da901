package format

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
	}{
		{"csv", CSV}, {"CSV", CSV}, {" vcard ", VCard}, {"vcf", VCard}, {"VCF", VCard},
		{"json", JSON}, {"jsonl", JSONL}, {"ndjson", JSONL}, {"NDJSON", JSONL},
	} {
		got, err := ParseFormat(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseFormat(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "xml", "vcards", "tsv"} {
		_, err := ParseFormat(in)
		if got, want := contacts.ErrorCode(err), contacts.EUSAGE; got != want {
			t.Errorf("ParseFormat(%q): code %q (%v), want %q", in, got, err, want)
		}
	}
}

func TestFromExtension(t *testing.T) {
	for name, want := range map[string]Format{
		"a.csv": CSV, "dir.x/A.CSV": CSV, "b.vcf": VCard, "b.VCard": VCard, "c.json": JSON,
		"d.jsonl": JSONL, "d.ndjson": JSONL, "e.txt": "", "noext": "", "-": "", "csv": "",
	} {
		if got := FromExtension(name); got != want {
			t.Errorf("FromExtension(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDetect(t *testing.T) {
	utf16le := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want Format
		err  error
	}{
		{"vcard", []byte("BEGIN:VCARD\r\nVERSION:3.0\r\n"), VCard, nil},
		{"vcard lower case after blank lines", []byte("\r\n\nbegin:vcard\n"), VCard, nil},
		{"vcard after BOM", []byte("\xEF\xBB\xBFBEGIN:VCARD\n"), VCard, nil},
		{"json array", []byte("  [\n  {\"id\": \"x\"}\n]\n"), JSON, nil},
		{"empty json array", []byte("[]"), JSON, nil},
		{"jsonl", []byte("{\"phone\":\"+4520123456\"}\n{\"phone\":\"+4520123457\"}\n"), JSONL, nil},
		{"one long json line cut by the peek", []byte("{\"phone\":\"+4520123456\", \"note\": \"aaaa"), JSONL, nil},
		{"pretty-printed object", []byte("{\n  \"phone\": \"+4520123456\"\n}\n"), JSON, nil},
		{"our csv", []byte("id,name,email,phone,phone_formatted,company_name,note,created_at,updated_at\n"), CSV, nil},
		{"plain csv", []byte("Name;Telefon\nAnn;20123456\n"), CSV, nil},
		{"one column", []byte("phone\n+4520123456\n"), CSV, nil},
		{"outlook quoted", []byte("\"Title\",\"First Name\",\"Last Name\"\r\n"), CSV, nil},
		{"csv in UTF-16", utf16le("Name,Phone\r\nAnn,+4520123456\r\n"), CSV, nil},
		{"vcard in UTF-16", utf16le("BEGIN:VCARD\r\n"), VCard, nil},
		{"empty", nil, "", ErrEmpty},
		{"white space", []byte(" \r\n\t\n"), "", ErrEmpty},
		{"only a BOM", []byte("\xEF\xBB\xBF"), "", ErrEmpty},
		{"binary", []byte("\x00\x01\x02\x03garbage"), "", ErrUnknownFormat},
		{"a line of nothing but commas", []byte(",,,\n"), "", ErrUnknownFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.in)
			if got != tc.want || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("Detect = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestDetectFixtures(t *testing.T) {
	for name, want := range map[string]Format{
		"google_old.csv": CSV, "google_new.csv": CSV, "outlook.csv": CSV,
		"iphone.vcf": VCard, "v4.vcf": VCard, "android21.vcf": VCard,
	} {
		f, err := os.Open("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		got, r, err := DetectReader(f)
		if err != nil || got != want {
			t.Errorf("%s: DetectReader = %q, %v, want %q", name, got, err, want)
		}
		// The reader it returns still has the whole file.
		if res := readAll(got, r, 100); res.err != nil || len(res.records) == 0 {
			t.Errorf("%s: reading after DetectReader: %d records, %v", name, len(res.records), res.err)
		}
		f.Close()
	}
}

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&RowError{Pos: "line 12", Field: "phone", Message: "must be a string or null, not a number"}, "line 12: phone: must be a string or null, not a number"},
		{&RowError{Pos: "line 3", Message: "2 fields, but the header has 9"}, "line 3: 2 fields, but the header has 9"},
		{&FileError{Kind: ErrEmpty, Msg: "empty file"}, "empty file"},
		{&FileError{Pos: "card 2", Kind: ErrTruncated, Msg: "no END"}, "card 2: no END"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if !errors.Is(&FileError{Kind: ErrTooLong}, ErrTooLong) {
		t.Error("FileError does not unwrap to its kind")
	}
}

func TestNewWriterOptions(t *testing.T) {
	for _, v := range []string{"", "4.0", "3.0", "4", "3"} {
		if _, err := NewWriter(VCard, &strings.Builder{}, WriterOptions{VCardVersion: v}); err != nil {
			t.Errorf("VCardVersion %q: %v", v, err)
		}
	}
	_, err := NewWriter(VCard, &strings.Builder{}, WriterOptions{VCardVersion: "2.1"})
	if got, want := contacts.ErrorCode(err), contacts.EUSAGE; got != want {
		t.Errorf("VCardVersion 2.1: code %q (%v), want %q", got, err, want)
	}
	if _, err := NewWriter("xml", &strings.Builder{}, WriterOptions{}); err == nil {
		t.Error("NewWriter(xml): no error")
	}
	if _, err := NewReader("xml", strings.NewReader("")); err == nil {
		t.Error("NewReader(xml): no error")
	}
}

// TestRoundTrip writes the sample in every format and reads it back: our
// own exports keep every field exactly, ids and timestamps included.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		opts WriterOptions
	}{
		{CSV, WriterOptions{}}, {JSON, WriterOptions{}}, {JSONL, WriterOptions{}},
		{VCard, WriterOptions{}}, {VCard, WriterOptions{VCardVersion: "3.0"}},
	} {
		t.Run(string(tc.f)+tc.opts.VCardVersion, func(t *testing.T) {
			cs := sample()
			out := writeAll(t, tc.f, tc.opts, cs...)
			res := readBytes(t, tc.f, out)
			if res.err != nil || len(res.rowErrs) > 0 {
				t.Fatalf("read back: %v %v", res.err, res.rowErrs)
			}
			if len(res.records) != len(cs) {
				t.Fatalf("read back %d records, want %d", len(res.records), len(cs))
			}
			for i, c := range cs {
				if got, want := fieldsOf(res.records[i]), recordOf(c); got != want {
					t.Errorf("contact %d:\n got %+v\nwant %+v", i, got, want)
				}
				if len(res.records[i].Unused) != 0 {
					t.Errorf("contact %d: unused %q", i, res.records[i].Unused)
				}
			}
			// Detect recognizes every export.
			if got, err := Detect(out); err != nil || got != tc.f {
				t.Errorf("Detect(export) = %q, %v", got, err)
			}
		})
	}
}

// TestEmptyExports: an export of no contacts reads back as no records,
// not as an error (a CSV keeps its header, JSON is "[]").
func TestEmptyExports(t *testing.T) {
	for _, f := range []Format{CSV, JSON} {
		out := writeAll(t, f, WriterOptions{})
		res := readBytes(t, f, out)
		if res.err != nil || len(res.records) != 0 {
			t.Errorf("%s: %q read back as %d records, %v", f, out, len(res.records), res.err)
		}
	}
	if got, want := string(writeAll(t, CSV, WriterOptions{})), strings.Join(contacts.Fields, ",")+"\n"; got != want {
		t.Errorf("empty CSV = %q, want %q", got, want)
	}
	if got := writeAll(t, VCard, WriterOptions{}); len(got) != 0 {
		t.Errorf("empty vCard = %q", got)
	}
}
