package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestJSONArray(t *testing.T) {
	in := `[
  {"id": "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK", "name": "Ann", "email": null, "phone": "+4520123456",
   "phone_formatted": 45, "company_name": "Acme", "note": "a\nb", "created_at": "2026-06-10T10:00:00Z",
   "updated_at": "2026-06-10T11:00:00Z", "unknown": {"nested": [1, 2]}},
  {"phone": "20 12 34 56"},
  42,
  null,
  {"name": 7, "phone": "1"},
  {"phone": ["1"]},
  {"phone": "\u00f8\ud83d\ude42"},
  {}
]
`
	res := readBytes(t, JSON, []byte(in))
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkRecords(t, res.records, []*Record{
		{Pos: "item 1", ID: "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK", Name: "Ann", Phone: "+4520123456", CompanyName: "Acme", Note: "a\nb",
			CreatedAt: "2026-06-10T10:00:00Z", UpdatedAt: "2026-06-10T11:00:00Z"},
		{Pos: "item 2", Phone: "20 12 34 56"},
		{Pos: "item 7", Phone: "ø🙂"},
		{Pos: "item 8"},
	})
	var got []string
	for _, e := range res.rowErrs {
		got = append(got, e.Error())
	}
	want := []string{
		"item 3: not a JSON object but a number",
		"item 4: not a JSON object but null",
		"item 5: name: must be a string or null, not a number",
		"item 6: phone: must be a string or null, not an array",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("row errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.rowErrs[2].Field != "name" {
		t.Errorf("Field %q, want name", res.rowErrs[2].Field)
	}
}

// TestJSONObjects: the JSON reader also takes objects outside an array:
// one, as `contacts show -o json` prints, or several.
func TestJSONObjects(t *testing.T) {
	for _, in := range []string{
		"{\n  \"phone\": \"1\"\n}\n",
		"\xEF\xBB\xBF {\"phone\": \"1\"}",
		"{\"phone\": \"1\"}\n{\"phone\": \"2\"}\n",
		"{\"phone\": \"1\"}{\"phone\": \"2\"}",
	} {
		res := readBytes(t, JSON, []byte(in))
		if res.err != nil || len(res.records) == 0 || res.records[0].Phone != "1" {
			t.Errorf("%q: %d records, %v", in, len(res.records), res.err)
		}
	}
}

func TestJSONFatal(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		kind     error
		message  string
		records  int
	}{
		{"empty", "", ErrEmpty, "empty file", 0},
		{"white space", " \n\t ", ErrEmpty, "empty file", 0},
		{"not JSON", "nope", ErrSyntax, "a JSON file of contacts holds an array", 0},
		{"a string", `"x"`, ErrSyntax, "a JSON file of contacts holds an array", 0},
		{"syntax error in an element", `[{"phone": "1"}, {"phone": }]`, ErrSyntax, "item 2: not valid JSON", 1},
		{"missing comma", `[{"phone": "1"} {"phone": "2"}]`, ErrSyntax, "item 2: not valid JSON", 1},
		{"cut short", `[{"phone": "1"}, {"phone": "2`, ErrTruncated, "item 2: the file ends in the middle of a JSON value", 1},
		{"no closing bracket", `[{"phone": "1"}`, ErrTruncated, "item 2:", 1},
		{"garbage after the array", `[{"phone": "1"}] x`, ErrSyntax, "item 2: not valid JSON", 1},
		{"a second array", `[{"phone": "1"}] []`, ErrSyntax, "after the contacts", 1},
		{"invalid UTF-8", "[\n{\"phone\": \"1\"},\n{\"name\": \"B\xF8rge\"}\n]", ErrEncoding, "line 3: not valid UTF-8", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, JSON, []byte(tc.in))
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
}

func TestJSONTooLong(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      Format
		prefix string
		fill   string
		kind   error
	}{
		{"an endless string", JSON, `[{"phone": "1"}, {"note": "`, "a", ErrTooLong},
		{"endless white space", JSON, `[{"phone": "1"},`, " \n", ErrTooLong},
		{"endless leading white space", JSON, ``, " ", ErrTooLong},
		// encoding/json stops at a depth of 10000: a syntax error, and as
		// bounded.
		{"an endless nesting", JSON, `[`, "[", ErrSyntax},
		{"an endless line", JSONL, "{\"phone\": \"1\"}\n{\"note\": \"", "a", ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &endless{fill: []byte(tc.fill)}
			var res result
			alloc := allocated(func() {
				res = readAll(tc.f, io.MultiReader(strings.NewReader(tc.prefix), e), 100)
			})
			if !errors.Is(res.err, tc.kind) {
				t.Fatalf("error %v, want %v", res.err, tc.kind)
			}
			checkBounded(t, e, alloc)
		})
	}
}

func TestJSONL(t *testing.T) {
	in := "{\"phone\": \"1\", \"name\": \"Ann\"}\r\n" +
		"\n" +
		"   \n" +
		"{\"phone\": \"2\"\n" + // line 4: not valid JSON
		"[1]\n" + // line 5: not an object
		"{\"phone\": 3}\n" + // line 6: a number
		"{\"phone\": \"4\"}" // no final newline
	res := readBytes(t, JSONL, []byte(in))
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkRecords(t, res.records, []*Record{{Pos: "line 1", Name: "Ann", Phone: "1"}, {Pos: "line 7", Phone: "4"}})
	var got []string
	for _, e := range res.rowErrs {
		got = append(got, e.Error())
	}
	want := []string{
		"line 4: not valid JSON: unexpected end of JSON input",
		"line 5: not a JSON object but an array",
		"line 6: phone: must be a string or null, not a number",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("row errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, tc := range []struct {
		name, in string
		kind     error
		message  string
	}{
		{"empty", "", ErrEmpty, "empty file"},
		{"blank lines", "\n \n\r\n", ErrEmpty, "empty file"},
		{"invalid UTF-8", "{\"phone\": \"1\"}\n{\"name\": \"\xC3\"}\n", ErrEncoding, "line 2: not valid UTF-8"},
	} {
		res := readBytes(t, JSONL, []byte(tc.in))
		if !errors.Is(res.err, tc.kind) || !strings.Contains(res.err.Error(), tc.message) {
			t.Errorf("%s: error %v, want %v %q", tc.name, res.err, tc.kind, tc.message)
		}
	}
}

// TestJSONWriterLayout: the JSON array (what export writes and `contacts
// list -o json` prints) is the compact objects laid out as json.Indent
// lays them out with two spaces, and "[]" when empty.
func TestJSONWriterLayout(t *testing.T) {
	for _, cs := range [][]int{nil, {0}, {0, 1, 2, 3, 4, 5}} {
		list := sample()
		var in []*contacts.Contact
		compact := []byte("[")
		for i, n := range cs {
			in = append(in, list[n])
			if i > 0 {
				compact = append(compact, ',')
			}
			compact = list[n].AppendJSON(compact)
		}
		compact = append(compact, ']')
		var want bytes.Buffer
		if err := json.Indent(&want, compact, "", "  "); err != nil {
			t.Fatal(err)
		}
		want.WriteByte('\n')
		if got := writeAll(t, JSON, WriterOptions{}, in...); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%d contacts:\n%s\nwant\n%s", len(in), got, want.Bytes())
		}
	}
}

func TestJSONLWriter(t *testing.T) {
	cs := sample()[:2]
	got := writeAll(t, JSONL, WriterOptions{}, cs...)
	want := string(cs[0].AppendJSON(nil)) + "\n" + string(cs[1].AppendJSON(nil)) + "\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestJSONInvalidObjects: an object with a key given twice, or a lone
// surrogate escape in a value, is an invalid row naming the field, in
// both JSON readers; encoding/json would take the last value, or U+FFFD.
// The rows around it are read.
func TestJSONInvalidObjects(t *testing.T) {
	objects := []string{
		`{"phone": "1"}`,
		`{"phone": "2", "name": "Ann", "name": "Bob"}`,
		`{"phone": "3", "note": "\ud800x"}`,
		`{"phone": "4", "Phone": "5"}`,
		`{"phone": "6", "email": "a\udc00@example.com"}`,
		`{"phone": "7", "name": "\ud83d\ude42"}`,
	}
	want := []string{
		"2: name: given twice in one object",
		`3: note: \ud800 is half of a UTF-16 surrogate pair, not a character`,
		`4: phone: given twice in one object, as "phone" and "Phone"`,
		`5: email: \udc00 is half of a UTF-16 surrogate pair, not a character`,
	}
	fields := []string{"name", "note", "phone", "email"}
	for _, tc := range []struct {
		f    Format
		in   string
		kind string
	}{
		{JSON, "[\n" + strings.Join(objects, ",\n") + "\n]\n", "item "},
		{JSON, strings.Join(objects, "\n"), "item "},
		{JSONL, strings.Join(objects, "\n") + "\n", "line "},
	} {
		res := readBytes(t, tc.f, []byte(tc.in))
		if res.err != nil {
			t.Fatalf("%s: %v", tc.f, res.err)
		}
		checkRecords(t, res.records, []*Record{{Pos: tc.kind + "1", Phone: "1"}, {Pos: tc.kind + "6", Phone: "7", Name: "🙂"}})
		var got []string
		for i, e := range res.rowErrs {
			got = append(got, e.Error())
			if i < len(fields) && e.Field != fields[i] {
				t.Errorf("%s: %s: Field %q, want %q", tc.f, e, e.Field, fields[i])
			}
		}
		var w []string
		for _, s := range want {
			w = append(w, tc.kind+s)
		}
		if strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: row errors:\n%s\nwant\n%s", tc.f, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
}
