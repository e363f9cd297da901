package contacts_test

import (
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("x", 900<<10)
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"+4520123456", `"+4520123456"`},
		{strings.Repeat("a", contacts.MaxExcerpt), `"` + strings.Repeat("a", contacts.MaxExcerpt) + `"`},
		{strings.Repeat("a", contacts.MaxExcerpt+1), `"` + strings.Repeat("a", contacts.MaxExcerpt) + `"…`},
		{long, `"` + strings.Repeat("x", contacts.MaxExcerpt) + `"…`},
		{strings.Repeat("ø", 50), `"` + strings.Repeat("ø", contacts.MaxExcerpt) + `"…`},
		{"a\nb\x1b[31m", `"a\nb\x1b[31m"`},
		{"evil\u202eoc.exe", `"evil\u202eoc.exe"`},
		{"zero\u200bwidth", `"zero\u200bwidth"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
	} {
		if got := contacts.Excerpt(tc.in); got != tc.want {
			t.Errorf("Excerpt(%.60q)=%s, want %s", tc.in, got, tc.want)
		}
	}
}
