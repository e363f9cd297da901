package editor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/editor"
)

func sp(s string) *string { return &s }

// testContact is a stored contact, as the book returns it.
func testContact() *contacts.Contact {
	return &contacts.Contact{
		ID:             "01JVWX3G8K9Q2M4N5P6R7S8T9V",
		Name:           sp("Ann Smith"),
		Email:          sp("ann@example.com"),
		Phone:          "+4520123456",
		PhoneFormatted: "+45 20 12 34 56",
		CompanyName:    sp("Acme"),
		Note:           sp("Prefers email."),
		CreatedAt:      time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC),
		UpdatedAt:      time.Date(2026, 6, 11, 9, 30, 0, 0, time.UTC),
	}
}

func TestRender(t *testing.T) {
	got := string(editor.Render(testContact()))
	want := editor.Header + `# id: 01JVWX3G8K9Q2M4N5P6R7S8T9V
# phone_formatted: +45 20 12 34 56
# created_at: 2026-06-10T10:00:00Z
# updated_at: 2026-06-11T09:30:00Z

name: Ann Smith
email: ann@example.com
phone: "+4520123456"
company_name: Acme
note: Prefers email.
`
	if got != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
	for _, line := range strings.Split(editor.Header, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			t.Errorf("header line %q is not a comment", line)
		}
	}
	for _, want := range []string{"Lines starting with '#' are ignored", "an empty file cancels the edit"} {
		if !strings.Contains(editor.Header, want) {
			t.Errorf("header does not say %q", want)
		}
	}
}

func TestRenderNotSetAndMultiLine(t *testing.T) {
	c := testContact()
	c.Name, c.Email, c.CompanyName = nil, nil, nil
	c.Note = sp("line one\nline two: \"quoted\"")
	got := string(editor.Render(c))
	want := `
name:
email:
phone: "+4520123456"
company_name:
note: |-
  line one
  line two: "quoted"
`
	if !strings.HasSuffix(got, want) {
		t.Fatalf("Render:\n%s\nwant it to end with:\n%s", got, want)
	}
}

// TestRoundTrip checks that what Render writes, Parse reads back as the
// same text, and Diff sees no change.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"plain", "Prefers email."},
		{"multi-line", "line one\nline two\nline three"},
		{"trailing newline", "line one\nline two\n"},
		{"trailing newlines", "line one\n\n\n"},
		{"colons", "call: after 10:00\nkey: value"},
		{"colon single line", "key: value"},
		{"quotes", `she said "hi" and 'bye'`},
		{"quotes multi-line", "\"quoted\"\n'single'"},
		{"unicode", "Stéphenson ✓ 日本語\nÆØÅ"},
		{"leading spaces", "  indented first\nsecond"},
		{"leading spaces single", "  indented"},
		{"leading newline", "\nafter a blank line"},
		{"hash", "#1 customer\n# not a comment"},
		{"dash", "- a list?\n- no"},
		{"tab", "a\tb\nc\td"},
		{"trailing spaces", "trailing  \nline"},
		{"yaml words", "yes"},
		{"null word", "null"},
		{"tilde", "~"},
		{"number", "12345"},
		{"document marker", "---\n..."},
		{"braces", "{a: b}\n[c]"},
		{"windows path", `C:\Users\ann`},
		{"invisible", "Ada\u200b Boss\u00ad \u2060\U000e0041 \u202eevil"},
		{"invisible multi-line", "Ada\u200b\n\t\"Boss\" \\ \u200d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testContact()
			c.Note = sp(tc.value)
			c.Name = sp(strings.TrimSpace(strings.ReplaceAll(tc.value, "\n", " ")))
			c.CompanyName = sp(strings.TrimSpace(strings.ReplaceAll(tc.value, "\n", " ")))
			text := editor.Render(c)
			if contacts.HasInvisible(strings.NewReplacer("\n", "", "\t", "").Replace(tc.value)) &&
				(strings.ContainsRune(string(text), '\u200b') || strings.ContainsRune(string(text), '\u200d')) {
				t.Errorf("the file shows an invisible character raw:\n%s", text)
			}
			f, err := editor.Parse(text, c)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, text)
			}
			if got := *f.Note; got != tc.value {
				t.Errorf("note = %q, want %q\n%s", got, tc.value, text)
			}
			if got, want := *f.Name, *c.Name; got != want {
				t.Errorf("name = %q, want %q\n%s", got, want, text)
			}
			if got, want := *f.Phone, c.Phone; got != want {
				t.Errorf("phone = %q, want %q", got, want)
			}
			if upd := editor.Diff(c, f, ""); !upd.Empty() {
				t.Errorf("Diff of an unchanged file is not empty: %+v\n%s", upd, text)
			}
		})
	}
}

func TestParse(t *testing.T) {
	c := testContact()
	for _, tc := range []struct {
		name, text string
		want       editor.Fields
	}{
		{"all", "name: Bo\nemail: bo@example.com\nphone: +45 20 12 34 57\ncompany_name: Beta\nnote: |\n  one\n  two\n",
			editor.Fields{Name: sp("Bo"), Email: sp("bo@example.com"), Phone: sp("+45 20 12 34 57"), CompanyName: sp("Beta"), Note: sp("one\ntwo\n")}},
		{"null and empty", "name: null\nemail: ~\nphone: '+4520123456'\ncompany_name: \"\"\nnote:\n",
			editor.Fields{Phone: sp("+4520123456"), CompanyName: sp("")}},
		{"missing keys", "phone: +4520123456\n", editor.Fields{Phone: sp("+4520123456")}},
		{"source text, not YAML types", "name: yes\nphone: +4520123456\nnote: 1e3\n",
			editor.Fields{Name: sp("yes"), Phone: sp("+4520123456"), Note: sp("1e3")}},
		{"comments", "# a comment\nname: Bo # trailing\n  # indented\nphone: +4520123456\n",
			editor.Fields{Name: sp("Bo"), Phone: sp("+4520123456")}},
		{"read-only unchanged", "id: 01JVWX3G8K9Q2M4N5P6R7S8T9V\nphone_formatted: +45 20 12 34 56\ncreated_at: 2026-06-10T10:00:00Z\nphone: +4520123456\n",
			editor.Fields{Phone: sp("+4520123456")}},
		{"only comments", "# nothing\n", editor.Fields{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := editor.Parse([]byte(tc.text), c)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if g, w := show(got), show(tc.want); g != w {
				t.Errorf("Parse = %s, want %s", g, w)
			}
		})
	}
}

func show(f editor.Fields) string {
	var b strings.Builder
	for _, p := range []*string{f.Name, f.Email, f.Phone, f.CompanyName, f.Note} {
		if p == nil {
			b.WriteString("nil ")
		} else {
			b.WriteString("\"" + *p + "\" ")
		}
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	c := testContact()
	for _, tc := range []struct {
		name, text, want, field string
	}{
		{"unknown key", "name: Bo\nnickname: B\n", `line 2: unknown key "nickname" (the keys are name, email, phone, company_name, note)`, ""},
		{"unknown keys", "Name: Bo\nphone: +4520123456\nfoo: 1\n", `line 1: unknown keys "Name", "foo" (the keys are name, email, phone, company_name, note)`, ""},
		{"id read-only", "name: Bo\nid: 01ARZ3NDEKTSV4RRFFQ69G5FAV\n", "line 2: id is read-only: leave it as a comment", "id"},
		{"created_at read-only", "created_at: 2020-01-01T00:00:00Z\n", "line 1: created_at is read-only: leave it as a comment", "created_at"},
		{"updated_at read-only", "updated_at:\n", "line 1: updated_at is read-only: leave it as a comment", "updated_at"},
		{"phone_formatted read-only", "phone_formatted: +45 99\n", "line 1: phone_formatted is read-only: leave it as a comment", "phone_formatted"},
		{"twice", "name: A\nphone: +4520123456\nname: B\n", "line 3: name is given twice (lines 1 and 3)", "name"},
		{"bad yaml", "name: Bo\nnote: a: b\n", "line 2: not valid YAML: mapping values are not allowed in this context", ""},
		{"unclosed quote", "name: \"Bo\nphone: x\n", "", ""},
		{"list", "name:\n  - a\n  - b\n", "line 2: name: must be text, not a list", "name"},
		{"mapping", "note:\n  a: b\n", "line 2: note: must be text, not a mapping (quote a value that holds \": \")", "note"},
		{"not a mapping", "just text\n", "line 1: the file must hold the contact as `key: value` lines (name, email, phone, company_name, note)", ""},
		{"two documents", "name: A\n---\nname: B\n", "line 2: the file holds more than one YAML document (a second one starts with ---): keep only the contact", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := editor.Parse([]byte(tc.text), c)
			if err == nil {
				t.Fatal("Parse: no error")
			}
			if tc.want != "" && err.Error() != tc.want {
				t.Errorf("error = %q, want %q", err.Error(), tc.want)
			}
			if got := contacts.ErrorCode(err); got != contacts.EINVALID {
				t.Errorf("code = %q, want %q", got, contacts.EINVALID)
			}
			if got := contacts.ErrorField(err); got != tc.field {
				t.Errorf("field = %q, want %q", got, tc.field)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	c := testContact()
	base := func() editor.Fields {
		return editor.Fields{Name: c.Name, Email: c.Email, Phone: sp(c.Phone), CompanyName: c.CompanyName, Note: c.Note}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*editor.Fields)
		region string
		want   string // show() of the update's fields
	}{
		{"nothing", func(*editor.Fields) {}, "", "nil nil nil nil nil "},
		{"name", func(f *editor.Fields) { f.Name = sp("Bo") }, "", `"Bo" nil nil nil nil `},
		{"name only re-spaced", func(f *editor.Fields) { f.Name = sp("  Ann Smith ") }, "", "nil nil nil nil nil "},
		{"clear by null", func(f *editor.Fields) { f.Email, f.CompanyName = nil, nil }, "", `nil "" nil "" nil `},
		{"clear by empty", func(f *editor.Fields) { f.Note = sp("") }, "", `nil nil nil nil "" `},
		{"note trailing newline kept out", func(f *editor.Fields) { f.Note = sp("Prefers email.\n") }, "", "nil nil nil nil nil "},
		{"note CRLF", func(f *editor.Fields) { f.Note = sp("a\r\nb\r\n") }, "", "nil nil nil nil \"a\nb\" "},
		{"note blank", func(f *editor.Fields) { f.Note = sp("  \n") }, "", `nil nil nil nil "" `},
		{"phone other form, same number", func(f *editor.Fields) { f.Phone = sp("+45 20 12 34 56") }, "", "nil nil nil nil nil "},
		{"phone national, same number", func(f *editor.Fields) { f.Phone = sp("20 12 34 56") }, "DK", "nil nil nil nil nil "},
		{"phone changed", func(f *editor.Fields) { f.Phone = sp("+45 20 12 34 57") }, "", `nil nil "+45 20 12 34 57" nil nil `},
		{"phone bad", func(f *editor.Fields) { f.Phone = sp("+45 2012") }, "", `nil nil "+45 2012" nil nil `},
		{"phone removed", func(f *editor.Fields) { f.Phone = nil }, "", `nil nil "" nil nil `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			tc.edit(&f)
			u := editor.Diff(c, f, tc.region)
			got := show(editor.Fields{Name: u.Name, Email: u.Email, Phone: u.Phone, CompanyName: u.CompanyName, Note: u.Note})
			if got != tc.want {
				t.Errorf("Diff = %s, want %s", got, tc.want)
			}
		})
	}
	// Diff's update, applied, gives the stored form of a multi-line note.
	f := base()
	f.Note = sp("one\ntwo\n")
	got, err := contacts.Prepare(c, editor.Diff(c, f, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if *got.Note != "one\ntwo" {
		t.Errorf("note = %q, want %q", *got.Note, "one\ntwo")
	}
}

func TestAnnotateAndStrip(t *testing.T) {
	body := []byte("name: Bo\nnote: a: b\n")
	_, err := editor.Parse(body, testContact())
	if err == nil {
		t.Fatal("no error")
	}
	got := string(editor.Annotate(body, err))
	// One error line was added, so line 2 of the body is line 3 of the file.
	want := "# error: line 3: not valid YAML: mapping values are not allowed in this context\n" + string(body)
	if got != want {
		t.Errorf("Annotate:\n%s\nwant:\n%s", got, want)
	}
	if s := string(editor.StripErrors([]byte(got))); s != string(body) {
		t.Errorf("StripErrors = %q, want %q", s, body)
	}
	// A new error replaces the old lines; several message lines each get a prefix.
	again := string(editor.Annotate(editor.StripErrors([]byte(got)), errors.New("first\nsecond")))
	if want := "# error: first\n# error: second\n" + string(body); again != want {
		t.Errorf("Annotate again:\n%s\nwant:\n%s", again, want)
	}
	// A domain error is shown as it is.
	derr := contacts.FieldErrorf("phone", "too short")
	if got := string(editor.Annotate(body, derr)); got != "# error: phone: too short\n"+string(body) {
		t.Errorf("Annotate(domain error) = %q", got)
	}
	// Error lines moved elsewhere by the user are stripped too, nothing else is.
	mixed := "name: Bo\n# error: old\n#error: kept\n# kept\n"
	if got := string(editor.StripErrors([]byte(mixed))); got != "name: Bo\n#error: kept\n# kept\n" {
		t.Errorf("StripErrors = %q", got)
	}
}

func TestBlank(t *testing.T) {
	for text, want := range map[string]bool{
		"":                       true,
		"\n\n  \n":               true,
		"# a\n  # b\n\n":         true,
		editor.Header:            true,
		"# a\nname:\n":           false,
		"phone: +4520123456":     false,
		"# x\n  note: |\n  #1\n": false,
	} {
		if got := editor.Blank([]byte(text)); got != want {
			t.Errorf("Blank(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string]string{
		"vi":                                  "[vi]",
		"code --wait":                         "[code --wait]",
		`"C:\Program Files\ed.exe" -n`:        `[C:\Program Files\ed.exe -n]`,
		`  subl  -w  `:                        "[subl -w]",
		`ed 'a b' "" c`:                       "[ed a b  c]",
		`notepad++.exe -multiInst -nosession`: "[notepad++.exe -multiInst -nosession]",
	} {
		got := editor.SplitCommand(in)
		if s := "[" + strings.Join(got, " ") + "]"; s != want {
			t.Errorf("SplitCommand(%q) = %q, want %q", in, s, want)
		}
	}
	if got := editor.SplitCommand(`ed "" x`); len(got) != 3 || got[1] != "" {
		t.Errorf(`SplitCommand keeps "" as an empty word: got %q`, got)
	}
}

func TestCommand(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := editor.Command(env(map[string]string{"VISUAL": "code --wait", "EDITOR": "nano"})); got != "code --wait" {
		t.Errorf("VISUAL first: got %q", got)
	}
	if got := editor.Command(env(map[string]string{"VISUAL": " ", "EDITOR": "nano"})); got != "nano" {
		t.Errorf("then EDITOR: got %q", got)
	}
	if got := editor.Command(env(nil)); got != "vi" && got != "notepad" {
		t.Errorf("default: got %q", got)
	}
}
