package format

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/phoneinc/contacts"
)

func TestCSVFixtures(t *testing.T) {
	googleOld := []*Record{
		{Pos: "line 2", Name: "Ann Jensen", Email: "ann@acme.example", Phone: "+45 20 12 34 56", CompanyName: "Acme A/S",
			Note:   "Met at the fair, stand 14.\nPrefers a call.",
			Unused: []string{"+45 33 12 34 56", "+45 20 99 88 77"}},
		{Pos: "line 4", Name: "Søren Kierkegaard", Phone: "(415) 555-2671"},
		{Pos: "line 5", Name: "Only Email", Email: "only@example.com"},
		{Pos: "line 6", Name: "Fax First", Phone: "+45 33 11 11 11", Unused: []string{"+45 33 00 00 00"}},
	}
	googleNew := []*Record{
		{Pos: "line 2", Name: "Grace Brewster Hopper", Email: "grace@navy.example", Phone: "+1 415-555-2671",
			CompanyName: "US Navy", Unused: []string{"+1 202-555-0143"}},
		{Pos: "line 5", Name: "Acme Support", Phone: "+45 70 10 20 30", CompanyName: "Acme A/S", Note: `Hotline; ask for "level 2".`},
		{Pos: "line 6", Name: "Bob", Phone: "20 12 34 57"},
	}
	outlook := []*Record{
		{Pos: "line 2", Name: "Ann Jensen", Email: "ann@acme.example", Phone: "+45 20 12 34 56", CompanyName: "Acme A/S",
			Note:   "Met at the fair, stand 14.\nPrefers a call.",
			Unused: []string{"+45 33 12 34 56", "+45 33 98 76 54", "+45 33 12 34 99"}},
		{Pos: "line 4", Name: "Bo T. Exchange", Email: "bo@contoso.example", Phone: "+1 425-555-0100", CompanyName: "Contoso"},
		{Pos: "line 5", Phone: "+44 20 7946 0000", CompanyName: "Only A Fax Ltd"},
	}
	outlookData, err := os.ReadFile("testdata/outlook.csv")
	if err != nil {
		t.Fatal(err)
	}
	encode := func(e unicode.Endianness, bom unicode.BOMPolicy) []byte {
		b, err := unicode.UTF16(e, bom).NewEncoder().Bytes(outlookData)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		dialect CSVDialect
		want    []*Record
	}{
		{"google_old.csv", nil, DialectGoogle, googleOld},
		{"google_new.csv", nil, DialectGoogle, googleNew}, // with a UTF-8 BOM
		{"outlook.csv", outlookData, DialectOutlook, outlook},
		{"outlook.csv in UTF-16LE", encode(unicode.LittleEndian, unicode.UseBOM), DialectOutlook, outlook},
		{"outlook.csv in UTF-16BE", encode(unicode.BigEndian, unicode.UseBOM), DialectOutlook, outlook},
		{"outlook.csv in UTF-16LE without BOM", encode(unicode.LittleEndian, unicode.IgnoreBOM), DialectOutlook, outlook},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if data == nil {
				if data, err = os.ReadFile("testdata/" + tc.name); err != nil {
					t.Fatal(err)
				}
			}
			r, err := NewReader(CSV, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := DialectOf(r); got != tc.dialect {
				t.Errorf("dialect %q, want %q", got, tc.dialect)
			}
			res := readBytes(t, CSV, data)
			if res.err != nil || len(res.rowErrs) > 0 {
				t.Fatalf("%v %v", res.err, res.rowErrs)
			}
			checkRecords(t, res.records, tc.want)
		})
	}
}

func TestPlainCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []*Record
	}{
		{"aliases", "Full Name,E-mail,Telephone,Organisation,Comments\nAnn Jensen,ann@x.dk,20 12 34 56,Acme,hi\n",
			[]*Record{{Pos: "line 2", Name: "Ann Jensen", Email: "ann@x.dk", Phone: "20 12 34 56", CompanyName: "Acme", Note: "hi"}}},
		{"loose names and case", "DISPLAY_NAME,phone-number,Company_Name,NOTES\nAnn,+4520123456,Acme,x\n",
			[]*Record{{Pos: "line 2", Name: "Ann", Phone: "+4520123456", CompanyName: "Acme", Note: "x"}}},
		{"name parts", "first_name,last_name,mobile\nAnn,Jensen,20123456\n",
			[]*Record{{Pos: "line 2", Name: "Ann Jensen", Phone: "20123456"}}},
		{"several phone columns, leftmost first", "name,tel,mobile\nAnn,,20123456\nBo,33123456,20123457\n",
			[]*Record{{Pos: "line 2", Name: "Ann", Phone: "20123456"}, {Pos: "line 3", Name: "Bo", Phone: "33123456", Unused: []string{"20123457"}}}},
		{"semicolons", "Name;Phone;Note\nAnn;+4520123456;a, b\n",
			[]*Record{{Pos: "line 2", Name: "Ann", Phone: "+4520123456", Note: "a, b"}}},
		{"tabs", "name\tphone\nAnn\t+4520123456\n",
			[]*Record{{Pos: "line 2", Name: "Ann", Phone: "+4520123456"}}},
		{"an id column of another CSV is not read", "id,name,phone,created\n7,Ann,+4520123456,yesterday\n",
			[]*Record{{Pos: "line 2", Name: "Ann", Phone: "+4520123456"}}},
		{"quoted newlines and CRLF; Pos is the record's first line", "name,phone,note\r\nAnn,1,\"a\r\nb\r\nc\"\r\nBo,2,x\r\n",
			[]*Record{{Pos: "line 2", Name: "Ann", Phone: "1", Note: "a\nb\nc"}, {Pos: "line 5", Name: "Bo", Phone: "2", Note: "x"}}},
		{"blank rows are skipped", "name,phone\n,\nAnn,1\n , \n\n",
			[]*Record{{Pos: "line 3", Name: "Ann", Phone: "1"}}},
		{"header only", "name,phone\n", nil},
		{"no final newline", "phone\n+4520123456", []*Record{{Pos: "line 2", Phone: "+4520123456"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, CSV, []byte(tc.in))
			if res.err != nil || len(res.rowErrs) > 0 {
				t.Fatalf("%v %v", res.err, res.rowErrs)
			}
			checkRecords(t, res.records, tc.want)
		})
	}
}

// TestCSVOurs: our own columns are read exactly as they are, in any order
// and any subset, and phone_formatted (read-only) is ignored.
func TestCSVOurs(t *testing.T) {
	in := "updated_at,phone,id,name,phone_formatted,note\n" +
		"2026-06-10T10:00:00Z, +45 20 12 34 56 ,01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK,  Ann  ,ignored,\" x \"\n"
	res := readBytes(t, CSV, []byte(in))
	if res.err != nil || len(res.rowErrs) > 0 {
		t.Fatal(res.err, res.rowErrs)
	}
	checkRecords(t, res.records, []*Record{{Pos: "line 2", ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK", UpdatedAt: "2026-06-10T10:00:00Z",
		Name: "  Ann  ", Phone: " +45 20 12 34 56 ", Note: " x "}})
}

func TestCSVWriter(t *testing.T) {
	cs := sample()
	got := string(writeAll(t, CSV, WriterOptions{}, cs[0], cs[1], cs[4]))
	want := "id,name,email,phone,phone_formatted,company_name,note,created_at,updated_at\n" +
		"01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK,Ann Jensen,ann@acme.example,+4520123456,+45 20 12 34 56,Acme A/S,\"Met at the fair, stand 14.\nPrefers a call; ask for Ann.\",2026-06-10T10:00:00Z,2026-06-10T11:00:00Z\n" +
		"01J0ZQ4D5V8W3H3Q0YB5G9Y2ZM,,,+14155552671,+1 415-555-2671,,,2026-06-10T10:00:00Z,2026-06-10T10:00:00Z\n" +
		"01J0ZQ4D5V8W3H3Q0YB5G9Y2ZQ,Zoë,,+33612345678,+33 6 12 34 56 78,,\"  leading spaces, a tab\there, a trailing newline\n\",2026-06-10T10:00:00Z,2026-06-10T10:00:00Z\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCSVRowErrors(t *testing.T) {
	in := "name,phone\n" +
		"Ann,1\n" +
		"Bo,2,extra\n" + // line 3: too many fields
		"Cy\n" + // line 4: too few
		"D\"e,4\n" + // line 5: a bare quote
		"Eve,5\n"
	res := readBytes(t, CSV, []byte(in))
	if res.err != nil {
		t.Fatal(res.err)
	}
	var got []string
	for _, e := range res.rowErrs {
		got = append(got, e.Error())
	}
	want := []string{
		"line 3: 3 fields, but the header has 2",
		"line 4: 1 fields, but the header has 2",
		`line 5: a " inside a field that is not quoted (quote the whole field, and double the " inside it)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("row errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkRecords(t, res.records, []*Record{{Pos: "line 2", Name: "Ann", Phone: "1"}, {Pos: "line 6", Name: "Eve", Phone: "5"}})
}

func TestCSVFatal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		kind    error
		message string // a part of the message
		records int    // read before the error
	}{
		{"empty", "", ErrEmpty, "empty file", 0},
		{"only a BOM", "\xEF\xBB\xBF", ErrEmpty, "empty file", 0},
		{"only blank lines", "\n\n\r\n", ErrEmpty, "empty file", 0},
		{"no phone column", "Name,E-mail,Company\nAnn,a@b.dk,Acme\n", ErrNoPhoneColumn, `line 1: no phone column in the header (found "Name", "E-mail", "Company")`, 0},
		{"invalid UTF-8", "name,phone\nAnn,1\nB\xF8rge,2\n", ErrEncoding, "line 3: not valid UTF-8 text (byte 0xF8): save the file as UTF-8", 1},
		{"invalid UTF-8 inside a quoted field", "name,phone,note\nAnn,1,\"a\nb\nc\xE6\"\n", ErrEncoding, "line 4: not valid UTF-8", 0},
		{"Latin-1 header", "Navn,Telefon,Bem\xE6rkning\n", ErrEncoding, "line 1: not valid UTF-8", 0},
		{"a UTF-8 sequence cut at the end", "name,phone\nAnn,1\xC3", ErrEncoding, "line 2: not valid UTF-8", 0},
		{"UTF-32", "\xFF\xFE\x00\x00n\x00\x00\x00", ErrEncoding, "UTF-32", 0},
		{"bad header", "name,\"phone\nAnn,1\n", ErrSyntax, "line 1: the header is not valid CSV", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, CSV, []byte(tc.in))
			if !errors.Is(res.err, tc.kind) {
				t.Fatalf("error %v, want kind %v", res.err, tc.kind)
			}
			var fe *FileError
			if !errors.As(res.err, &fe) {
				t.Errorf("error %T, want *FileError", res.err)
			}
			if !strings.Contains(res.err.Error(), tc.message) {
				t.Errorf("error %q, want it to contain %q", res.err, tc.message)
			}
			if len(res.records) != tc.records {
				t.Errorf("%d records before the error, want %d", len(res.records), tc.records)
			}
		})
	}
}

// TestCSVErrorIsSticky: after a fatal error, Read keeps returning it.
func TestCSVErrorIsSticky(t *testing.T) {
	r, err := NewReader(CSV, strings.NewReader("name,phone\nB\xF8rge,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Read()
	_, err2 := r.Read()
	if !errors.Is(err1, ErrEncoding) || err2 != err1 {
		t.Errorf("errors %v, then %v", err1, err2)
	}
}

// TestCSVNoPhoneColumnListsColumns: the message of a wide header names the
// first columns and counts the rest.
func TestCSVNoPhoneColumnListsColumns(t *testing.T) {
	header := make([]string, 40)
	for i := range header {
		header[i] = "col" + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	_, err := NewReader(CSV, strings.NewReader(strings.Join(header, ",")+"\n"))
	if !errors.Is(err, ErrNoPhoneColumn) || !strings.Contains(err.Error(), `"colAa", "colBa"`) || !strings.Contains(err.Error(), "and 25 more") {
		t.Errorf("error %v", err)
	}
	if contacts.ErrorCode(err) == "" {
		t.Error("no error")
	}
}

func TestCSVTooLong(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix string
		fill   string
	}{
		{"an endless line", "name,phone\nAnn,1\n", "a"},
		{"an endless header", "", "a"},
		{"an endless quoted field", "name,phone\nAnn,\"", "a"},
		{"a quote never closed, over short lines", "name,phone\nAnn,\"", "ab\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &endless{fill: []byte(tc.fill)}
			var res result
			alloc := allocated(func() {
				res = readAll(CSV, io.MultiReader(strings.NewReader(tc.prefix), e), 100)
			})
			if !errors.Is(res.err, ErrTooLong) {
				t.Fatalf("error %v, want ErrTooLong", res.err)
			}
			checkBounded(t, e, alloc)
		})
	}
	// A record just under the limit is fine.
	note := strings.Repeat("x", MaxRecordSize-100)
	res := readBytes(t, CSV, []byte("phone,note\n1,"+note+"\n2,y\n"))
	if res.err != nil || len(res.records) != 2 {
		t.Errorf("a %d-byte record: %d records, %v", len(note), len(res.records), res.err)
	}
}

func TestDialectOf(t *testing.T) {
	for in, want := range map[string]CSVDialect{
		"id,name,email,phone,phone_formatted,company_name,note,created_at,updated_at\n": DialectContacts,
		"name,phone\n":                        DialectContacts, // only our names: read as ours
		"Name,Phone\n":                        DialectContacts, // in any case
		"Full Name,Telephone\n":               DialectPlain,
		"Name,Phone 1 - Value\n":              DialectGoogle,
		"First Name,Last Name,Mobile Phone\n": DialectOutlook,
		"Name,Mobile Phone\n":                 DialectPlain, // one Outlook column is not Outlook
	} {
		r, err := NewReader(CSV, strings.NewReader(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := DialectOf(r); got != want {
			t.Errorf("%q: dialect %q, want %q", in, got, want)
		}
	}
	r, _ := NewReader(JSON, strings.NewReader("[]"))
	if got := DialectOf(r); got != "" {
		t.Errorf("JSON reader: dialect %q", got)
	}
}
