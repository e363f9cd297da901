package cmd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/mattn/go-runewidth"
)

// ttyRun runs this test binary as contacts in a HOME of its own.
type ttyRun struct {
	t   *testing.T
	bin string
	env []string
}

func newTTYRun(t *testing.T) *ttyRun {
	t.Helper()
	bin, err := os.Executable() // this test binary: named contacts, it runs cmd.Main
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	return &ttyRun{t: t, bin: bin, env: []string{"HOME=" + home, "PATH=/usr/bin:/bin", "TERM=xterm",
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_DATA_HOME=" + filepath.Join(home, ".local", "share")}}
}

func (r *ttyRun) command(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, r.bin, args...)
	c.Args[0] = "contacts"
	c.Env = r.env
	return c
}

// run runs contacts with stdin, piped: no terminal.
func (r *ttyRun) run(stdin string, args ...string) (stdout, stderr string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := r.command(ctx, args...)
	c.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Run(); err != nil {
		r.t.Fatalf("contacts %q: %v: %s", args, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// pty runs contacts with its standard streams on a pseudo-terminal of
// cols columns, and returns what the terminal showed and the exit status.
// input is typed once the command has started.
func (r *ttyRun) pty(cols uint16, input string, args ...string) (string, int) {
	r.t.Helper()
	if runtime.GOOS == "windows" {
		r.t.Skip("no pseudo-terminals")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := r.command(ctx, args...)
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 50, Cols: cols})
	if err != nil {
		r.t.Skipf("no pseudo-terminal: %v", err)
	}
	defer f.Close()
	if input != "" {
		f.Write([]byte(input))
	}
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, f) // ends with EIO when the command has exited
		close(done)
	}()
	err = c.Wait()
	drain(f, done)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("contacts %q: %v", args, err)
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), code
}

// drain closes f, the master of a pseudo-terminal whose command has
// exited, once its reader (done) has read all the command wrote: the read
// ends with EIO when the terminal's buffer is empty and no process holds
// it. Closing it before would throw away what the command wrote last
// (the README test lost an "echo $?" that way). A command's child that
// still holds the terminal is given a minute.
func drain(f *os.File, done <-chan struct{}) {
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
	f.Close()
	<-done
}

// longBook imports n contacts whose every field is long.
func (r *ttyRun) longBook(n int) {
	r.t.Helper()
	var csv strings.Builder
	csv.WriteString("name,email,phone,company_name,note\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "Bartholomew Aloysius Longname-Smythe %d,bartholomew.longname.%d@example.com,+45 20 12 %02d %02d,Very Long Company Name Holdings ApS,\"Always asks for the engineering team, and then some more, 李小龍\"\n", i, i, i/100%100, i%100)
	}
	r.run(csv.String(), "import", "-", "--format", "csv")
}

// sgr matches the escapes that set colours and bold.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestListFitsTerminal: list on an 80-column pseudo-terminal prints a
// header and no line wider than 80 columns; the same listing piped is
// tab-separated values with no header and nothing cut.
func TestListFitsTerminal(t *testing.T) {
	r := newTTYRun(t)
	r.longBook(20)
	for _, cols := range []uint16{80, 60, 132} {
		out, code := r.pty(cols, "", "list")
		if code != 0 {
			t.Fatalf("list on a terminal: exit %d: %s", code, out)
		}
		if !strings.HasPrefix(out, "\x1b[1mID ") {
			t.Errorf("%d columns: the header is not in bold: %q", cols, out[:min(len(out), 40)])
		}
		out = sgr.ReplaceAllString(out, "")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 21 || !strings.HasPrefix(lines[0], "ID") {
			t.Fatalf("%d columns: %d lines, want a header and 20 rows:\n%s", cols, len(lines), out)
		}
		for _, l := range lines {
			if w := runewidth.StringWidth(l); w > int(cols) {
				t.Errorf("%d columns: a line of %d columns: %q", cols, w, l)
			}
		}
	}
	out, _ := r.run("", "list")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("piped: %d lines, want 20 rows and no header:\n%s", len(lines), out)
	}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 6 || !strings.HasPrefix(f[1], "Bartholomew Aloysius Longname-Smythe ") || !strings.HasSuffix(f[5], "李小龍") {
			t.Errorf("piped: not 6 whole tab-separated fields: %q", l)
		}
	}
}

// TestPromptsOnTerminal: on a terminal keys revoke and export over an
// existing file ask first, as rm does; only y goes ahead.
func TestPromptsOnTerminal(t *testing.T) {
	r := newTTYRun(t)
	id, _ := r.run("", "keys", "create", "--name", "front desk", "-o", "json", "--jq", ".id")
	id = strings.Trim(strings.TrimSpace(id), `"`)

	out, code := r.pty(80, "n\n", "keys", "revoke", id)
	if code != 1 || !strings.Contains(out, "Revoke API key "+id+" front desk?") || !strings.Contains(out, "nothing was revoked") {
		t.Errorf("keys revoke, answered n: exit %d:\n%s", code, out)
	}
	if keys, _ := r.run("", "keys", "list", "-o", "json"); !strings.Contains(keys, id) {
		t.Fatalf("the key was revoked all the same: %s", keys)
	}
	out, code = r.pty(80, "y\n", "keys", "revoke", id)
	if code != 0 {
		t.Errorf("keys revoke, answered y: exit %d:\n%s", code, out)
	}
	if keys, _ := r.run("", "keys", "list", "-o", "json"); strings.Contains(keys, id) {
		t.Errorf("the key is still there: %s", keys)
	}

	r.run("", "add", "--phone", "+4520123456", "--name", "Ann")
	file := filepath.Join(t.TempDir(), "mine.csv")
	os.WriteFile(file, []byte("my own work\n"), 0o600)
	out, code = r.pty(80, "\n", "export", "--output-file", file)
	if b, _ := os.ReadFile(file); code != 1 || string(b) != "my own work\n" || !strings.Contains(out, "mine.csv exists. Replace it with the export?") {
		t.Errorf("export over a file, answered nothing: exit %d, file %q:\n%s", code, b, out)
	}
	out, code = r.pty(80, "y\n", "export", "--output-file", file)
	if b, _ := os.ReadFile(file); code != 0 || !strings.Contains(string(b), "+4520123456") {
		t.Errorf("export over a file, answered y: exit %d, file %q:\n%s", code, b, out)
	}
}

// TestCompleteLowerCaseID: an id prefix typed in lower case completes, in
// lower case (the shell keeps only what starts with what was typed; ids
// are taken in any case).
func TestCompleteLowerCaseID(t *testing.T) {
	r := newTTYRun(t)
	id, _ := r.run("", "add", "--phone", "+4520123456", "--name", "Ann", "-o", "json", "--jq", ".id")
	id = strings.Trim(strings.TrimSpace(id), `"`)
	low := strings.ToLower(id)
	out, _ := r.run("", "__complete", "show", low[:4])
	if !strings.Contains(out, low+"\tAnn · +45 20 12 34 56\n") {
		t.Errorf("__complete show %s:\n%s", low[:4], out)
	}
	out, _ = r.run("", "__complete", "show", id[:4])
	if !strings.Contains(out, id+"\tAnn") {
		t.Errorf("__complete show %s:\n%s", id[:4], out)
	}
}
