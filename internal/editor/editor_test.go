package editor_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/editor"
)

// user is a scripted editor session: each run of the editor calls the next
// step with the file's text and writes back what the step returns.
type user struct {
	t     *testing.T
	steps []func(text string) string
	seen  []string // the text each run was given
	paths []string
}

func (u *user) run(path string) error {
	u.t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		u.t.Errorf("file to edit has mode %o, want 600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n := len(u.seen)
	u.seen = append(u.seen, string(b))
	u.paths = append(u.paths, path)
	if n >= len(u.steps) {
		u.t.Fatalf("editor run %d times, the script has %d steps; given:\n%s", n+1, len(u.steps), b)
	}
	out := u.steps[n](string(b))
	if out == "FAIL" {
		return errors.New(`editor "fake" exited with status 3`)
	}
	return os.WriteFile(path, []byte(out), 0o600)
}

func replace(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

func unchanged(s string) string { return s }

// applier stores an update on a copy of c like a book would, with the
// domain's validation, and can be told to fail.
type applier struct {
	c     *contacts.Contact
	calls []contacts.ContactUpdate
	fail  func(upd contacts.ContactUpdate) error
	// meanwhile, when not nil, is another writer's change, made once,
	// just before the first update is applied.
	meanwhile func(c *contacts.Contact)
}

// apply stores upd on the contact, if base is still the version stored.
func (a *applier) apply(base *contacts.Contact, upd contacts.ContactUpdate) (*contacts.Contact, error) {
	a.calls = append(a.calls, upd)
	if a.meanwhile != nil {
		a.meanwhile(a.c)
		a.meanwhile = nil
	}
	if a.fail != nil {
		if err := a.fail(upd); err != nil {
			return nil, err
		}
	}
	if contacts.ETag(base) != contacts.ETag(a.c) {
		return nil, &contacts.Error{Code: contacts.EPRECONDITION, Message: "changed since it was read"}
	}
	c, err := contacts.Prepare(a.c, upd, "")
	if err == nil {
		a.c = c
	}
	return c, err
}

func (a *applier) current() (*contacts.Contact, error) {
	c := *a.c
	return &c, nil
}

// session runs Edit with the scripted steps, in a temporary directory.
func session(t *testing.T, steps ...func(string) string) (*user, *applier, string, *contacts.Contact, bool, error) {
	t.Helper()
	dir := t.TempDir()
	u := &user{t: t, steps: steps}
	a := &applier{c: testContact()}
	e := &editor.Editor{Run: u.run, Dir: dir, Current: a.current}
	got, changed, err := e.Edit(testContact(), a.apply)
	if len(u.seen) != len(steps) {
		t.Errorf("editor ran %d times, want %d", len(u.seen), len(steps))
	}
	for _, p := range u.paths {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the file to edit %s is still there", p)
		}
	}
	return u, a, dir, got, changed, err
}

// rescueFiles lists the rescue files in dir.
func rescueFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "contacts-edit-"+testContact().ID+"-*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := os.ReadDir(dir)
	if len(all) != len(m) {
		t.Errorf("%s holds %d files, %d of them rescue files", dir, len(all), len(m))
	}
	return m
}

func TestEditChanges(t *testing.T) {
	u, a, dir, got, changed, err := session(t, func(s string) string {
		s = replace("name: Ann Smith", "name: Ann Jones")(s)
		return replace("note: Prefers email.", "note: |\n  Call after 10:00.\n  \"Urgent\" only: ✓\n")(s)
	})
	if err != nil || !changed {
		t.Fatalf("Edit: changed %v, err %v", changed, err)
	}
	if !strings.HasPrefix(u.seen[0], editor.Header) || !strings.Contains(u.seen[0], "# id: "+testContact().ID+"\n") {
		t.Errorf("the editor was given:\n%s", u.seen[0])
	}
	if len(a.calls) != 1 {
		t.Fatalf("apply called %d times", len(a.calls))
	}
	upd := a.calls[0]
	if upd.Email != nil || upd.Phone != nil || upd.CompanyName != nil || upd.Name == nil || upd.Note == nil {
		t.Errorf("update %+v, want name and note only", upd)
	}
	if *got.Name != "Ann Jones" || *got.Note != "Call after 10:00.\n\"Urgent\" only: ✓" {
		t.Errorf("got name %q, note %q", *got.Name, *got.Note)
	}
	if f := rescueFiles(t, dir); len(f) != 0 {
		t.Errorf("rescue files: %v", f)
	}
}

func TestEditNoChange(t *testing.T) {
	// Moving things around and re-quoting is no change.
	_, a, _, got, changed, err := session(t, replace(`phone: "+4520123456"`, `phone: +45 20 12 34 56 # same`))
	if err != nil || changed {
		t.Fatalf("Edit: changed %v, err %v", changed, err)
	}
	if len(a.calls) != 0 {
		t.Errorf("apply called: %+v", a.calls)
	}
	if got.ID != testContact().ID || !got.UpdatedAt.Equal(testContact().UpdatedAt) {
		t.Errorf("got %+v, want the contact unchanged", got)
	}
}

func TestEditInvalidThenFixed(t *testing.T) {
	u, a, dir, got, changed, err := session(t,
		replace(`phone: "+4520123456"`, `phone: "+45 2012"`+"\nname2: x"),
		func(s string) string { return replace("\nname2: x", "")(s) },
		func(s string) string {
			return replace("name: Ann Smith", "name: Ann Jones")(replace("\nphone: \"+45 2012\"", "\nphone: +45 20 12 34 57")(s))
		},
	)
	if err != nil || !changed {
		t.Fatalf("Edit: changed %v, err %v", changed, err)
	}
	// Run 2 shows the unknown key, on the line the user sees it.
	lines := strings.Split(u.seen[1], "\n")
	if !strings.HasPrefix(lines[0], `# error: line `) || !strings.Contains(lines[0], `unknown key "name2"`) {
		t.Fatalf("run 2 starts with %q", lines[0])
	}
	var at int
	for i, l := range lines {
		if l == "name2: x" {
			at = i + 1
		}
	}
	if want := "# error: line " + itoa(at) + ":"; !strings.HasPrefix(lines[0], want) {
		t.Errorf("error line %q does not name line %d", lines[0], at)
	}
	// Run 3 shows the domain's error instead, once, over the user's text.
	if !strings.HasPrefix(u.seen[2], "# error: phone: ") || strings.Count(u.seen[2], "# error:") != 1 {
		t.Errorf("run 3 was given:\n%s", u.seen[2])
	}
	if !strings.Contains(u.seen[2], `phone: "+45 2012"`) || !strings.Contains(u.seen[2], editor.Header) {
		t.Errorf("run 3 lost the user's text:\n%s", u.seen[2])
	}
	if len(a.calls) != 2 {
		t.Errorf("apply called %d times, want 2", len(a.calls))
	}
	if got.Phone != "+4520123457" || *got.Name != "Ann Jones" {
		t.Errorf("got %s %q", got.Phone, *got.Name)
	}
	if f := rescueFiles(t, dir); len(f) != 0 {
		t.Errorf("rescue files: %v", f)
	}
}

func TestEditConflictReopens(t *testing.T) {
	dir := t.TempDir()
	u := &user{t: t, steps: []func(string) string{
		replace(`phone: "+4520123456"`, `phone: "+4520123458"`),
		replace(`phone: "+4520123458"`, `phone: "+4520123459"`),
	}}
	a := &applier{c: testContact(), fail: func(upd contacts.ContactUpdate) error {
		if *upd.Phone == "+4520123458" {
			return &contacts.Error{Code: contacts.ECONFLICT, Field: "phone", Message: "phone: +4520123458 already belongs to contact 01ARZ3NDEKTSV4RRFFQ69G5FAV"}
		}
		return nil
	}}
	got, changed, err := (&editor.Editor{Run: u.run, Dir: dir}).Edit(testContact(), a.apply)
	if err != nil || !changed || got.Phone != "+4520123459" {
		t.Fatalf("Edit: %v %v %v", got, changed, err)
	}
	if !strings.HasPrefix(u.seen[1], "# error: phone: +4520123458 already belongs to contact 01ARZ3NDEKTSV4RRFFQ69G5FAV\n") {
		t.Errorf("run 2 was given:\n%s", u.seen[1])
	}
}

func TestEditGiveUpUnchanged(t *testing.T) {
	u, _, dir, _, _, err := session(t, replace(`phone: "+4520123456"`, `phone: "+45 2012"`), unchanged)
	var re *editor.RescueError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a RescueError", err)
	}
	if got := contacts.ErrorCode(err); got != contacts.EINVALID {
		t.Errorf("code %q, want invalid", got)
	}
	if got := contacts.ErrorField(err); got != "phone" {
		t.Errorf("field %q, want phone", got)
	}
	files := rescueFiles(t, dir)
	if len(files) != 1 || re.Path != files[0] {
		t.Fatalf("rescue files %v, error names %q", files, re.Path)
	}
	if !strings.Contains(err.Error(), "phone: ") || !strings.Contains(err.Error(), "edit abandoned, nothing was changed; your text is saved in "+re.Path) {
		t.Errorf("error %q", err)
	}
	b, _ := os.ReadFile(re.Path)
	if want := strings.Replace(u.seen[0], `phone: "+4520123456"`, `phone: "+45 2012"`, 1); string(b) != want {
		t.Errorf("rescue file holds:\n%s\nwant:\n%s", b, want)
	}
	if fi, _ := os.Stat(re.Path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("rescue file mode %o", fi.Mode().Perm())
	}
}

func TestEditCancelled(t *testing.T) {
	_, a, dir, _, _, err := session(t, func(string) string { return "" })
	if !errors.Is(err, editor.ErrCancelled) || contacts.ErrorCode(err) != contacts.EINTERNAL {
		t.Fatalf("err = %v", err)
	}
	if len(a.calls) != 0 || len(rescueFiles(t, dir)) != 0 {
		t.Errorf("apply calls %d, rescue files %v", len(a.calls), rescueFiles(t, dir))
	}
	// Only comments left is empty too.
	_, _, _, _, _, err = session(t, func(string) string { return editor.Header + "# name: x\n\n" })
	if !errors.Is(err, editor.ErrCancelled) {
		t.Fatalf("comments only: err = %v", err)
	}
}

func TestEditCancelledAfterError(t *testing.T) {
	_, _, dir, _, _, err := session(t, replace("email: ann@example.com", "email: not an address"), func(string) string { return "\n" })
	if !errors.Is(err, editor.ErrCancelled) {
		t.Fatalf("err = %v", err)
	}
	files := rescueFiles(t, dir)
	if len(files) != 1 || !strings.HasSuffix(err.Error(), "; your text is saved in "+files[0]) {
		t.Fatalf("rescue files %v, err %v", files, err)
	}
	if b, _ := os.ReadFile(files[0]); !strings.Contains(string(b), "email: not an address\n") || strings.Contains(string(b), "# error:") {
		t.Errorf("rescue file holds:\n%s", b)
	}
}

func TestEditorFails(t *testing.T) {
	_, a, dir, _, _, err := session(t, func(string) string { return "FAIL" })
	if err == nil || !strings.Contains(err.Error(), "exited with status 3; nothing was changed") || contacts.ErrorCode(err) != contacts.EINTERNAL {
		t.Fatalf("err = %v", err)
	}
	if len(a.calls) != 0 || len(rescueFiles(t, dir)) != 0 {
		t.Errorf("apply calls %d, rescue files %v", len(a.calls), rescueFiles(t, dir))
	}
	// After an error, the user's text is kept.
	_, _, dir, _, _, err = session(t, replace("name: Ann Smith", "name: Ann\x01"), func(string) string { return "FAIL" })
	files := rescueFiles(t, dir)
	if err == nil || len(files) != 1 || !strings.Contains(err.Error(), "status 3; nothing was changed; your text is saved in "+files[0]) {
		t.Fatalf("err = %v, rescue files %v", err, files)
	}
}

func TestEditApplyFails(t *testing.T) {
	dir := t.TempDir()
	u := &user{t: t, steps: []func(string) string{replace("name: Ann Smith", "name: Bo")}}
	a := &applier{c: testContact(), fail: func(contacts.ContactUpdate) error {
		return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", testContact().ID)
	}}
	_, _, err := (&editor.Editor{Run: u.run, Dir: dir}).Edit(testContact(), a.apply)
	if contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Fatalf("err = %v", err)
	}
	if files := rescueFiles(t, dir); len(files) != 1 || !strings.Contains(err.Error(), files[0]) {
		t.Errorf("err %v, rescue files %v", err, files)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRunner(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("runs sh")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "a file.yaml")
	if err := os.WriteFile(path, []byte("before"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A command line with options and shell syntax runs through sh, the
	// file as its last argument (even with a space in its name).
	var out, errOut strings.Builder
	run := editor.Runner(`printf '%s' "after" >`, strings.NewReader(""), &out, &errOut)
	if err := run(path); err != nil {
		t.Fatalf("run: %v (stderr %q)", err, errOut.String())
	}
	if b, _ := os.ReadFile(path); string(b) != "after" {
		t.Errorf("file holds %q", b)
	}
	err := editor.Runner("exit 3;", strings.NewReader(""), &out, &errOut)(path)
	if err == nil || err.Error() != `editor "exit 3;" exited with status 3` {
		t.Errorf("err = %v", err)
	}
}

// TestEditChangedMeanwhile: when the contact changed while the file was
// open, the editor does not overwrite it: it reopens with the contact as
// it is now shown above the user's text, and the next save applies the
// changes the user made to that version: the other writer's change to a
// field the user did not touch is kept.
func TestEditChangedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	a := &applier{c: testContact(), meanwhile: func(c *contacts.Contact) {
		email := "other@example.com"
		c.Email = &email
		c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	}}
	var seen []string
	steps := []func(string) string{
		replace("note: Prefers email.", "note: Call after 10."),
		unchanged, // the user has seen both, and saves
	}
	run := func(path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seen = append(seen, string(b))
		return os.WriteFile(path, []byte(steps[len(seen)-1](string(b))), 0o600)
	}
	e := &editor.Editor{Run: run, Dir: dir, Current: a.current}
	got, changed, err := e.Edit(testContact(), a.apply)
	if err != nil || !changed {
		t.Fatalf("Edit: %v, %v", changed, err)
	}
	if len(seen) != 2 || !strings.Contains(seen[1], "# error: the contact changed while you edited it") ||
		!strings.Contains(seen[1], "# error:   email: other@example.com") || !strings.Contains(seen[1], "note: Call after 10.") {
		t.Fatalf("second round shows:\n%s", seen[len(seen)-1])
	}
	if *got.Email != "other@example.com" || *got.Note != "Call after 10." {
		t.Errorf("got email %q note %q", *got.Email, *got.Note)
	}
}
