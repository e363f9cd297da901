package cmd_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// The book-file tests (docs/RELIABILITY.md, "Hardening, round two: the
// book files"): the real binary on foreign files, read-only media and a
// full disk.

// userRun runs contacts processes as the user a test means. As root, whom
// a file's mode does not stop, that is the user nobody, with a copy of the
// binary that nobody may run; otherwise it is this process's user.
type userRun struct {
	t      *testing.T
	root   string // a directory every user may enter: the binary, the books
	bin    string
	env    []string
	nobody bool
}

// newUserRun makes the test's root directory (mode 0755) and the runner.
// It skips the test when root cannot run a process as nobody.
func newUserRun(t *testing.T) *userRun {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("file modes and users")
	}
	root, err := os.MkdirTemp("", "contacts-files-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	os.Chmod(root, 0o755)
	u := &userRun{t: t, root: root, nobody: os.Geteuid() == 0}
	u.bin, err = os.Executable() // this test binary: named contacts, it runs cmd.Main
	if err != nil {
		t.Fatal(err)
	}
	if u.nobody {
		b, err := os.ReadFile(u.bin)
		if err != nil {
			t.Fatal(err)
		}
		u.bin = filepath.Join(root, "contacts")
		if err := os.WriteFile(u.bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	home := filepath.Join(root, "home")
	os.Mkdir(home, 0o700)
	u.own(home)
	u.env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "share"), "PATH=/usr/bin:/bin"}
	if code, _, stderr := u.run("", "--version"); code != 0 {
		t.Skipf("cannot run contacts as the test's user: exit %d: %s", code, stderr)
	}
	return u
}

// own gives paths to the user the commands run as.
func (u *userRun) own(paths ...string) {
	u.t.Helper()
	if !u.nobody {
		return
	}
	for _, p := range paths {
		if err := os.Lchown(p, nobody, nobody); err != nil {
			u.t.Skipf("running as root, and cannot give %s to nobody: %v", p, err)
		}
	}
}

func (u *userRun) command(args ...string) *exec.Cmd {
	c := exec.Command(u.bin, args...)
	c.Args[0] = "contacts"
	c.Env = u.env
	if u.nobody {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	return c
}

// run runs contacts with args and stdin, and returns its exit status and
// output. A command that does not end within a generous deadline (a FIFO
// opened for reading blocks) fails the test.
func (u *userRun) run(stdin string, args ...string) (int, string, string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := u.command(args...)
	c.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Start(); err != nil {
		u.t.Fatalf("start contacts: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		c.Process.Kill()
		<-done
		u.t.Fatalf("%q did not end in 60 s (it hangs)", args)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stdout.String(), stderr.String()
	} else if err != nil {
		u.t.Fatalf("%q: %v", args, err)
	}
	return 0, stdout.String(), stderr.String()
}

// entryState is what a test checks to be untouched in a data directory:
// each entry's mode and content (a file's bytes, a directory's names, a
// link's target and the target's bytes).
func entryState(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return "missing"
	}
	s := fi.Mode().String()
	switch {
	case fi.Mode().IsRegular():
		b, err := os.ReadFile(path)
		if err != nil {
			return s + " unreadable"
		}
		return fmt.Sprintf("%s %x", s, sha256.Sum256(b))
	case fi.IsDir():
		entries, _ := os.ReadDir(path)
		for _, e := range entries {
			s += " " + e.Name() + "=" + entryState(filepath.Join(path, e.Name()))
		}
	case fi.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		s += " -> " + target + " " + entryState(target)
	}
	return s
}

// dirState is entryState of every entry of dir, by name.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		m[e.Name()] = entryState(filepath.Join(dir, e.Name()))
	}
	return m
}

// diffState describes how two dirStates differ, "" when they do not.
func diffState(before, after map[string]string) string {
	var diffs []string
	for name, s := range after {
		if b, ok := before[name]; !ok {
			diffs = append(diffs, name+" appeared")
		} else if b != s {
			diffs = append(diffs, name+" changed")
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			diffs = append(diffs, name+" disappeared")
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, ", ")
}

// bookWith makes a book at path with n contacts (+4520123456 first), a
// key, and closes it. It returns the key's id.
func bookWith(t *testing.T, path string, n int) string {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		nc := contacts.NewContact{Phone: fmt.Sprintf("+45201234%02d", 56+i), Name: "Ann", Note: strings.Repeat("note ", 100)}
		if _, err := db.CreateContact(ctx, nc); err != nil {
			t.Fatal(err)
		}
	}
	k, _, err := db.CreateKey(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// sqlExec runs statements on an SQLite file as another program would.
func sqlExec(t *testing.T, path, stmts string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmts); err != nil {
		t.Fatal(err)
	}
}

// foreignBookCommands are every command that opens a book, with what they
// need; {key} is an API key id.
var foreignBookCommands = []struct {
	stdin string
	args  []string
}{
	{"", []string{"list"}},
	{"", []string{"show", "+4520123456"}},
	{"", []string{"add", "--phone", "+4520999999"}},
	{"", []string{"edit", "+4520123456", "--name", "Bo"}},
	{"", []string{"rm", "--yes", "+4520123456"}},
	{"", []string{"lookup", "+4520123456"}},
	{"+4520123456\n", []string{"lookup", "-"}},
	{"", []string{"search", "Ann"}},
	{"", []string{"export"}},
	{"", []string{"import", "{import}"}},
	{"", []string{"label", "{log}", "--column", "from"}},
	{"", []string{"keys", "create"}},
	{"", []string{"keys", "list"}},
	{"", []string{"keys", "revoke", "--yes", "{key}"}},
}

// TestForeignBooks runs every command, and a request to `contacts serve`,
// on every kind of file that can sit where a book belongs and is not a
// good book: each is refused with exit 1 and one line on stderr that names
// the file (a 401 or 500 from the server), nothing panics or hangs, and
// every file is left as it was, its mode included, with nothing new beside
// it.
func TestForeignBooks(t *testing.T) {
	u := newUserRun(t)
	data := filepath.Join(u.root, "books")
	elsewhere := filepath.Join(u.root, "elsewhere")
	os.MkdirAll(data, 0o700)
	os.MkdirAll(elsewhere, 0o700)
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	kinds := []struct {
		name string
		make func(t *testing.T, path string) // makes the company's file at path
	}{
		{"random", func(t *testing.T, path string) { os.WriteFile(path, random, 0o600) }},
		{"text", func(t *testing.T, path string) {
			os.WriteFile(path, []byte(strings.Repeat("name,phone\nAnn,+4520123456\n", 1000)), 0o600)
		}},
		{"othersqlite", func(t *testing.T, path string) {
			sqlExec(t, path, `CREATE TABLE contacts (id INTEGER PRIMARY KEY, phone TEXT); INSERT INTO contacts VALUES (1, '+4520123456')`)
		}},
		{"version9999", func(t *testing.T, path string) { sqlExec(t, path, `PRAGMA user_version = 9999`) }},
		{"newer", func(t *testing.T, path string) {
			bookWith(t, path, 1)
			sqlExec(t, path, `PRAGMA user_version = 99`)
		}},
		{"tablemissing", func(t *testing.T, path string) {
			bookWith(t, path, 1)
			sqlExec(t, path, `DROP TABLE contacts`)
		}},
		{"truncated", func(t *testing.T, path string) {
			bookWith(t, path, 40)
			fi, _ := os.Stat(path)
			os.Truncate(path, fi.Size()/2)
		}},
		{"directory", func(t *testing.T, path string) {
			os.Mkdir(path, 0o700)
			os.WriteFile(filepath.Join(path, "inside"), []byte("x"), 0o600)
			u.own(filepath.Join(path, "inside"))
		}},
		{"symlink", func(t *testing.T, path string) {
			target := filepath.Join(elsewhere, "victim.db")
			bookWith(t, target, 1)
			u.own(target)
			if err := os.Symlink(target, path); err != nil {
				t.Skipf("no symbolic links: %v", err)
			}
		}},
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}},
		{"unreadable", func(t *testing.T, path string) {
			bookWith(t, path, 1)
			if !u.nobody {
				os.Chmod(path, 0) // its owner may not read it either
			}
		}},
		{"garbagewal", func(t *testing.T, path string) {
			bookWith(t, path, 1)
			os.WriteFile(path+"-wal", random[:8192], 0o600)
			u.own(path + "-wal")
		}},
	}
	keyID := contacts.NewID()
	for _, k := range kinds {
		path := filepath.Join(data, k.name+".db")
		k.make(t, path)
		if k.name != "unreadable" {
			u.own(path)
		}
	}
	u.own(data, elsewhere)
	importFile, logFile := filepath.Join(u.root, "rows.csv"), filepath.Join(u.root, "calls.csv")
	os.WriteFile(importFile, []byte("name,phone\nAnn,+4520123456\n"), 0o644)
	os.WriteFile(logFile, []byte("from,to\n+4520123456,+4520123457\n"), 0o644)
	before, beforeElsewhere := dirState(t, data), dirState(t, elsewhere)

	for _, k := range kinds {
		path := filepath.Join(data, k.name+".db")
		t.Run(k.name, func(t *testing.T) {
			for _, c := range foreignBookCommands {
				args := make([]string, len(c.args))
				for i, a := range c.args {
					args[i] = strings.NewReplacer("{import}", importFile, "{log}", logFile, "{key}", keyID).Replace(a)
				}
				args = append(args, "--data-dir", data, "--company", k.name)
				code, stdout, stderr := u.run(c.stdin, args...)
				if code != 1 {
					t.Errorf("%q: exit %d, want 1: %s", c.args, code, stderr)
				}
				if lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(stderr, "contacts: ") || !strings.Contains(stderr, path) {
					t.Errorf("%q: want one line naming %s, got %q", c.args, path, stderr)
				}
				if out := stdout + stderr; strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
					t.Errorf("%q: a Go panic: %s", c.args, out)
				}
			}
		})
	}

	// The server, asked for each company with a key of the company.
	t.Run("serve", func(t *testing.T) {
		logPath := filepath.Join(u.root, "serve.log")
		logf, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		c := u.command("serve", "--addr", "127.0.0.1:0", "--data-dir", data)
		c.Stdout, c.Stderr = logf, logf
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { c.Wait(); close(exited) }()
		defer func() { c.Process.Kill(); <-exited }()
		url, err := waitListen(logPath, 0, startTimeout, exited)
		if err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Timeout: 60 * time.Second}
		for _, k := range kinds {
			secret, err := contacts.NewAPIKeySecret(k.name)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", url+"/v1/contacts?phone=%2B4520123456", nil)
			req.Header.Set("X-Api-Key", secret)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", k.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusInternalServerError || !bytes.HasPrefix(body, []byte(`{"error"`)) {
				t.Errorf("%s: %d %s, want a JSON 401 or 500", k.name, resp.StatusCode, body)
			}
		}
		b, _ := os.ReadFile(logPath)
		if strings.Contains(string(b), "panic") || strings.Contains(string(b), "goroutine") {
			t.Errorf("the server panicked:\n%s", b)
		}
	})

	if d := diffState(before, dirState(t, data)); d != "" {
		t.Errorf("the data directory changed: %s", d)
	}
	if d := diffState(beforeElsewhere, dirState(t, elsewhere)); d != "" {
		t.Errorf("the symbolic link's target's directory changed: %s", d)
	}
}

// as returns a runner like u that runs commands as nobody (when root) or
// as this process's user.
func (u *userRun) as(nobody bool) *userRun {
	v := *u
	v.nobody = nobody && os.Geteuid() == 0
	return &v
}

// mountTmpfs mounts a tmpfs of size bytes at dir, unmounted when the test
// ends; it skips the test where that is not permitted.
func mountTmpfs(t *testing.T, dir string, size int) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs Linux and root")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount -t tmpfs not permitted: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// withWAL makes a book at dst with a contact in the file itself and
// another (+4520123499, "In the WAL") only in its write-ahead log, with
// the book's -shm when shm: a book as a writer that was killed leaves it.
// It copies the files of a book that another connection holds open.
func withWAL(t *testing.T, dst string, shm bool) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.db")
	bookWith(t, src, 1)
	holder, err := sql.Open("sqlite", "file:"+src+"?_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetMaxOpenConns(1)
	if _, err := holder.Exec(`SELECT count(*) FROM contacts`); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateContact(context.Background(), contacts.NewContact{Phone: "+4520123499", Name: "In the WAL"}); err != nil {
		t.Fatal(err)
	}
	db.Close() // not the last connection: the change stays in the -wal
	sides := []string{"", "-wal"}
	if shm {
		sides = append(sides, "-shm")
	}
	for _, side := range sides {
		b, err := os.ReadFile(src + side)
		if err != nil {
			t.Fatal(err)
		}
		if side == "-wal" && len(b) == 0 {
			t.Fatal("the -wal is empty")
		}
		if err := os.WriteFile(dst+side, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// readCommandsOK are the reads of a book holding +4520123456 (Ann), and
// writeCommandsRefused the writes, {key} a key's id, {import} a CSV file.
var (
	readCommandsOK = []struct {
		stdin string
		args  []string
	}{
		{"", []string{"list"}}, {"", []string{"show", "+4520123456"}}, {"", []string{"lookup", "+4520123456"}},
		{"+4520123456\n", []string{"lookup", "-"}}, {"", []string{"search", "Ann"}}, {"", []string{"export"}},
		{"", []string{"keys", "list"}}, {"", []string{"list", "-o", "json"}},
	}
	writeCommandsRefused = [][]string{
		{"add", "--phone", "+4520999999"}, {"edit", "+4520123456", "--name", "Bo"}, {"rm", "--yes", "+4520123456"},
		{"import", "{import}"}, {"keys", "create"}, {"keys", "revoke", "--yes", "{key}"},
	}
)

// checkReadOnly runs the reads, which must work, and the writes, which
// must be refused naming the book and saying why (why), on company's book
// in data; and, when newWhy is not "", a write to a new company, refused
// naming its file and saying newWhy.
func checkReadOnly(t *testing.T, u *userRun, data, company, keyID, why, newWhy string) {
	t.Helper()
	path := filepath.Join(data, company+".db")
	importFile := filepath.Join(u.root, "rows.csv")
	os.WriteFile(importFile, []byte("name,phone\nCy,+4520123458\n"), 0o644)
	for _, c := range readCommandsOK {
		code, stdout, stderr := u.run(c.stdin, append(c.args, "--data-dir", data, "--company", company)...)
		if code != 0 || !strings.Contains(stdout, "+45") && c.args[0] != "keys" {
			t.Errorf("%q on a read-only book: exit %d: %s%s", c.args, code, stdout, stderr)
		}
	}
	commands := writeCommandsRefused
	if newWhy != "" {
		commands = append(commands, []string{"add", "--phone", "+4520999999", "--company", "newco"})
	}
	for _, args := range commands {
		args = append([]string{}, args...)
		want, why := path, why
		for i, a := range args {
			args[i] = strings.NewReplacer("{import}", importFile, "{key}", keyID).Replace(a)
		}
		if args[len(args)-1] == "newco" {
			want, why = filepath.Join(data, "newco.db"), newWhy
		} else {
			args = append(args, "--company", company)
		}
		code, _, stderr := u.run("", append(args, "--data-dir", data)...)
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, why) {
			t.Errorf("%q: exit %d, want 1 and one line naming %s and saying %q: %s", args, code, want, why, stderr)
		}
	}
}

// TestReadOnlyBooks: books can be read where they cannot be written (a
// read-only mount, a directory the user cannot create files in, a file
// the user may not write), and a write there is refused, naming the file
// and the reason; a book the user may not read says so. Nothing is
// changed or made.
func TestReadOnlyBooks(t *testing.T) {
	u := newUserRun(t)
	t.Run("ReadOnlyMount", func(t *testing.T) {
		u := u.as(false) // root too: a read-only mount stops everyone
		mnt := filepath.Join(u.root, "mnt")
		mountTmpfs(t, mnt, 8<<20)
		keyID := bookWith(t, filepath.Join(mnt, "acme.db"), 1)
		withWAL(t, filepath.Join(mnt, "walshm.db"), true)
		withWAL(t, filepath.Join(mnt, "walonly.db"), false)
		if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
			t.Skipf("remount read-only: %v: %s", err, out)
		}
		before := dirState(t, mnt)
		checkReadOnly(t, u, mnt, "acme", keyID, "read-only file system", "read-only file system")
		// A book whose -wal holds committed changes is read with them,
		// where its -shm is there; without one, SQLite cannot read the
		// -wal on a read-only mount, and the error says so.
		code, stdout, stderr := u.run("", "lookup", "+4520123499", "--data-dir", mnt, "--company", "walshm")
		if code != 0 || !strings.Contains(stdout, "In the WAL") {
			t.Errorf("a change in the -wal of a read-only book: exit %d: %s%s", code, stdout, stderr)
		}
		code, _, stderr = u.run("", "list", "--data-dir", mnt, "--company", "walonly")
		if code != 1 || !strings.Contains(stderr, filepath.Join(mnt, "walonly.db")) || !strings.Contains(stderr, "walonly.db-wal") {
			t.Errorf("a read-only book with a -wal and no -shm: exit %d, want 1 naming both: %s", code, stderr)
		}
		if d := diffState(before, dirState(t, mnt)); d != "" {
			t.Errorf("the read-only mount changed: %s", d)
		}
	})
	t.Run("ReadOnlyDirectory", func(t *testing.T) {
		u := u.as(true)
		data := filepath.Join(u.root, "rodir")
		keyID := bookWith(t, filepath.Join(data, "acme.db"), 1)
		u.own(data, filepath.Join(data, "acme.db"))
		os.Chmod(data, 0o500)
		defer os.Chmod(data, 0o700)
		before := dirState(t, data)
		checkReadOnly(t, u, data, "acme", keyID, "does not let you create files", "does not let you create files")
		if d := diffState(before, dirState(t, data)); d != "" {
			t.Errorf("the read-only directory changed: %s", d)
		}
	})
	t.Run("ReadOnlyFile", func(t *testing.T) {
		u := u.as(true)
		data := filepath.Join(u.root, "rofile")
		keyID := bookWith(t, filepath.Join(data, "acme.db"), 1)
		u.own(data, filepath.Join(data, "acme.db"))
		os.Chmod(filepath.Join(data, "acme.db"), 0o400)
		before := entryState(filepath.Join(data, "acme.db"))
		checkReadOnly(t, u, data, "acme", keyID, "permissions do not let you write it", "")
		if entryState(filepath.Join(data, "acme.db")) != before {
			t.Error("the read-only book changed")
		}
	})
	// A book of the previous schema (5: no prefix index in its search)
	// is read as it is, where it cannot be upgraded.
	t.Run("OlderSchema", func(t *testing.T) {
		u := u.as(true)
		data := filepath.Join(u.root, "older")
		path := filepath.Join(data, "acme.db")
		keyID := bookWith(t, path, 1)
		sqlExec(t, path, `DROP TABLE contacts_fts;
			CREATE VIRTUAL TABLE contacts_fts USING fts5(name, email, company_name, note,
				content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
			INSERT INTO contacts_fts (rowid, name, email, company_name, note)
				SELECT rid, name, email, company_name, note FROM contacts_search_source;
			PRAGMA user_version = 5`)
		u.own(data, path)
		os.Chmod(path, 0o400)
		before := entryState(path)
		checkReadOnly(t, u, data, "acme", keyID, "permissions do not let you write it", "")
		code, stdout, stderr := u.run("", "search", "a", "--data-dir", data, "--company", "acme")
		if code != 0 || !strings.Contains(stdout, "+45 20 12 34 56") {
			t.Errorf("a one-letter search of a schema 5 book: exit %d: %s%s", code, stdout, stderr)
		}
		if entryState(path) != before {
			t.Error("the read-only book changed")
		}
	})
	t.Run("AnotherUsersBook", func(t *testing.T) {
		u := u.as(true)
		data := filepath.Join(u.root, "theirs")
		bookWith(t, filepath.Join(data, "acme.db"), 1)
		os.Chmod(data, 0o755)
		if !u.nobody {
			os.Chmod(filepath.Join(data, "acme.db"), 0) // as another user's 0600 book is to this one
		}
		before := dirState(t, data)
		for _, args := range [][]string{{"list"}, {"add", "--phone", "+4520999999"}} {
			code, _, stderr := u.run("", append(args, "--data-dir", data, "--company", "acme")...)
			if code != 1 || !strings.Contains(stderr, filepath.Join(data, "acme.db")) || !strings.Contains(stderr, "permission denied") {
				t.Errorf("%q on a book the user may not read: exit %d, want 1 naming it and saying permission denied: %s", args, code, stderr)
			}
		}
		if d := diffState(before, dirState(t, data)); d != "" {
			t.Errorf("the directory changed: %s", d)
		}
	})
}

// TestDiskFull: a write on a full disk fails with exit 1 and an error that
// names the book and says the disk is full. A first write to a new
// company (add, import, keys create) leaves nothing behind, whatever
// space there was: it runs with more and more free space, from none to
// enough, and every run either makes a whole book or nothing. A write to
// an existing book changes nothing in it.
func TestDiskFull(t *testing.T) {
	u := newUserRun(t).as(false)
	mnt := filepath.Join(u.root, "mnt")
	const size = 1 << 20
	mountTmpfs(t, mnt, size)
	existing := filepath.Join(mnt, "acme.db")
	bookWith(t, existing, 1)
	importFile := filepath.Join(u.root, "rows.csv")
	var csv strings.Builder
	csv.WriteString("name,phone,note\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&csv, "Row %d,+45262%05d,%s\n", i, i, strings.Repeat("n", 100))
	}
	os.WriteFile(importFile, []byte(csv.String()), 0o644)

	// Fill the disk: a file as large as it can grow.
	fill := filepath.Join(mnt, "fill")
	f, err := os.Create(fill)
	if err != nil {
		t.Fatal(err)
	}
	full, err := io.Copy(f, zeros{})
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the disk: %v", err)
	}
	before := entryState(existing)
	code, _, stderr := u.run("", "add", "--phone", "+4520999999", "--note", strings.Repeat("x", 5000), "--data-dir", mnt, "--company", "acme")
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no space left on the device holding "+existing) {
		t.Errorf("add to a book on a full disk: exit %d, want 1 naming it and the full disk: %s", code, stderr)
	}
	if code, stdout, _ := u.run("", "list", "-o", "json", "--data-dir", mnt, "--company", "acme"); code != 0 || strings.Count(stdout, `"id"`) != 1 {
		t.Errorf("the book after a write on a full disk: exit %d: %s", code, stdout)
	}
	if entryState(existing) != before {
		t.Error("a write on a full disk changed the book")
	}

	writes := []struct {
		company string
		args    []string
	}{
		{"newadd", []string{"add", "--phone", "+4520999999", "--name", "New"}},
		{"newimport", []string{"import", importFile}},
		{"newkeys", []string{"keys", "create"}},
	}
	failed, made := map[string]int{}, map[string]int{}
	for free := int64(0); free <= full && len(made) < len(writes); free += 32 << 10 {
		if err := os.Truncate(fill, full-free); err != nil {
			t.Fatal(err)
		}
		for _, w := range writes {
			if made[w.company] > 0 {
				continue
			}
			path := filepath.Join(mnt, w.company+".db")
			code, _, stderr := u.run("", append(append([]string{}, w.args...), "--data-dir", mnt, "--company", w.company)...)
			switch {
			case code == 0:
				made[w.company]++
				if s := inspectBook(t, path); s.integrity != "ok" {
					t.Errorf("%s with %d KiB free: the book made is %+v", w.company, free>>10, s)
				}
			case code == 1 && strings.Count(stderr, "\n") == 1 && strings.Contains(stderr, "no space left on the device holding "+path):
				failed[w.company]++
			default:
				t.Errorf("%q with %d KiB free: exit %d, want 0, or 1 naming %s and the full disk: %s", w.args, free>>10, code, path, stderr)
			}
			if code != 0 {
				for name := range dirState(t, mnt) {
					if strings.HasPrefix(name, w.company+".") || strings.HasPrefix(name, "."+w.company+".") {
						t.Fatalf("%q with %d KiB free failed and left %s", w.args, free>>10, name)
					}
				}
			}
		}
	}
	for _, w := range writes {
		if failed[w.company] == 0 || made[w.company] == 0 {
			t.Errorf("%s: %d runs failed for want of space and %d made the book: the test did not cover both", w.company, failed[w.company], made[w.company])
		}
		t.Logf("%s: %d runs failed for want of space, leaving nothing; the next made the book", w.company, failed[w.company])
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
