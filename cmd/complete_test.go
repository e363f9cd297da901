package cmd_test

import (
	"context"
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
	"github.com/phoneinc/contacts/cmd"
)

// TestCompletionShells completes contacts in the real shells, as a user
// pressing TAB does, with the scripts `contacts completion` writes: a name
// completes to the contact's id, the beginning of an id in lower case to
// the id, a number to the number; a name that several contacts have lists
// them and leaves the word as typed. A shell that is not installed is
// skipped (scripts/test-deps.sh installs them).
func TestCompletionShells(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX shells and pseudo-terminals")
	}
	r := newTTYRun(t)
	bin := t.TempDir()
	if err := os.Symlink(r.bin, filepath.Join(bin, "contacts")); err != nil {
		t.Fatal(err)
	}
	r.env = append(r.env, "PATH="+bin+":/usr/bin:/bin", "LANG=C.UTF-8")
	add := func(phone, name string) string {
		out, _ := r.run("", "add", "--phone", phone, "--name", name, "-o", "json", "--jq", ".id")
		return strings.Trim(strings.TrimSpace(out), `"`)
	}
	niklas := add("+4520123456", "Niklas Hansen")
	anna := add("+4520123457", "Anna Hansen")
	ase := add("+4520123458", "Åse Møller")
	add("+4520123459", "Bo Berg")

	const list = -1 // TAB until the candidates are listed: twice in bash, once elsewhere
	cases := []struct {
		name, typed string
		tabs        int
		want        string   // the line after completion, upper-cased
		listed      []string // what the list of candidates shows
	}{
		{"name", "nik", 1, niklas, nil},
		{"two words", `niklas\ han`, 1, niklas, nil},
		{"accents", "ase", 1, ase, nil},
		{"id", strings.ToLower(ase[:24]), 1, ase, nil},
		{"number", "+452012345", list, "+452012345", []string{"Niklas Hansen", "Bo Berg"}},
		{"several", "hans", list, "HANS", []string{"Niklas Hansen", "Anna Hansen", niklas, anna}},
	}
	shells := []struct {
		name  string
		start func(dir string) *exec.Cmd
	}{
		{"bash", func(dir string) *exec.Cmd {
			rc := filepath.Join(dir, "bashrc")
			os.WriteFile(rc, []byte("PS1='READY> '\nsource /usr/share/bash-completion/bash_completion\nsource <(contacts completion bash)\n"), 0o644)
			return exec.Command("bash", "--noprofile", "--rcfile", rc, "-i")
		}},
		{"zsh", func(dir string) *exec.Cmd {
			os.WriteFile(filepath.Join(dir, ".zshrc"), []byte("PS1='READY> '\nautoload -U compinit; compinit -u -D\nsource <(contacts completion zsh)\n"), 0o644)
			c := exec.Command("zsh", "-i")
			c.Env = append(c.Env, "ZDOTDIR="+dir)
			return c
		}},
		{"fish", func(dir string) *exec.Cmd {
			return exec.Command("fish", "--no-config", "-i", "-C",
				"function fish_prompt; echo 'READY> '; end; set -g fish_autosuggestion_enabled 0; contacts completion fish | source")
		}},
	}
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			if _, err := exec.LookPath(sh.name); err != nil {
				t.Skipf("%s is not installed (scripts/test-deps.sh installs it)", sh.name)
			}
			if sh.name == "bash" {
				if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err != nil {
					t.Skip("the bash-completion package is not installed (scripts/test-deps.sh installs it)")
				}
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := sh.start(t.TempDir())
					// fish draws no list of candidates on a dumb terminal.
					term := "TERM=dumb"
					if sh.name == "fish" {
						term = "TERM=xterm"
					}
					c.Env = append(append(c.Env, r.env...), term)
					tabs := tc.tabs
					if tabs == list {
						tabs = 1
						if sh.name == "bash" {
							tabs = 2
						}
					}
					screen := typeInShell(t, c, tc.typed+strings.Repeat("\t", tabs))
					m := regexp.MustCompile(`CONTACTS SHOW ([^\s']*)`).FindStringSubmatch(screen)
					if m == nil || m[1] != strings.ToUpper(tc.want) {
						t.Errorf("contacts show %s⇥ became %q, want contacts show %s; the terminal showed:\n%s", tc.typed, m, tc.want, screen)
					}
					for _, l := range tc.listed {
						if !strings.Contains(screen, l) {
							t.Errorf("contacts show %s⇥ does not list %q; the terminal showed:\n%s", tc.typed, l, screen)
						}
					}
				})
			}
		})
	}
}

// typeInShell starts the interactive shell c on a pseudo-terminal, waits
// for its prompt (READY>), types "contacts show " and keys, then makes
// the shell print the line as it then stands, upper-cased (ctrl-A, echo,
// ctrl-E, | tr), and returns what the terminal showed once that is there.
func typeInShell(t *testing.T, c *exec.Cmd, keys string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer func() {
		c.Process.Kill()
		c.Wait()
		f.Close()
	}()
	out := &cmd.SyncBuffer{}
	go io.Copy(out, f)
	wait := func(what string, re *regexp.Regexp) {
		t.Helper()
		for !re.MatchString(out.String()) {
			select {
			case <-ctx.Done():
				t.Fatalf("the shell never showed %s; it showed:\n%s", what, out.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	wait("its prompt", regexp.MustCompile(`READY> `))
	fmt.Fprintf(f, "contacts show %s", keys)
	fmt.Fprint(f, "\x01echo \x05 | tr a-z A-Z\r")
	wait("the line", regexp.MustCompile(`CONTACTS SHOW [^\r\n]*[\r\n]`))
	return terminalEscapes.ReplaceAllString(out.String(), "")
}

// terminalEscapes are what a terminal acts on and does not show.
var terminalEscapes = regexp.MustCompile(`\r|\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[=>()][0-9A-B]?`)
