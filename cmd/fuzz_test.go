package cmd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneinc/contacts/cmd"
	"github.com/phoneinc/contacts/internal/iostreams"
)

// FuzzConfigFile runs `contacts list` with an arbitrary config.yaml: it
// never panics and never prints a stack trace, and it exits 0 (the file
// was read), 1 (it does not parse: a one-line error) or 2 (a bad setting:
// a usage error), whatever the file holds. The server is forced off with
// --server "", so that a fuzzed server: key sends nothing anywhere; the
// data directory it names is only read (list never creates anything).
//
//	go test ./cmd -run '^$' -fuzz '^FuzzConfigFile$' -fuzztime 60s -fuzzminimizetime 0
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"", "company: acme\n", "company: acme\nregion: DK\noutput: json\ndata_dir: books\n", "company: ../../etc\n",
		"company: \"a\\0b\"\n", "company: \"a\\x00b\"\n", "company: \"\\uFF41cme\"\n", "company: [a, b]\n", "company: {a: b}\n",
		"company: 42\n", "company: null\n", "company: ~\n", "company: yes\n", "region: XX\n", "region: dk\n", "output: yaml\n",
		"output: [json]\n", "data_dir: ~\n", "data_dir: ~/books\n", "data_dir: /nonexistent/dir\n", "data_dir: \"\\0\"\n",
		"server: http://127.0.0.1:1\napi_key: ck_acme_x\n", "unknown: 1\nalso: [1, 2]\n", "company: acme\ncompany: beta\n",
		"a: &a [*a]\n", "a: &a\n  b: *a\n", "x: !!binary aGVsbG8=\n", "x: !!timestamp 2001-12-14\n", "? [a, b]\n: c\n",
		"%YAML 1.2\n---\ncompany: acme\n...\n", "---\n---\n", "\t- tab\n", ": x\n", "company: 'unterminated\n", "{", "[",
		"\xff\xfe", "\xef\xbb\xbfcompany: acme\n", "company: \"\\e[2Jx\"\n", "company: \"\\u202eacme\"\n", strings.Repeat("a: 1\n", 1000),
		"output: JSON\ncompany: ' acme '\n", "company: \"acme\\n\"\n", "<<: {company: acme}\n", "company: !!str 1\n",
		"\"\\e]0;pwn\\a\\e[2J\": 1\n",
		"data_dir: [1]\n", "region: {a: b}\n", "server: [x]\n", "api_key: {a: 1}\n", "company: 2001-12-14\n",
		"data_dir: 2001-12-14T10:00:00Z\n", "Region: [dk]\n", "output:\n  - json\n", "data_dir.x: 1\n",
	} {
		f.Add([]byte(s))
	}
	dir := hardenDir(f)
	path := filepath.Join(dir, "config.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ios, _, out, errOut := iostreams.Test()
		code := cmd.Run(context.Background(), []string{"--config", path, "--server", "", "list"}, ios)
		stderr := errOut.String()
		switch {
		case code != 0 && code != 1 && code != 2:
			t.Fatalf("exit %d, want 0, 1 or 2; stderr:\n%s\nconfig:\n%q", code, stderr, data)
		case strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic"):
			t.Fatalf("a stack trace on stderr:\n%s\nconfig:\n%q", stderr, data)
		case code != 0 && (strings.Count(stderr, "\n") != 1+strings.Count(stderr, "contacts: warning:") || !strings.HasSuffix(stderr, "\n")):
			t.Fatalf("exit %d with an error that is not one line:\n%q\nconfig:\n%q", code, stderr, data)
		case code == 0 && out.String() != "" && out.String() != "[]\n":
			t.Fatalf("list of an empty data directory printed %q; config:\n%q", out, data)
		}
		for _, line := range strings.SplitAfter(stderr, "\n") {
			if !strings.ContainsFunc(strings.TrimSuffix(line, "\n"), func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f }) {
				continue
			}
			t.Fatalf("a raw control character on stderr: %q; config:\n%q", line, data)
		}
	})
}
