package cmd_test

import (
	"strings"
	"testing"
	"unicode"
)

// TestTableNeverPrintsControlCharacters stores hostile text the way another
// program could (straight into the file, past validation) and checks that
// no table view lets a control character, bidi override or invalid byte
// reach the terminal raw.
func TestTableNeverPrintsControlCharacters(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	hostile := "Evil\x1b]0;owned\x07\x1b[2J\r\x08\x7f\u009b31m\u202egnp.exe\xff\u2028end"
	_, id := hostileBook(t, dir, "evil", hostile, hostile+"\nsecond\tline")

	for _, args := range [][]string{
		{"list"}, {"show", id}, {"lookup", "+4520123456"}, {"edit", id, "--phone", "+4520123457"},
	} {
		for _, tty := range []bool{false, true} {
			args := append(args, "--data-dir", dir, "--company", "evil")
			code, out, errOut := runCLI(t, tty, "", args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			if !tty && args[0] == "list" && strings.Count(out, "\t") != 5 {
				// Off a terminal a tab separates the fields; a stored
				// tab is a space, so no field splits.
				t.Errorf("%v: not 6 tab-separated fields:\n%q", args, out)
			}
			for i, r := range out {
				if r == '\n' || r == '\t' && !tty && args[0] == "list" {
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
	code, out, _ := runCLI(t, false, "", "show", id, "-o", "json", "--data-dir", dir, "--company", "evil")
	want := `"name": "Evil\u001b]0;owned\u0007\u001b[2J\r\u0008\u007f\u009b31m\u202egnp.exe\ufffd\u2028end"`
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("json: exit %d, want %s in\n%s", code, want, out)
	}
}
