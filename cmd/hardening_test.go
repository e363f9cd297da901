package cmd_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/cmd"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/store"
)

// The hostile-input tests (docs/RELIABILITY.md, "Hostile input"), for what
// hostile.txtar cannot write: terminal escapes, invalid UTF-8, oversized
// input, and traps in the file system.

// soak selects the long versions of the fault and load tests (make soak).
var soak = flag.Bool("soak", false, "run the long fault and load tests: 20 kills of a 100,000-row import and of a server, 10,000 concurrent operations")

// hardenDir makes a directory for a test's books and config, and points
// HOME and the XDG directories into it, with no CONTACTS_ setting from
// the environment, so that a test reads no real configuration.
func hardenDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "share"))
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "CONTACTS_") {
			t.Setenv(k, "")
		}
	}
	return dir
}

// runCLI runs the command line in-process, with stdin, on a terminal (all
// three streams) or not, and returns its exit status and output.
func runCLI(t *testing.T, tty bool, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetTTY(tty, tty, tty)
	code := cmd.Run(context.Background(), args, ios)
	return code, out.String(), errOut.String()
}

// rawTerminal returns the first character of s that a terminal would act
// on or that would reorder or hide text (contacts.Invisible: controls but
// newline and tab, format characters such as bidi controls and zero-width
// spaces, separators, tag characters), and invalid UTF-8. On a terminal, the bold and reset
// sequences of the table header and the line clearing of the progress bar
// are allowed: they are the program's own.
func rawTerminal(s string, tty bool) (int, string, bool) {
	for i := 0; i < len(s); {
		if tty && (strings.HasPrefix(s[i:], "\x1b[1m") || strings.HasPrefix(s[i:], "\x1b[0m") || strings.HasPrefix(s[i:], "\r\x1b[K")) {
			i += 4
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r != '\n' && r != '\t' && contacts.Invisible(r):
			return i, s[i : i+size], true
		}
		i += size
	}
	return 0, "", false
}

// hostileText holds what a terminal acts on: an OSC title change, a screen
// clear, a carriage return, backspace, DEL, an 8-bit CSI, a right-to-left
// override, an invalid byte, a line separator, and the invisible zero-width
// space, soft hyphen, word joiner and a tag character.
const hostileText = "Evil\x1b]0;owned\x07\x1b[2J\r\x08\x7f\u009b31m\u202egnp.exe\xff\u2028end\u200b\u00ad\u2060\U000e0041"

// hostileBook makes company's book in dir with one contact, +4520123456,
// and an API key, then writes text into the contact's name, email and
// company name and the key's label, and note into its note, straight into
// the file, past validation, as another program could. It returns the
// book's path and the contact's id.
func hostileBook(t *testing.T, dir, company, text, note string) (path, id string) {
	t.Helper()
	path, _ = store.Path(dir, company)
	bookWith(t, path, 1)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow(`SELECT id FROM contacts`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE contacts SET name = ?, email = ?, company_name = ?, note = ?`, text, text, text, note); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE api_keys SET name = ?`, text); err != nil {
		t.Fatal(err)
	}
	return path, id
}

// TestHostileTerminalOutput: no view of stored data, no import report and
// no error message that echoes its input lets a raw control character,
// bidi override or invalid byte reach the terminal, on a terminal or in a
// pipe, as a table or as JSON. The hostile text is written into the book
// directly (as another program could), past validation, into every stored
// field and an API key's label; and it is given as every argument.
func TestHostileTerminalOutput(t *testing.T) {
	dir := hardenDir(t)
	data := filepath.Join(dir, "books")
	_, id := hostileBook(t, data, "evil", hostileText, hostileText+"\nline\ttwo")

	// Files to import, each with the hostile text where a report may
	// quote it: a header, a cell, a vCard property, a JSON key and value.
	files := map[string]string{
		"header.csv": "name" + hostileText + ",tel" + hostileText + "\nA,1\n",
		"cells.csv":  "name,phone,email\n" + hostileText + ",+4520123457,x\nB," + hostileText + ",y\nC,+4520123458," + hostileText + "\nD,+4520123459,a,b\n",
		"card.vcf":   "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:" + hostileText + "\r\nTEL:" + hostileText + "\r\nX-" + hostileText + ":1\r\nEND:VCARD\r\nBEGIN:VCARD\r\n" + hostileText + "\r\n",
		"rows.json":  `[{"phone":"` + hostileText + `","name":"\u001b[2J"},{"` + hostileText + `":1},` + hostileText + `]`,
		"rows.jsonl": `{"phone":"+4520123457","created_at":"` + hostileText + `"}` + "\n" + `{"id":"` + hostileText + `","phone":"+4520123458"}` + "\n" + hostileText + "\n",
		"name" + strings.NewReplacer("/", "", "\x00", "").Replace(hostileText) + ".csv": "name,phone\n" + hostileText + ",+4520123457\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	book := []string{"--data-dir", data, "--company", "evil"}
	type run struct {
		stdin string
		args  []string
	}
	var runs []run
	for _, args := range [][]string{
		// Views of the stored text.
		{"list"}, {"show", id}, {"lookup", "+4520123456"}, {"search", "Evil"}, {"keys", "list"}, {"export"},
		{"edit", id, "--email", "ok@example.com"},
		// Arguments that error messages may echo.
		{"show", hostileText}, {"lookup", hostileText}, {"edit", hostileText, "--name", "x"}, {"rm", "--yes", hostileText},
		{"search", hostileText}, {"search", "\x1b\x07\u202e"}, {"add", "--phone", hostileText}, {"add", "--phone", "+4520123499", "--email", hostileText},
		{"add", "--phone", "+4520123499", "--name", hostileText}, {"edit", id, "--note", hostileText}, {"list", "--phone", hostileText},
		{"list", "--limit", hostileText}, {"keys", "revoke", "--yes", hostileText}, {"keys", "create", "--name", hostileText},
		{"export", "--format", hostileText}, {"import", filepath.Join(dir, hostileText)}, {"import", "--format", hostileText, "x"},
		{"import", "--on-conflict", hostileText, "x"}, {"label", filepath.Join(dir, hostileText), "--column", "x"},
		{"--company", hostileText, "list"}, {"--region", hostileText, "list"}, {"-o", hostileText, "list"},
		{"--config", filepath.Join(dir, hostileText), "list"}, {hostileText}, {"list", "--" + hostileText}, {"list", hostileText},
		{"--jq", hostileText, "list"}, {"--json", hostileText, "list"},
	} {
		runs = append(runs, run{"", args})
	}
	for name := range files {
		runs = append(runs, run{"", []string{"import", filepath.Join(dir, name)}}, run{"", []string{"import", "--dry-run", "--skip-invalid", filepath.Join(dir, name)}})
	}
	runs = append(runs, run{"+4520123456\n" + hostileText + "\n\n", []string{"lookup", "-"}})

	for _, r := range runs {
		for _, output := range []string{"table", "json"} {
			for _, tty := range []bool{false, true} {
				args := append(append(append([]string{}, r.args...), book...), "-o", output)
				code, stdout, stderr := runCLI(t, tty, r.stdin, args...)
				for stream, s := range map[string]string{"stdout": stdout, "stderr": stderr} {
					i, ch, ok := rawTerminal(s, tty)
					switch {
					case !ok:
					default:
						t.Errorf("%q (tty=%v): exit %d: raw %q at byte %d of %s:\n%q", args, tty, code, ch, i, stream, s)
					}
				}
			}
		}
	}
}

// TestHostileLabelOnTerminal: label copies a CSV call log and adds the
// names of the callers, a data format like export's CSV, so in a pipe or
// a file the cells are written as they are. On a terminal, the stored
// names it adds must not reach the screen raw, as no other view lets them.
func TestHostileLabelOnTerminal(t *testing.T) {
	dir := hardenDir(t)
	hostileBook(t, dir, "evil", hostileText, hostileText)
	log := "from,to\n+4520123456,\x1b]0;from the log\x07\n"
	args := []string{"label", "-", "--column", "from", "--data-dir", dir, "--company", "evil"}
	code, stdout, stderr := runCLI(t, false, log, args...)
	if code != 0 || !strings.Contains(stdout, hostileText) {
		t.Fatalf("in a pipe: exit %d, want the data as it is: %q %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, true, log, args...)
	if code != 0 {
		t.Fatalf("on a terminal: exit %d: %s", code, stderr)
	}
	if i, ch, ok := rawTerminal(stdout, true); ok {
		t.Errorf("label writes stored names and the log's cells raw on a terminal: %q at byte %d of %q", ch, i, stdout)
	}
}

// TestHostileOversized: fields and files past the limits are refused with
// exit 4, quickly and in bounded memory, and the messages about them stay
// short; at the limits they are accepted.
func TestHostileOversized(t *testing.T) {
	dir := hardenDir(t)
	book := []string{"--data-dir", filepath.Join(dir, "books")}
	// must runs a command and checks its exit status. Its message may
	// quote an argument (a REF, a company name) whole, but never a field
	// or a file's content: it stays under 2,000 bytes unless it quotes.
	must := func(want int, args ...string) string {
		t.Helper()
		code, _, stderr := runCLI(t, false, "", append(args, book...)...)
		if code != want {
			t.Fatalf("%.200q: exit %d, want %d: %.300s", args, code, want, stderr)
		}
		if quotes := args[0] == "show" || args[0] == "--company"; len(stderr) > 2000 && !quotes {
			t.Errorf("%.100q: a %d-byte error message", args, len(stderr))
		}
		return stderr
	}
	wide := "𝄞" // 4 bytes of UTF-8, one character
	must(0, "add", "--phone", "+4526000001", "--note", strings.Repeat(wide, contacts.MaxNoteLen))
	must(4, "add", "--phone", "+4526000002", "--note", strings.Repeat(wide, contacts.MaxNoteLen+1))
	must(0, "add", "--phone", "+4526000003", "--name", strings.Repeat("n", contacts.MaxNameLen), "--company-name", strings.Repeat("c", contacts.MaxCompanyNameLen))
	must(4, "add", "--phone", "+4526000004", "--name", strings.Repeat("n", contacts.MaxNameLen+1))
	must(4, "add", "--phone", "+4526000004", "--company-name", strings.Repeat("c", contacts.MaxCompanyNameLen+1))
	label := strings.Repeat("b", 61)
	email := strings.Repeat("a", 64) + "@" + label + "." + label + "." + label + ".com" // 254 bytes
	must(0, "add", "--phone", "+4526000005", "--email", email)
	must(4, "add", "--phone", "+4526000006", "--email", "a"+email)
	must(4, "add", "--phone", "+45"+strings.Repeat("2", 100_000))
	must(4, "lookup", "+45"+strings.Repeat("2", 100_000))
	must(3, "show", strings.Repeat("A", 100_000))
	must(0, "list", "--phone", strings.Repeat("9", 100_000))
	must(2, "--company", strings.Repeat("a", 100_000), "list")
	must(4, "keys", "create", "--name", strings.Repeat("k", contacts.MaxAPIKeyNameLen+1))

	// A note file of 1 GiB (sparse) is refused after reading a bounded
	// prefix of it.
	big := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(big, []byte("start"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 1<<30); err != nil {
		t.Fatal(err)
	}
	must(4, "add", "--phone", "+4526000007", "--note-file", big)

	// Import files with one 5 MiB record, in every format: refused,
	// naming the record, and nothing imported.
	huge := strings.Repeat("x", 5<<20)
	for name, content := range map[string]string{
		"huge.csv":   "name,phone\n" + huge + ",+4526000008\n",
		"huge.json":  `[{"phone":"+4526000008","note":"` + huge + `"}]`,
		"huge.jsonl": `{"phone":"+4526000008","note":"` + huge + `"}` + "\n",
		"huge.vcf":   "BEGIN:VCARD\r\nVERSION:4.0\r\nTEL:+4526000008\r\nNOTE:" + huge + "\r\nEND:VCARD\r\n",
		"open.csv":   "name,phone\n\"" + huge,
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if msg := must(4, "import", file); !strings.Contains(msg, "longer than 1 MiB") {
			t.Errorf("%s: %s", name, msg)
		}
	}
	code, out, _ := runCLI(t, false, "", append([]string{"lookup", "+4526000008"}, book...)...)
	if code != 3 {
		t.Errorf("a refused import wrote a contact: %d %s", code, out)
	}
	// lookup - with a 5 MiB line.
	code, _, stderr := runCLI(t, false, "+45"+strings.Repeat("2", 5<<20)+"\n", append([]string{"lookup", "-"}, book...)...)
	if code != 4 || len(stderr) > 2000 {
		t.Errorf("lookup - of a 5 MiB line: exit %d, %d bytes of error", code, len(stderr))
	}
}

// TestHostileInvalidUTF8: text that is not UTF-8 is refused (exit 4, or 2
// for a setting), never stored, wherever it comes in: arguments, a note
// file, import files of every format, a config file.
func TestHostileInvalidUTF8(t *testing.T) {
	dir := hardenDir(t)
	book := []string{"--data-dir", filepath.Join(dir, "books")}
	bad := "Bj\xf8rn \xff\xfe \xc0\xaf"
	for _, tc := range []struct {
		want int
		args []string
	}{
		{4, []string{"add", "--phone", "+4526000001", "--name", bad}},
		{4, []string{"add", "--phone", "+4526000001", "--note", bad}},
		{4, []string{"add", "--phone", "+4526000001", "--company-name", bad}},
		{4, []string{"add", "--phone", "+4526000001", "--email", "bj\xf8rn@example.com"}},
		{4, []string{"add", "--phone", "+45200000\xff01"}},
		{4, []string{"lookup", "+45200000\xff01"}},
		{2, []string{"search", "\xff\xfe"}},
		{2, []string{"--company", "acme\xff", "list"}},
		{2, []string{"--region", "D\xff", "list"}},
		{4, []string{"keys", "create", "--name", bad}},
	} {
		code, _, stderr := runCLI(t, false, "", append(tc.args, book...)...)
		if code != tc.want {
			t.Errorf("%q: exit %d, want %d: %s", tc.args, code, tc.want, stderr)
		}
		if _, ch, ok := rawTerminal(stderr, false); ok {
			t.Errorf("%q: raw %q in the error: %q", tc.args, ch, stderr)
		}
	}
	note := filepath.Join(dir, "note.txt")
	os.WriteFile(note, []byte(bad), 0o600)
	if code, _, stderr := runCLI(t, false, "", append([]string{"add", "--phone", "+4526000001", "--note-file", note}, book...)...); code != 4 {
		t.Errorf("--note-file with invalid UTF-8: exit %d: %s", code, stderr)
	}
	for name, content := range map[string]string{
		"bad.csv":   "name,phone\n" + bad + ",+4520000001\n",
		"bad.json":  "[{\"phone\":\"+4520000001\",\"name\":\"" + bad + "\"}]",
		"bad.jsonl": "{\"phone\":\"+4520000001\",\"name\":\"" + bad + "\"}\n",
		"bad.vcf":   "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:" + bad + "\r\nTEL:+4520000001\r\nEND:VCARD\r\n",
	} {
		file := filepath.Join(dir, name)
		os.WriteFile(file, []byte(content), 0o600)
		code, _, stderr := runCLI(t, false, "", append([]string{"import", file}, book...)...)
		if code != 4 || !strings.Contains(stderr, "UTF-8") {
			t.Errorf("import %s: exit %d, want 4 naming UTF-8: %s", name, code, stderr)
		}
	}
	if code, out, _ := runCLI(t, false, "", append([]string{"list", "-o", "json"}, book...)...); code != 0 || out != "[]\n" {
		t.Errorf("invalid UTF-8 was stored: %d %s", code, out)
	}
	cfg := filepath.Join(dir, "bad.yaml")
	os.WriteFile(cfg, []byte("company: \"acme\xff\"\n"), 0o600)
	if code, _, stderr := runCLI(t, false, "", append([]string{"--config", cfg, "list"}, book...)...); code != 1 && code != 2 || strings.Count(stderr, "\n") != 1 {
		t.Errorf("a config file with invalid UTF-8: exit %d: %q", code, stderr)
	}
}

// fileState is what a test checks to be untouched: bytes and mode.
type fileState struct {
	sum  [32]byte
	mode os.FileMode
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{sha256.Sum256(b), fi.Mode()}
}

// dirNames lists a directory's entries, "" joined.
func dirNames(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

var (
	readCommands  = [][]string{{"list"}, {"show", "+4520123456"}, {"lookup", "+4520123456"}, {"search", "Ann"}, {"export"}, {"keys", "list"}}
	writeCommands = [][]string{{"add", "--phone", "+4520123457"}, {"edit", "+4520123456", "--name", "B"}, {"rm", "--yes", "+4520123456"}, {"keys", "create"}}
)

// TestHostileFileSystem: a book that is a symbolic link, a directory or a
// FIFO, and a data directory that is a file, are refused with a clear
// error (exit 1), and nothing is touched: not the link's target, not the
// directory, not the file.
func TestHostileFileSystem(t *testing.T) {
	t.Run("BookIsSymlink", func(t *testing.T) {
		dir := hardenDir(t)
		data, elsewhere := filepath.Join(dir, "books"), filepath.Join(dir, "elsewhere")
		target := filepath.Join(elsewhere, "victim.db")
		bookWith(t, target, 1)
		os.MkdirAll(data, 0o700)
		if err := os.Symlink(target, filepath.Join(data, "acme.db")); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
		before, listing := stateOf(t, target), dirNames(t, elsewhere)
		for _, args := range append(append([][]string{}, readCommands...), writeCommands...) {
			code, _, stderr := runCLI(t, false, "", append(args, "--data-dir", data, "--company", "acme")...)
			if code != 1 || !strings.Contains(stderr, "symbolic link") {
				t.Errorf("%q on a symlinked book: exit %d: %s", args, code, stderr)
			}
		}
		if stateOf(t, target) != before || dirNames(t, elsewhere) != listing || dirNames(t, data) != "acme.db" {
			t.Errorf("the link's target or a directory changed: %s | %s", dirNames(t, elsewhere), dirNames(t, data))
		}
	})
	t.Run("BookIsDirectory", func(t *testing.T) {
		dir := hardenDir(t)
		data := filepath.Join(dir, "books")
		os.MkdirAll(filepath.Join(data, "acme.db"), 0o700)
		for _, args := range append(append([][]string{}, readCommands...), writeCommands...) {
			if code, _, stderr := runCLI(t, false, "", append(args, "--data-dir", data, "--company", "acme")...); code != 1 {
				t.Errorf("%q on a directory: exit %d: %s", args, code, stderr)
			}
		}
		if got := dirNames(t, data); got != "acme.db" {
			t.Errorf("the data directory now holds %s", got)
		}
	})
	t.Run("BookIsFIFO", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no FIFOs")
		}
		dir := hardenDir(t)
		data := filepath.Join(dir, "books")
		os.MkdirAll(data, 0o700)
		if err := syscall.Mkfifo(filepath.Join(data, "acme.db"), 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		// A FIFO blocks whoever opens it: the command must not open it.
		for _, args := range append(append([][]string{}, readCommands...), writeCommands...) {
			if code, _, stderr := runCLI(t, false, "", append(args, "--data-dir", data, "--company", "acme")...); code != 1 {
				t.Errorf("%q on a FIFO: exit %d: %s", args, code, stderr)
			}
		}
	})
	t.Run("DataDirIsFile", func(t *testing.T) {
		dir := hardenDir(t)
		file := filepath.Join(dir, "books")
		os.WriteFile(file, []byte("not a directory\n"), 0o600)
		before := stateOf(t, file)
		for _, args := range append(append([][]string{{"import", "-"}}, readCommands...), writeCommands...) {
			code, _, stderr := runCLI(t, false, "name,phone\nA,+4520123458\n", append(args, "--data-dir", file)...)
			// Reading a company that has no book is an empty book; what
			// matters is that nothing is made and nothing is lost.
			if code == 0 && args[0] != "list" && args[0] != "export" && args[0] != "keys" && args[0] != "search" {
				t.Errorf("%q with a data directory that is a file: exit 0", args)
			}
			if code == 1 && !strings.Contains(stderr, file) {
				t.Errorf("%q: the error does not name the path: %s", args, stderr)
			}
		}
		if stateOf(t, file) != before {
			t.Error("the file was changed")
		}
	})
}

// nobody is the user a root test runs the contacts process as, where
// chmod 0400 would not stop root from writing.
const nobody = 65534

// TestHostileReadOnlyBook: a book made read-only (chmod 0400) can still be
// read; a write is refused with exit 1 and changes no byte of the book;
// and once the mode is given back, writing works again. As root, whom a
// file mode does not stop, the commands run as the user nobody; where that
// is not possible the test is skipped.
func TestHostileReadOnlyBook(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not make a file read-only on Windows")
	}
	u := newUserRun(t)
	data := filepath.Join(u.root, "home", "books")
	path := filepath.Join(data, "default.db")
	bookWith(t, path, 1)
	u.own(data, path)
	contactsRun := func(args ...string) (int, string) {
		code, _, stderr := u.run("", append(args, "--data-dir", data)...)
		return code, stderr
	}
	if code, stderr := contactsRun("list"); code != 0 {
		t.Fatalf("list of the writable book: exit %d: %s", code, stderr)
	}
	os.Chmod(path, 0o400)
	before := stateOf(t, path)

	for _, args := range readCommands[:5] {
		if code, stderr := contactsRun(args...); code != 0 {
			t.Errorf("%q on a read-only book: exit %d: %s", args, code, stderr)
		}
	}
	var unclear []string
	for _, args := range writeCommands {
		code, stderr := contactsRun(args...)
		if code != 1 {
			t.Errorf("%q on a read-only book: exit %d, want 1: %s", args, code, stderr)
		}
		if !strings.Contains(stderr, path) {
			unclear = append(unclear, fmt.Sprintf("%q: %s", args, strings.TrimSpace(stderr)))
		}
	}
	if got := stateOf(t, path); got != before {
		t.Errorf("a read-only book changed")
	}
	listing := dirNames(t, data)

	// Give the mode back: the book must take writes again.
	os.Chmod(path, 0o600)
	code, stderr := contactsRun("add", "--phone", "+4520123458")
	var bugs []string
	if len(unclear) > 0 {
		bugs = append(bugs, "a write to a read-only book fails without naming the file: "+strings.Join(unclear, "; "))
	}
	if listing != "default.db" {
		bugs = append(bugs, fmt.Sprintf("reading a read-only book left %q in the data directory", listing))
	}
	if code != 0 {
		bugs = append(bugs, fmt.Sprintf("after chmod 0600, add still fails (exit %d: %s): SQLite made %s-shm read-only like the book, and it stays so", code, strings.TrimSpace(stderr), filepath.Base(path)))
	}
	if len(bugs) > 0 {
		t.Errorf("%s", strings.Join(bugs, "\n"))
	}
}
