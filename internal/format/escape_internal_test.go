package format

import "testing"

func TestAppendEscaped(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{`a\b`, `a\\b`},
		{"Acme, Inc.; Sales", `Acme\, Inc.\; Sales`},
		{"line 1\nline 2", `line 1\nline 2`},
		{"crlf\r\nnext", `crlf\nnext`},
		{"lone cr\rnext", `lone cr\nnext`},
		{"ends with cr\r", `ends with cr\n`},
		{",;\\\n", `\,\;\\\n`},
		{"Søren 😀, ok", `Søren 😀\, ok`},
	} {
		if got := string(appendEscaped([]byte("X:"), tc.in)); got != "X:"+tc.want {
			t.Errorf("appendEscaped(%q) = %q, want %q", tc.in, got, "X:"+tc.want)
		}
	}
}
