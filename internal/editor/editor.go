package editor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/phoneinc/contacts"
)

// ErrCancelled is returned when the user empties the file: nothing is
// changed.
var ErrCancelled = errors.New("edit cancelled: the file was empty; nothing was changed")

// Command returns the editor the user asked for: $VISUAL, else $EDITOR,
// else vi (notepad on Windows). getenv is os.Getenv, or a stand-in.
func Command(getenv func(string) string) string {
	for _, k := range []string{"VISUAL", "EDITOR"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	if runtime.GOOS == "windows" {
		return "notepad"
	}
	return "vi"
}

// Runner returns a function that runs editor on a file and waits for it,
// with the given standard streams (the terminal). The editor is a command
// line, as $EDITOR is: on Unix it runs through sh, so that
// EDITOR="code --wait", a quoted path with spaces or an editor given with
// options work as in git; on Windows it is split into words, with "…"
// quoting. An editor that exits with a non-zero status is an error.
func Runner(editor string, stdin io.Reader, stdout, stderr io.Writer) func(path string) error {
	return func(path string) error {
		var cmd *exec.Cmd
		if runtime.GOOS == "windows" {
			words := SplitCommand(editor)
			if len(words) == 0 {
				return fmt.Errorf("no editor: set VISUAL or EDITOR")
			}
			cmd = exec.Command(words[0], append(words[1:], path)...)
		} else {
			cmd = exec.Command("sh", "-c", editor+` "$@"`, editor, path)
		}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("editor %q exited with status %d", editor, ee.ExitCode())
		} else if err != nil {
			return fmt.Errorf("editor %q: %w", editor, err)
		}
		return nil
	}
}

// SplitCommand splits a command line into words at blanks, keeping text in
// double or single quotes together (quotes removed). It has no escapes, so
// Windows paths keep their backslashes.
func SplitCommand(s string) []string {
	var (
		words []string
		cur   strings.Builder
		inTok bool
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inTok = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inTok {
				words = append(words, cur.String())
				cur.Reset()
				inTok = false
			}
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if inTok {
		words = append(words, cur.String())
	}
	return words
}

// Editor edits one contact in a text editor.
type Editor struct {
	// Run runs the user's editor on the file at path and waits for it to
	// exit; an error means the editor failed (see Runner).
	Run func(path string) error
	// Dir is where the file to edit and a rescue file are made; "" means
	// os.TempDir().
	Dir string
	// Region reads national phone numbers when comparing the phone.
	Region string
	// Current, when not nil, reads the contact as it is now: when apply
	// says the contact changed while the file was open (EPRECONDITION),
	// the editor reopens on the user's text with the contact as it is now
	// shown above it, and the next save applies the user's changes over
	// that version. Without it, such an error ends the edit.
	Current func() (*contacts.Contact, error)
}

// RescueError is how an edit ends without a change after the user's text
// met an error: Err is why, and Path, when not "", is the rescue file that
// holds the user's text. It unwraps to Err, so an invalid edit given up
// still exits as invalid input.
type RescueError struct {
	Err  error
	Path string
	// abandoned is set when the user gave up by saving after an error.
	abandoned bool
}

func (e *RescueError) Error() string {
	msg := e.Err.Error()
	if e.abandoned {
		msg += "; edit abandoned, nothing was changed"
	}
	if e.Path != "" {
		msg += "; your text is saved in " + e.Path
	}
	return msg
}

func (e *RescueError) Unwrap() error { return e.Err }

// Edit edits c: it writes the file (mode 0600, removed afterwards), runs
// the editor, reads the file back and, when a field changed, calls apply
// with the version of the contact the user edited (for its ETag) and the
// update of the changed fields. apply validates and stores it; an
// error from Parse or one from apply coded EINVALID or ECONFLICT reopens
// the editor on the user's text with the error at the top.
//
// It returns the contact as apply returned it and true, or c and false
// when nothing changed. The user gives up by emptying the file
// (ErrCancelled), by saving it unchanged after an error (a RescueError
// wrapping that error), or when the editor fails. On giving up after an
// error, text of the user's that differs from c's file is saved to a
// rescue file (mode 0600) named in the RescueError.
func (e *Editor) Edit(c *contacts.Contact, apply func(base *contacts.Contact, upd contacts.ContactUpdate) (*contacts.Contact, error)) (*contacts.Contact, bool, error) {
	original := Render(c)
	file, err := os.CreateTemp(e.Dir, "contacts-"+c.ID+"-*.yaml")
	if err != nil {
		return nil, false, fmt.Errorf("file to edit: %w", err)
	}
	path := file.Name()
	defer os.Remove(path)
	if err := file.Close(); err != nil {
		return nil, false, fmt.Errorf("file to edit: %w", err)
	}

	var (
		shown   = original // what the editor opens: the user's text, annotated
		body    = original // the user's last text, without error lines
		lastErr error      // the error shown at the top of shown, if any
		// base is the version of the contact the user's changes apply to:
		// c, until another writer saves it while the file is open. The
		// user's changes are always what their text changed from c.
		base = c
	)
	for {
		// An editor may have replaced the file (write to a new file,
		// rename): make it private again before the next round.
		if err := os.WriteFile(path, shown, 0o600); err != nil {
			return nil, false, fmt.Errorf("file to edit: %w", err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, false, fmt.Errorf("file to edit: %w", err)
		}
		if err := e.Run(path); err != nil {
			if lastErr == nil {
				return nil, false, fmt.Errorf("%w; nothing was changed", err)
			}
			text := body
			if b, rerr := os.ReadFile(path); rerr == nil && !Blank(StripErrors(b)) {
				text = StripErrors(b)
			}
			return nil, false, e.rescue(c, original, text, &RescueError{Err: fmt.Errorf("%w; nothing was changed", err)})
		}
		saved, err := os.ReadFile(path)
		if err != nil {
			return nil, false, fmt.Errorf("read the edited file: %w", err)
		}
		text := StripErrors(saved)
		if Blank(text) {
			if lastErr == nil {
				return nil, false, ErrCancelled
			}
			return nil, false, e.rescue(c, original, body, &RescueError{Err: ErrCancelled})
		}
		if lastErr != nil && bytes.Equal(text, body) {
			return nil, false, e.rescue(c, original, body, &RescueError{Err: lastErr, abandoned: true})
		}
		body = text

		f, err := Parse(text, c)
		if err == nil {
			upd := Diff(c, f, e.Region)
			if upd.Empty() {
				return c, false, nil
			}
			var got *contacts.Contact
			if got, err = apply(base, upd); err == nil {
				return got, true, nil
			}
			if contacts.ErrorCode(err) == contacts.EPRECONDITION && e.Current != nil {
				// Another writer saved the contact meanwhile: show the user
				// both, and let the next save apply their text over the
				// version they have now seen.
				cur, cerr := e.Current()
				if cerr != nil {
					return nil, false, e.rescue(c, original, body, &RescueError{Err: cerr})
				}
				base = cur
				shown = Annotate(body, changedMeanwhile(cur))
				continue
			}
			if code := contacts.ErrorCode(err); code != contacts.EINVALID && code != contacts.ECONFLICT {
				// Not the user's to fix in the file (the contact is gone,
				// the book failed): stop, keeping their text.
				return nil, false, e.rescue(c, original, body, &RescueError{Err: err})
			}
		}
		lastErr = err
		shown = Annotate(body, err)
	}
}

// changedMeanwhile is what the editor says when the contact changed while
// the file was open: the contact as it is now, field by field, above the
// user's text.
func changedMeanwhile(cur *contacts.Contact) error {
	var b strings.Builder
	b.WriteString("the contact changed while you edited it (someone else saved it); it is now:\n")
	for _, line := range strings.Split(strings.TrimRight(string(renderFields(cur)), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("your text is below, as you wrote it: save to apply the changes you made in it to the contact as it is now\n(a field you changed wins over theirs), or empty the file to cancel")
	return errors.New(b.String())
}

// rescue saves text to a rescue file when it differs from the original
// file, sets re.Path, and returns re. If the rescue file cannot be made,
// that is said in the error too.
func (e *Editor) rescue(c *contacts.Contact, original, text []byte, re *RescueError) error {
	if bytes.Equal(text, original) {
		return re
	}
	f, err := os.CreateTemp(e.Dir, "contacts-edit-"+c.ID+"-*.yaml")
	if err != nil {
		re.Err = fmt.Errorf("%w (and your text could not be saved: %v)", re.Err, err)
		return re
	}
	_, werr := f.Write(text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(f.Name())
		re.Err = fmt.Errorf("%w (and your text could not be saved: %v)", re.Err, werr)
		return re
	}
	re.Path = f.Name()
	return re
}
