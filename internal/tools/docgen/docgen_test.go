package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocs: a man page per command and the three completions, in the
// layout of PREFIX/share.
func TestDocs(t *testing.T) {
	out := t.TempDir()
	if err := run(out); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"man/man1/contacts.1", "man/man1/contacts-list.1", "man/man1/contacts-keys-revoke.1",
		"bash-completion/completions/contacts", "zsh/site-functions/_contacts", "fish/vendor_completions.d/contacts.fish",
	} {
		b, err := os.ReadFile(filepath.Join(out, p))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v (%d bytes)", p, err, len(b))
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "man/man1/contacts-export.1"))
	if !strings.Contains(string(b), "output-file") {
		t.Errorf("the export page has no --output-file:\n%.500s", b)
	}
}

// TestPathNote: make install says when PREFIX/bin is not on PATH, and
// not when it is.
func TestPathNote(t *testing.T) {
	script, _ := filepath.Abs("../../../scripts/path-note.sh")
	for _, tt := range []struct {
		path string
		note bool
	}{
		{"/usr/bin:/bin", true},
		{"/usr/bin:/home/ann/.local/bin:/bin", false},
	} {
		c := exec.Command("sh", script)
		c.Env = []string{"PREFIX=/home/ann/.local", "PATH=" + tt.path, "HOME=/home/ann"}
		b, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if got := strings.Contains(string(b), "/home/ann/.local/bin is not on your PATH"); got != tt.note {
			t.Errorf("PATH=%s: note %v, want %v:\n%s", tt.path, got, tt.note, b)
		}
	}
}
