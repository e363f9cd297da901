package format

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/unicode"

	"github.com/phoneinc/contacts"
)

func TestVCardFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []*Record
	}{
		{"iphone.vcf", []*Record{ // vCard 3.0 as Apple Contacts exports it
			{Pos: "card 1", Name: "Ann Jensen", Email: "ann@acme.example", Phone: "+45 20 12 34 56", CompanyName: "Acme, Inc.",
				Note:   "Met at the fair, stand 14.\nPrefers a call; ask for Ann. She handles all purchasing for the Nordic region and likes short e-mails.",
				Unused: []string{"+45 33 12 34 56"}},
			{Pos: "card 2", Phone: "+45 70 10 20 30", CompanyName: "Acme Support"}, // a company card: no person's name
			{Pos: "card 3", Name: "Søren Aabye Kierkegaard", Phone: "+45 33 11 22 33", UpdatedAt: "2026-06-10T10:00:00Z",
				Unused: []string{"+45 20 11 22 33"}},
		}},
		{"v4.vcf", []*Record{
			{Pos: "card 1", ID: "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1", Name: "Jane Doe", Email: "jane@example.com",
				Phone: "+1-415-555-2671", CompanyName: "Example, Inc.", UpdatedAt: "2026-06-10T10:00:00Z",
				Note:   "Line one\nLine two, with a comma; and a semicolon \\ and a backslash.",
				Unused: []string{"+1-202-555-0143", "+1-202-555-0199"}},
			{Pos: "card 2", Phone: "+44-20-7946-0000", CompanyName: "Acme Widgets"}, // KIND:org
			{Pos: "card 3", Name: "Zoë Émile", Phone: "+33 6 12 34 56 78", UpdatedAt: "2026-06-11T06:30:00Z",
				Note: "Prefers French; speaks Danish too: rødgrød."}, // folded inside "ø"
		}},
		{"android21.vcf", []*Record{ // vCard 2.1 from an Android phone: quoted-printable, bare parameters
			{Pos: "card 1", Name: "Søren Kierkegaard", Email: "soren@example.dk", Phone: "33 12 34 56", CompanyName: "Acme A/S",
				Note:   "Første linje\nAnden linje med en lang tekst, som brydes over to linjer",
				Unused: []string{"+4520123456"}},
			{Pos: "card 2", Name: "Jürgen Müller", Phone: "+49 30 123456"}, // ISO-8859-1
			{Pos: "card 3", Phone: "+45 20 99 88 77"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := readFile(t, VCard, tc.file)
			if res.err != nil || len(res.rowErrs) > 0 {
				t.Fatalf("%v %v", res.err, res.rowErrs)
			}
			checkRecords(t, res.records, tc.want)
		})
	}
}

func TestVCardUTF16(t *testing.T) {
	data, err := os.ReadFile("testdata/iphone.vcf")
	if err != nil {
		t.Fatal(err)
	}
	want := readBytes(t, VCard, data)
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	got := readBytes(t, VCard, u16)
	if got.err != nil {
		t.Fatal(got.err)
	}
	checkRecords(t, got.records, want.records)
}

func TestVCardCards(t *testing.T) {
	card := func(lines ...string) string {
		return "BEGIN:VCARD\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCARD\r\n"
	}
	for _, tc := range []struct {
		name string
		in   string
		want *Record
	}{
		{"4.0: lowest PREF wins", card("VERSION:4.0", "FN:A", "TEL;PREF=3:1", "TEL:2", "TEL;PREF=1:3", "TEL;PREF=2:4"),
			&Record{Name: "A", Phone: "3", Unused: []string{"1", "2", "4"}}},
		{"3.0: TYPE=pref", card("VERSION:3.0", "FN:A", "TEL;TYPE=HOME:1", "TEL;TYPE=CELL,PREF:2"),
			&Record{Name: "A", Phone: "2", Unused: []string{"1"}}},
		{"no preference: the first", card("VERSION:3.0", "FN:A", "TEL:1", "TEL:2"),
			&Record{Name: "A", Phone: "1", Unused: []string{"2"}}},
		{"the same number twice is not unused", card("VERSION:3.0", "FN:A", "TEL:+45 20 12 34 56", "TEL;TYPE=pref:+4520123456"),
			&Record{Name: "A", Phone: "+4520123456"}},
		{"an empty preferred TEL", card("VERSION:4.0", "FN:A", "TEL;PREF=1:", "TEL:2"),
			&Record{Name: "A", Phone: "2"}},
		{"tel: URIs in 4.0, text in 3.0", card("VERSION:4.0", "FN:A", "TEL:tel:+45-20-12-34-56", "TEL;VALUE=text:tel:1"),
			&Record{Name: "A", Phone: "+45-20-12-34-56", Unused: []string{"tel:1"}}},
		{"no FN: N's given, additional and family names", card("VERSION:3.0", "N:Kierkegaard;Søren,Aabye;;Hr.;", "TEL:1"),
			&Record{Name: "Søren Aabye Kierkegaard", Phone: "1"}},
		{"escaped semicolons in N and ORG", card("VERSION:3.0", "N:Doe\\;Smith;Jane;;;", "ORG:A\\;B;Sales", "TEL:1"),
			&Record{Name: "Jane Doe;Smith", CompanyName: "A;B", Phone: "1"}},
		{"escapes", card("VERSION:3.0", "FN:a\\,b\\;c\\\\d\\Ne\\nf\\:g\\x", "TEL:1"),
			&Record{Name: "a,b;c\\d\ne\nf:g\\x", Phone: "1"}},
		{"a group", card("VERSION:3.0", "FN:A", "item1.TEL:1", "item1.X-ABLabel:work"),
			&Record{Name: "A", Phone: "1"}},
		{"lower case, LF line ends", strings.ToLower("begin:vcard\nversion:3.0\n") + "fn:A\ntel:1\nend:vcard\n",
			&Record{Name: "A", Phone: "1"}},
		{"a phone number as FN is no name", card("VERSION:3.0", "N:;;;;", "FN:+45 20 12 34 56", "TEL:+4520123456"),
			&Record{Phone: "+4520123456"}},
		{"a name that looks like a number, with N, is a name", card("VERSION:3.0", "N:;112;;;", "FN:112", "TEL:112"),
			&Record{Name: "112", Phone: "112"}},
		{"UID, REV and our created time", card("VERSION:4.0", "FN:A", "TEL:1", "UID;VALUE=text:01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK",
			"REV:20260611T083000Z", "X-CONTACTS-CREATED:2026-06-10T10:00:00Z"),
			&Record{ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK", Name: "A", Phone: "1", CreatedAt: "2026-06-10T10:00:00Z", UpdatedAt: "2026-06-11T08:30:00Z"}},
		{"an AGENT's embedded card is not a card", card("VERSION:2.1", "FN:A", "TEL:1", "AGENT:", "BEGIN:VCARD", "FN:B", "TEL:2", "END:VCARD"),
			&Record{Name: "A", Phone: "1"}},
		{"a parameter value with a colon in quotes", card("VERSION:4.0", "FN:A", `TEL;X-SRC="a:b":1`),
			&Record{Name: "A", Phone: "1"}},
		{"base64 text", card("VERSION:3.0", "FN;ENCODING=b:w5hyZQ==", "TEL:1"),
			&Record{Name: "Øre", Phone: "1"}},
		{"a UTF-8 CHARSET over UTF-8 text", card("VERSION:2.1", "FN;CHARSET=ISO-8859-1:Søren", "TEL:1"),
			&Record{Name: "Søren", Phone: "1"}},
		{"a skipped quoted-printable property over several lines", card("VERSION:2.1", "FN:A",
			"ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;=C3=98stergade 1=", "2100 K=C3=B8benhavn=", " =C3=98", "TEL;CELL:1", "NOTE;ENCODING=QUOTED-PRINTABLE:a=", "b"),
			&Record{Name: "A", Phone: "1", Note: "ab"}},
		{"garbage before and between cards", "hello\r\n" + card("VERSION:3.0", "FN:A", "TEL:1") + "junk\r\n",
			&Record{Name: "A", Phone: "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, VCard, []byte(tc.in))
			if res.err != nil || len(res.rowErrs) > 0 {
				t.Fatalf("%v %v", res.err, res.rowErrs)
			}
			tc.want.Pos = "card 1"
			checkRecords(t, res.records, []*Record{tc.want})
		})
	}
}

func TestVCardRowErrors(t *testing.T) {
	in := "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=82=A0\r\nTEL:1\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN;ENCODING=x-unknown:abc\r\nTEL:1\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE;ENCODING=b:not base64!\r\nTEL:1\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:=FF=FE\r\nTEL:1\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ok\r\nTEL:1\r\nEND:VCARD\r\n"
	res := readBytes(t, VCard, []byte(in))
	if res.err != nil {
		t.Fatal(res.err)
	}
	var got []string
	for _, e := range res.rowErrs {
		got = append(got, e.Error())
	}
	want := []string{
		"card 1: name: CHARSET SHIFT_JIS is not supported: save the file as UTF-8",
		`card 2: name: unknown ENCODING "X-UNKNOWN"`,
		"card 3: note: bad base64 value: illegal base64 data at input byte 9",
		"card 4: name: not valid UTF-8 text",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("row errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkRecords(t, res.records, []*Record{{Pos: "card 5", Name: "Ok", Phone: "1"}})
}

func TestVCardFatal(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		kind     error
		message  string
		records  int
	}{
		{"empty", "", ErrEmpty, "empty file", 0},
		{"blank lines", "\r\n\r\n", ErrEmpty, "empty file", 0},
		{"no card", "hello\nworld\n", ErrNoVCard, "no vCard found", 0},
		{"CSV", "name,phone\nAnn,1\n", ErrNoVCard, "no vCard found", 0},
		{"truncated", "BEGIN:VCARD\nFN:A\nTEL:1\nEND:VCARD\nBEGIN:VCARD\nFN:B\nTEL:2\n", ErrTruncated,
			"card 2: the card that starts at line 5 has no END:VCARD", 1},
		{"truncated inside a folded line", "BEGIN:VCARD\nFN:A\nNOTE:abc\n def", ErrTruncated, "card 1:", 0},
		{"invalid UTF-8", "BEGIN:VCARD\nFN:A\nTEL:1\nEND:VCARD\nBEGIN:VCARD\nFN:B\xF8rge\nEND:VCARD\n", ErrEncoding,
			"line 6: not valid UTF-8 text (byte 0xF8): save the file as UTF-8", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, VCard, []byte(tc.in))
			if !errors.Is(res.err, tc.kind) {
				t.Fatalf("error %v, want kind %v", res.err, tc.kind)
			}
			if !strings.Contains(res.err.Error(), tc.message) {
				t.Errorf("error %q, want it to contain %q", res.err, tc.message)
			}
			if len(res.records) != tc.records {
				t.Errorf("%d records before the error, want %d", len(res.records), tc.records)
			}
		})
	}
	// Bad bytes in a property we do not read do no harm.
	res := readBytes(t, VCard, []byte("BEGIN:VCARD\nFN:A\nTEL:1\nX-JUNK:\xF8\xF9\nEND:VCARD\n"))
	if res.err != nil || len(res.records) != 1 {
		t.Errorf("%d records, %v", len(res.records), res.err)
	}
}

func TestVCardTooLong(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, fill string
		max                int64 // bytes it may read of the fill
	}{
		{"an endless line", "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:", "a", 4 * MaxRecordSize},
		{"an endless folded NOTE", "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:a\r\n", " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 4 * MaxRecordSize},
		{"endless TELs", "BEGIN:VCARD\r\nVERSION:3.0\r\n", "TEL:+4520123456\r\n", 4 * MaxRecordSize},
		{"an endless folded PHOTO", "BEGIN:VCARD\r\nVERSION:3.0\r\nPHOTO;ENCODING=b:", " QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n", maxSkipped + 4*MaxRecordSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &endless{fill: []byte(tc.fill)}
			var res result
			alloc := allocated(func() {
				res = readAll(VCard, io.MultiReader(strings.NewReader(tc.prefix), e), 100)
			})
			if !errors.Is(res.err, ErrTooLong) {
				t.Fatalf("error %v, want ErrTooLong", res.err)
			}
			if e.n > tc.max {
				t.Errorf("read %d bytes before failing, want at most %d", e.n, tc.max)
			}
			if alloc > 16*MaxRecordSize {
				t.Errorf("allocated %d bytes, want at most %d", alloc, 16*MaxRecordSize)
			}
			t.Logf("%v; read %d KiB, allocated %d KiB", res.err, e.n>>10, alloc>>10)
		})
	}
}

func TestVCardWriter(t *testing.T) {
	c := sample()[0]
	want4 := "BEGIN:VCARD\r\n" +
		"VERSION:4.0\r\n" +
		"UID;VALUE=text:01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK\r\n" +
		"FN:Ann Jensen\r\n" +
		"N:Jensen;Ann;;;\r\n" +
		"TEL;VALUE=uri;TYPE=voice:tel:+4520123456\r\n" +
		"EMAIL:ann@acme.example\r\n" +
		"ORG:Acme A/S\r\n" +
		"NOTE:Met at the fair\\, stand 14.\\nPrefers a call\\; ask for Ann.\r\n" +
		"REV:20260610T110000Z\r\n" +
		"X-CONTACTS-CREATED:2026-06-10T10:00:00Z\r\n" +
		"END:VCARD\r\n"
	if got := string(writeAll(t, VCard, WriterOptions{}, c)); got != want4 {
		t.Errorf("4.0:\n%s\nwant\n%s", got, want4)
	}
	want3 := "BEGIN:VCARD\r\n" +
		"VERSION:3.0\r\n" +
		"UID:01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK\r\n" +
		"FN:Ann Jensen\r\n" +
		"N:Jensen;Ann;;;\r\n" +
		"TEL:+4520123456\r\n" +
		"EMAIL;TYPE=INTERNET:ann@acme.example\r\n" +
		"ORG:Acme A/S\r\n" +
		"NOTE:Met at the fair\\, stand 14.\\nPrefers a call\\; ask for Ann.\r\n" +
		"REV:2026-06-10T11:00:00Z\r\n" +
		"X-CONTACTS-CREATED:2026-06-10T10:00:00Z\r\n" +
		"END:VCARD\r\n"
	if got := string(writeAll(t, VCard, WriterOptions{VCardVersion: "3.0"}, c)); got != want3 {
		t.Errorf("3.0:\n%s\nwant\n%s", got, want3)
	}
	// Without a name: FN is the company, else the number; N is empty.
	noName := &contacts.Contact{ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZM", Phone: "+4520123456", CreatedAt: c.CreatedAt, UpdatedAt: c.CreatedAt}
	if got := string(writeAll(t, VCard, WriterOptions{}, noName)); !strings.Contains(got, "\r\nFN:+45 20 12 34 56\r\nN:;;;;\r\n") {
		t.Errorf("no name:\n%s", got)
	}
}

// TestVCardOutputIsValid checks the export against RFC 6350's rules for
// lines, and reads it with go-vcard.
func TestVCardOutputIsValid(t *testing.T) {
	cs := sample()
	for _, version := range []string{"4.0", "3.0"} {
		out := writeAll(t, VCard, WriterOptions{VCardVersion: version}, cs...)
		if !bytes.HasSuffix(out, []byte("\r\n")) {
			t.Errorf("%s: does not end with CRLF", version)
		}
		folded := 0
		for i, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\r\n")), []byte("\r\n")) {
			if len(line) > 75 {
				t.Errorf("%s: line %d is %d octets: %q", version, i+1, len(line), line)
			}
			if !utf8.Valid(line) {
				t.Errorf("%s: line %d splits a UTF-8 sequence: %q", version, i+1, line)
			}
			if bytes.ContainsAny(line, "\r\n") {
				t.Errorf("%s: line %d has a bare CR or LF: %q", version, i+1, line)
			}
			if len(line) > 0 && line[0] == ' ' {
				folded++
			}
		}
		if folded == 0 {
			t.Errorf("%s: no line was folded", version)
		}

		dec := vcard.NewDecoder(bytes.NewReader(out))
		for i, c := range cs {
			card, err := dec.Decode()
			if err != nil {
				t.Fatalf("%s: go-vcard: card %d: %v", version, i+1, err)
			}
			if got, want := card.Value(vcard.FieldVersion), version; got != want {
				t.Errorf("%s: VERSION %q", version, got)
			}
			// go-vcard does not unescape "\;": undo that here.
			val := func(k string) string { return strings.ReplaceAll(card.PreferredValue(k), `\;`, ";") }
			if c.Name != nil {
				if got, want := val(vcard.FieldFormattedName), *c.Name; got != want {
					t.Errorf("%s: card %d: FN %q, want %q", version, i+1, got, want)
				}
			}
			if got, want := val(vcard.FieldUID), c.ID; got != want {
				t.Errorf("%s: card %d: UID %q, want %q", version, i+1, got, want)
			}
			if got, want := trimTelURI(val(vcard.FieldTelephone)), c.Phone; got != want {
				t.Errorf("%s: card %d: TEL %q, want %q", version, i+1, got, want)
			}
			if got, want := val(vcard.FieldNote), deref(c.Note); got != want {
				t.Errorf("%s: card %d: NOTE %q, want %q", version, i+1, got, want)
			}
			if got, want := val(vcard.FieldEmail), deref(c.Email); got != want {
				t.Errorf("%s: card %d: EMAIL %q, want %q", version, i+1, got, want)
			}
			if version == "4.0" {
				rev, err := card.Revision()
				if err != nil || !rev.Equal(c.UpdatedAt) {
					t.Errorf("%s: card %d: REV %v, %v, want %v", version, i+1, rev, err, c.UpdatedAt)
				}
			}
		}
		if _, err := dec.Decode(); err != io.EOF {
			t.Errorf("%s: after the last card: %v", version, err)
		}
	}
}

// TestVCardFolding: folds fall between characters, never inside one,
// whatever their width.
func TestVCardFolding(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("a", 300),
		strings.Repeat("ø", 300),
		strings.Repeat("日", 300),
		strings.Repeat("🙂", 300),
		"x" + strings.Repeat("🙂", 300),
		strings.Repeat(",", 300), // each escaped to two octets
	} {
		c := &contacts.Contact{Phone: "+4520123456", Note: &s, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0)}
		out := writeAll(t, VCard, WriterOptions{}, c)
		for _, line := range strings.Split(string(out), "\r\n") {
			if len(line) > 75 || !utf8.ValidString(line) {
				t.Errorf("bad line %q", line)
			}
		}
		res := readBytes(t, VCard, out)
		if res.err != nil || len(res.records) != 1 || res.records[0].Note != s {
			t.Errorf("note %.20q... did not read back: %v", s, res.err)
		}
	}
}

func TestNormalizeTime(t *testing.T) {
	for in, want := range map[string]string{
		"20260610T100000Z":          "2026-06-10T10:00:00Z",
		"20260610T120000+0200":      "2026-06-10T10:00:00Z",
		"20260610T100000":           "2026-06-10T10:00:00Z",
		"2026-06-10T10:00:00Z":      "2026-06-10T10:00:00Z",
		"2026-06-10T10:00:00.789Z":  "2026-06-10T10:00:00Z",
		"2026-06-10T12:00:00+02:00": "2026-06-10T10:00:00Z",
		"2026-06-10T12:00:00+0200":  "2026-06-10T10:00:00Z",
		"2026-06-10T10:00:00":       "2026-06-10T10:00:00Z",
		"2026-06-10":                "2026-06-10T00:00:00Z",
		"20260610":                  "2026-06-10T00:00:00Z",
		" 20260610T100000Z ":        "2026-06-10T10:00:00Z",
		"":                          "",
		"yesterday":                 "yesterday",
	} {
		if got := normalizeTime(in); got != want {
			t.Errorf("normalizeTime(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVCardN(t *testing.T) {
	for name, want := range map[string]string{
		"Ann Jensen":              "N:Jensen;Ann;;;",
		"Ann Marie  Jensen ":      "N:Jensen;Ann Marie;;;",
		"Madonna":                 "N:;Madonna;;;",
		" Madonna ":               "N:;Madonna;;;",
		"   ":                     "N:;   ;;;",
		"Søren Aabye Kierkegaard": "N:Kierkegaard;Søren Aabye;;;",
		"Jensen, Ann; Jr.":        "N:Jr.;Jensen\\, Ann\\;;;;",
	} {
		c := &contacts.Contact{Name: ptr(name), Phone: "+4520123456"}
		if got := string(writeAll(t, VCard, WriterOptions{}, c)); !strings.Contains(got, "\r\n"+want+"\r\n") {
			t.Errorf("%q:\n%s\nwant %s", name, got, want)
		}
	}
}
