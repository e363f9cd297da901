package cmd_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/phoneinc/contacts/cmd"
)

// readmeMark marks a README code block as part of the README's story: the
// blocks so marked run in order, top to bottom, in one fresh account.
const readmeMark = "<!-- readme-test -->"

// A readmeStep is a command of the README ("$ …", continued by a trailing
// \) and the output shown under it ("" lines and all), if any.
type readmeStep struct {
	line    int
	cmd     string
	want    []string
	showOut bool
}

// readmeSteps extracts the story's commands from the README.
func readmeSteps(t *testing.T, path string) []readmeStep {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var steps []readmeStep
	sc := bufio.NewScanner(bytes.NewReader(b))
	marked, in, n := false, false, 0
	var cur *readmeStep
	for sc.Scan() {
		n++
		l := sc.Text()
		switch {
		case !in && strings.TrimSpace(l) == readmeMark:
			marked = true
		case !in && marked && strings.HasPrefix(l, "```"):
			in, marked = true, false
		case in && strings.HasPrefix(l, "```"):
			in, cur = false, nil
		case in && cur != nil && strings.HasSuffix(cur.cmd, "\\"):
			cur.cmd = strings.TrimSuffix(cur.cmd, "\\") + " " + strings.TrimSpace(l)
		case in && strings.HasPrefix(l, "$ "):
			steps = append(steps, readmeStep{line: n, cmd: strings.TrimPrefix(l, "$ ")})
			cur = &steps[len(steps)-1]
		case in && cur != nil:
			cur.want = append(cur.want, l)
			cur.showOut = true
		}
	}
	return steps
}

var (
	// An escape a terminal acts on and does not show (colours; ESC [K is
	// read by terminalText).
	readmeEscape = regexp.MustCompile(`^\x1b\[[0-9;]*[A-Za-z]`)
	readmeULID   = regexp.MustCompile(`\b0[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{24}\b`)
	readmeTime   = regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)`)
	readmeStamp  = regexp.MustCompile(`\b\d{8}-\d{6}\b`) // a backup's name: default-20260610-100500.db
	readmeSecret = regexp.MustCompile(`\bck_([a-z0-9][a-z0-9._-]*)_[a-z2-7]{52}\b`)
)

// readmeNormal makes output comparable: ids, times, the stamps in
// backups' names and API keys' secrets are placeholders (they differ at
// every run), the home directory is ~.
func readmeNormal(s, home string) string {
	s = terminalText(s)
	s = strings.ReplaceAll(s, home, "~")
	s = readmeULID.ReplaceAllString(s, "<ID>")
	s = readmeStamp.ReplaceAllString(s, "<STAMP>")
	s = readmeSecret.ReplaceAllString(s, "ck_${1}_<SECRET>")
	return readmeTime.ReplaceAllString(s, "<TIME>")
}

// terminalText is what a terminal shows of s, line by line: a carriage
// return goes back to the line's start, where the next characters
// overwrite it; ESC [K clears the rest of the line; other escapes
// (colours) show nothing. A progress line that an import drew, redrew and
// cleared before its summary (on a busy machine, once it has run 0.1 s)
// leaves only the summary, as on the user's screen.
func terminalText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		var buf []rune
		pos := 0
		for j := 0; j < len(l); {
			switch {
			case l[j] == '\r':
				pos = 0
				j++
			case strings.HasPrefix(l[j:], "\x1b[K"):
				buf = buf[:pos]
				j += 3
			case l[j] == 0x1b:
				if m := readmeEscape.FindStringIndex(l[j:]); m != nil {
					j += m[1]
				} else {
					j++
				}
			default:
				r, n := utf8.DecodeRuneInString(l[j:])
				if pos < len(buf) {
					buf[pos] = r
				} else {
					buf = append(buf, r)
				}
				pos++
				j += n
			}
		}
		lines[i] = string(buf)
	}
	return strings.Join(lines, "\n")
}

func TestTerminalText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain\r\n", "plain\n"},
		{"\r\x1b[Kimporting  12%  1 rows  0.1s\r\x1b[Kimporting 100%  1 rows  0.2s\r\x1b[Kteam.csv: 1 created\r\n",
			"team.csv: 1 created\n"},
		{"\x1b[1mID\x1b[0m  NAME", "ID  NAME"},
		{"abcdef\rXY", "XYcdef"},
		{"abcdef\rXY\x1b[K", "XY"},
		{"Søren\r\nÆ", "Søren\nÆ"},
	} {
		if got := terminalText(tt.in); got != tt.want {
			t.Errorf("terminalText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestREADME runs the README's story (its marked shell blocks) against the
// real binary, in a fresh HOME, on an 80-column pseudo-terminal as a user
// pasting the lines would, and compares the output where the README shows
// output, so that the README and the product cannot disagree.
func TestREADME(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a POSIX shell and pseudo-terminals")
	}
	steps := readmeSteps(t, "../README.md")
	if len(steps) < 10 {
		t.Fatalf("the README's story has %d commands; its blocks are marked %s", len(steps), readmeMark)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	// The story runs in the home directory, as a user in a new terminal.
	home, bin := filepath.Join(root, "home"), filepath.Join(root, "bin")
	work := home
	for _, d := range []string{home, bin} {
		os.MkdirAll(d, 0o755)
	}
	if err := os.Symlink(self, filepath.Join(bin, "contacts")); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + bin + ":/usr/bin:/bin", "TERM=xterm", "NO_COLOR=1", "LANG=C.UTF-8", "TMPDIR=" + root}
	status := 0
	for _, st := range steps {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		// $? is the status of the README's previous command.
		c := exec.CommandContext(ctx, "sh", "-c", "(exit "+strconv.Itoa(status)+"); "+st.cmd)
		c.Dir, c.Env = work, env
		f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 50, Cols: 80})
		if err != nil {
			cancel()
			t.Skipf("no pseudo-terminal: %v", err)
		}
		out := &cmd.SyncBuffer{}
		done := make(chan struct{})
		go func() { io.Copy(out, f); close(done) }()
		// A question the README answers ("[y/N]: y") is answered once it
		// is asked, as a user would.
		for _, w := range st.want {
			if i := strings.Index(w, "[y/N]: "); i >= 0 {
				answer := w[i+len("[y/N]: "):]
				waitFor(t, "README line "+strconv.Itoa(st.line)+"'s question", func() bool { return strings.Contains(out.String(), "[y/N]: ") })
				f.Write([]byte(answer + "\n"))
			}
		}
		err = c.Wait()
		drain(f, done)
		cancel()
		status = 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("README line %d: %s: %v", st.line, st.cmd, err)
		}
		if !st.showOut {
			if status != 0 {
				t.Errorf("README line %d: %s: exit %d:\n%s", st.line, st.cmd, status, out.String())
			}
			continue
		}
		got := readmeNormal(strings.TrimRight(out.String(), "\r\n"), home)
		if u, err := user.Current(); err == nil && u.Username != "" {
			// The README's user is niklas (the history's "by cli niklas").
			got = strings.ReplaceAll(got, "by cli "+u.Username+" ", "by cli niklas ")
		}
		want := readmeNormal(strings.Join(st.want, "\n"), "~")
		if got != want {
			t.Errorf("README line %d: %s\ngot:\n%s\nwant (as the README shows it):\n%s", st.line, st.cmd, got, want)
		}
	}
}
