package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

// bookDeps are what a command that works on the configured book takes
// from the Factory, in its options.
type bookDeps struct {
	IO     *iostreams.IOStreams
	Config func() (*Config, error)
	Book   func(ctx context.Context, create bool) (contacts.Service, error)
}

func (f *Factory) bookDeps() bookDeps {
	return bookDeps{IO: f.IO, Config: f.Config, Book: f.Book}
}

// findRef opens the book and finds in it the contact that ref names (see
// resolveRef), for the commands that work on one contact.
func (d bookDeps) findRef(ctx context.Context, ref string) (*Config, contacts.Service, *contacts.Contact, error) {
	cfg, _ := d.Config()
	svc, err := d.Book(ctx, false)
	if err != nil {
		return cfg, nil, nil, err
	}
	c, err := resolveRef(ctx, svc, cfg, ref)
	return cfg, svc, c, err
}

// printContact writes one contact as JSON or as the detail view.
func printContact(ios *iostreams.IOStreams, cfg *Config, c *contacts.Contact, order []output.Field) error {
	if cfg.JSON() {
		return output.WriteJSON(ios.Out, c)
	}
	return output.WriteDetail(ios.Out, c, order)
}

// resolveRef finds the contact a REF names: its id in any case, or its
// phone number in any accepted form. A REF that is neither names no
// contact (ENOTFOUND).
func resolveRef(ctx context.Context, svc contacts.Service, cfg *Config, ref string) (*contacts.Contact, error) {
	if id, ok := contacts.ParseID(ref); ok {
		return svc.FindContactByID(ctx, id)
	}
	p, err := contacts.NormalizeCaller(ref, cfg.Region)
	if err != nil {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact matches %q: it is neither a contact id nor a phone number (%s)",
			ref, strings.TrimPrefix(err.Error(), "phone: "))
	}
	c, err := svc.FindContactByPhone(ctx, p.E164)
	if contacts.ErrorCode(err) == contacts.ENOTFOUND {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s", p.Formatted)
	}
	return c, err
}

// maxNoteFile bounds what --note-file reads: a note of 10,000 characters
// is at most 40,000 bytes of UTF-8, twice that with CRLF line endings.
const maxNoteFile = 8*contacts.MaxNoteLen + 1

// readNoteFile reads a note from a file, or from standard input for "-".
// Trailing newlines are dropped, as a shell's $(cat file) drops them.
func readNoteFile(path string, stdin io.Reader) (string, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		file, err := os.Open(path)
		if err != nil {
			return "", &contacts.Error{Code: contacts.EINVALID, Field: "note", Message: "note: " + err.Error()}
		}
		defer file.Close()
		r = file
	}
	b, err := io.ReadAll(io.LimitReader(r, maxNoteFile))
	if err != nil {
		return "", fmt.Errorf("read --note-file: %w", err)
	}
	if len(b) >= maxNoteFile {
		return "", contacts.FieldErrorf("note", "too long: more than %d characters", contacts.MaxNoteLen)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// noteFlags adds --note and --note-file, which exclude each other.
func noteFlags(cmd *cobra.Command, note, noteFile *string) {
	cmd.Flags().StringVar(note, "note", "", "free-form `text` (up to 10,000 characters; newlines kept)")
	cmd.Flags().StringVar(noteFile, "note-file", "", "read the note from `file` (- for standard input)")
}

// checkNoteFlags refuses --note with --note-file, and a --note-file that
// names no file: after it, a --note-file given is one that is not "".
func checkNoteFlags(cmd *cobra.Command, noteFile string) error {
	fl := cmd.Flags()
	switch {
	case fl.Changed("note") && fl.Changed("note-file"):
		return usageErrorf("--note and --note-file cannot be used together")
	case fl.Changed("note-file") && noteFile == "":
		return usageErrorf("--note-file needs a file name (- for standard input)")
	}
	return nil
}

// newTable returns a table for the command's standard output: aligned,
// with a header, fitted to the terminal's width on a terminal;
// tab-separated values with no header when piped.
func newTable(ios *iostreams.IOStreams, cols ...output.Column) *output.Table {
	return output.NewTableOpts(ios.Out, output.TableOptions{
		TTY: ios.IsStdoutTTY(), Width: ios.TerminalWidth(), Bold: ios.ColorEnabled(),
	}, cols...)
}
