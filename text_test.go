package contacts_test

import (
	"encoding/json"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestInvisible(t *testing.T) {
	for _, tc := range []struct {
		r    rune
		want bool
	}{
		{'a', false}, {' ', false}, {'é', false}, {'ø', false}, {'日', false}, {'😀', false},
		{'\u00a0', false}, // a no-break space shows as a space
		{'\ufe0f', false}, // a variation selector picks an emoji's look
		{'\n', true}, {'\t', true}, {0x1b, true}, {0x7f, true}, {0x85, true}, {0x9f, true},
		{'\u00ad', true}, {'\u034f', true}, {'\u061c', true}, {'\u115f', true}, {'\u180e', true},
		{'\u200b', true}, {'\u200c', true}, {'\u200d', true}, {'\u200e', true}, {'\u200f', true},
		{'\u2028', true}, {'\u2029', true}, {'\u202a', true}, {'\u202e', true},
		{'\u2060', true}, {'\u2064', true}, {'\u2066', true}, {'\u2069', true}, {'\u206f', true},
		{'\u3164', true}, {'\ufeff', true}, {'\uffa0', true}, {'\ufff9', true},
		{0xe0000, true}, {0xe0001, true}, {0xe0041, true}, {0xe007f, true}, {0xe0080, false},
		{0xe0100, false}, // a variation selector supplement
	} {
		if got := contacts.Invisible(tc.r); got != tc.want {
			t.Errorf("Invisible(%U)=%v, want %v", tc.r, got, tc.want)
		}
	}
}

func TestEscapeInvisible(t *testing.T) {
	for _, tc := range []struct{ in, keep, want string }{
		{"Ada Boss", "", "Ada Boss"},
		{"Ada\u200b Boss", "", `Ada\u200b Boss`},
		{"Ac\u00adme\u2060", "", `Ac\u00adme\u2060`},
		{"tag\U000e0041\U000e007f", "", `tag\U000e0041\U000e007f`},
		{"\u202eevil\u202c", "", `\u202eevil\u202c`},
		{"esc\x1b[31m", "", `esc\x1b[31m`},
		{"bad\xffbyte", "", `bad\xffbyte`},
		{"two\nlines\tx", "", `two\x0alines\x09x`},
		{"two\nlines\tx\u200b", "\n\t", "two\nlines\tx\\u200b"},
		{"Søren 日本 😀", "", "Søren 日本 😀"},
	} {
		if got := contacts.EscapeInvisible(tc.in, tc.keep); got != tc.want {
			t.Errorf("EscapeInvisible(%q, %q)=%q, want %q", tc.in, tc.keep, got, tc.want)
		}
		if got, want := contacts.HasInvisible(tc.in), tc.in != tc.want || tc.keep != ""; got != want {
			t.Errorf("HasInvisible(%q)=%v, want %v", tc.in, got, want)
		}
	}
}

// TestJSONEscapesInvisible: the contact's JSON writes every invisible
// character as a JSON escape, so nothing invisible is printed raw, and a
// JSON reader gets the same text back.
func TestJSONEscapesInvisible(t *testing.T) {
	name := "Ada\u200b Boss\u00ad\u2060\U000e0041\u202e\u200d\x7f\u0085"
	b := contacts.AppendJSONString(nil, name)
	for _, r := range string(b) {
		if contacts.Invisible(r) {
			t.Fatalf("%s holds %U raw", b, r)
		}
	}
	if want := `"Ada\u200b Boss\u00ad\u2060\udb40\udc41\u202e\u200d\u007f\u0085"`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var back string
	if err := json.Unmarshal(b, &back); err != nil || back != name {
		t.Errorf("read back %q, %v; want %q", back, err, name)
	}
}
