package cmd_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"unicode"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/cmd"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/store"
)

// run runs the command line in-process and returns its exit status and
// output.
func run(t *testing.T, tty bool, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetTTY(tty, tty, tty)
	code := cmd.Run(context.Background(), args, ios)
	return code, out.String(), errOut.String()
}

// TestTableNeverPrintsControlCharacters stores hostile text the way another
// program could (straight into the file, past validation) and checks that
// no table view lets a control character, bidi override or invalid byte
// reach the terminal raw.
func TestTableNeverPrintsControlCharacters(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	path, _ := store.Path(dir, "evil")
	db, err := store.Open(context.Background(), path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateContact(context.Background(), contacts.NewContact{Phone: "+4520123456", Name: "placeholder"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	hostile := "Evil\x1b]0;owned\x07\x1b[2J\r\x08\x7f\u009b31m\u202egnp.exe\xff\u2028end"
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE contacts SET name = ?, email = ?, company_name = ?, note = ?`,
		hostile, hostile, hostile, hostile+"\nsecond\tline"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	for _, args := range [][]string{
		{"list"}, {"show", c.ID}, {"lookup", "+4520123456"}, {"edit", c.ID, "--phone", "+4520123457"},
	} {
		for _, tty := range []bool{false, true} {
			args := append(args, "--data-dir", dir, "--company", "evil")
			code, out, errOut := run(t, tty, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			for i, r := range out {
				if r == '\n' {
					continue
				}
				if r == unicode.ReplacementChar && !strings.Contains(out[i:], "\ufffd") {
					continue
				}
				if unicode.IsControl(r) && !(tty && r == '\x1b' && strings.HasPrefix(out[i:], "\x1b[1m") || tty && strings.HasPrefix(out[i:], "\x1b[0m")) ||
					r == '\u202e' || r == '\u2028' {
					t.Errorf("%v (tty=%v): raw %U at byte %d in:\n%q", args, tty, r, i, out)
					break
				}
			}
			if !strings.Contains(out, `Evil\x1b]0;owned\x07`) || args[0] != "list" && !strings.Contains(out, `\u202e`) {
				t.Errorf("%v: escapes not shown visibly:\n%s", args, out)
			}
		}
	}
	// JSON is for scripts: the text comes through exactly, every control
	// and bidi character escaped, so even JSON is safe on a terminal.
	code, out, _ := run(t, false, "show", c.ID, "-o", "json", "--data-dir", dir, "--company", "evil")
	want := `"name": "Evil\u001b]0;owned\u0007\u001b[2J\r\u0008\u007f\u009b31m\u202egnp.exe\ufffd\u2028end"`
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("json: exit %d, want %s in\n%s", code, want, out)
	}
}
