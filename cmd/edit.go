package cmd

import (
	"context"
	"fmt"
	"os"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/editor"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type editOptions struct {
	bookDeps
	// HoldInterrupt leaves SIGINT to the editor while it runs, until the
	// function it returns is called.
	HoldInterrupt func() (release func())

	Ref string // the contact's id or phone number
	// Update has the fields whose flags were given, as typed; its Note is
	// --note. No field at all means: edit in $EDITOR.
	Update   contacts.ContactUpdate
	NoteFile string // --note-file, "" when not given
}

func newCmdEdit(f *Factory, runF func(*editOptions) error) *cobra.Command {
	opts := &editOptions{bookDeps: f.bookDeps(), HoldInterrupt: f.signals.holdInterrupt}
	var name, email, phone, companyName, note string
	cmd := &cobra.Command{
		Use:         "edit REF [--name NAME] [--email EMAIL] [--phone NUMBER] [--company-name COMPANY] [--note TEXT | --note-file FILE]",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "Change a contact's fields, with flags or in $EDITOR",
		Long: `Change only the fields given and print the contact. An empty value clears an
optional field; the phone number is required and cannot be cleared.
updated_at moves forward; created_at never changes.

With no field flag, on a terminal (standard input is one), edit opens the
contact in your editor ($VISUAL, else $EDITOR, else vi; notepad on Windows;
a command line, so EDITOR="code --wait" works) as YAML: name, email, phone,
company_name and note (a note of several lines as a "|" block), with id,
phone_formatted, created_at and updated_at as read-only comments. Lines
starting with # are ignored; an empty or null value means not set, as does
a key you delete. Save and quit to apply the fields that changed, validated
as the flags are. If nothing changed, the contact is printed as it is and
"No changes made." goes to standard error (exit 0, nothing written).

If the changes are not valid (bad YAML, an unknown or read-only key, a bad
phone or e-mail, a phone that belongs to another contact), the editor
reopens on your text with the error at the top as "# error:" lines. To give
up, save the file unchanged (exit status of the error, e.g. 4) or empty it
(exit 1, "edit cancelled"); an empty file on the first try cancels too.
Your text, if it differed from the contact, is then kept in a rescue file
(mode 0600, in the temporary directory) whose path the error names. An
editor that exits non-zero changes nothing (exit 1). The file being edited
is private (mode 0600) and removed afterwards.

While the editor runs, ^C (SIGINT) is the editor's, and edit goes on when
it exits. SIGTERM stops edit when the editor exits: changes are not applied
but kept in a rescue file (exit 143).

With no field flag and no terminal, edit is a usage error (exit 2).`,
		Example: `  $ contacts edit 01JVWX3G8K9Q2M4N5P6R7S8T9V --note "Prefers email follow-ups."
  $ contacts edit "+45 20 12 34 56" --email ""        # clear the e-mail
  $ contacts edit +4520123456 --phone "+45 20 12 34 57"
  $ contacts edit +4520123456                        # edit in $EDITOR
  $ EDITOR="code --wait" contacts edit 01JVWX3G8K9Q2M4N5P6R7S8T9V`,
		Args:              wrapArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeContacts(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			opts.Ref = args[0]
			opts.Update = contacts.ContactUpdate{}
			for _, p := range []struct {
				flag string
				v    *string
				dst  **string
			}{
				{"name", &name, &opts.Update.Name}, {"email", &email, &opts.Update.Email}, {"phone", &phone, &opts.Update.Phone},
				{"company-name", &companyName, &opts.Update.CompanyName}, {"note", &note, &opts.Update.Note},
			} {
				if fl.Changed(p.flag) {
					*p.dst = p.v
				}
			}
			if err := checkNoteFlags(cmd, opts.NoteFile); err != nil {
				return err
			}
			if opts.Update.Empty() && opts.NoteFile == "" && !opts.IO.IsStdinTTY() {
				return usageErrorf("edit needs at least one of --name, --email, --phone, --company-name, --note, --note-file, or a terminal to edit the contact in $EDITOR")
			}
			if runF != nil {
				return runF(opts)
			}
			return editRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "new display `name` (\"\" clears it)")
	fl.StringVar(&email, "email", "", "new e-mail `address` (\"\" clears it)")
	fl.StringVar(&phone, "phone", "", "new phone `number`")
	fl.StringVar(&companyName, "company-name", "", "new employer or `business` (\"\" clears it)")
	noteFlags(cmd, &note, &opts.NoteFile)
	return cmd
}

// editRun changes the fields given, or with none edits the contact in
// the user's editor.
func editRun(ctx context.Context, opts *editOptions) error {
	upd := opts.Update
	if opts.NoteFile != "" {
		note, err := readNoteFile(opts.NoteFile, opts.IO.In)
		if err != nil {
			return err
		}
		upd.Note = &note
	}
	cfg, svc, c, err := opts.findRef(ctx, opts.Ref)
	if err != nil {
		return err
	}
	if upd.Empty() {
		return editInEditor(ctx, opts, cfg, svc, c)
	}
	// The change applies to the version just read, or to nothing: another
	// writer's change between the read and the write is not overwritten.
	if c, err = svc.UpdateContact(contacts.WithIfMatch(ctx, contacts.ETag(c)), c.ID, upd); err != nil {
		return err
	}
	return printContact(opts.IO, cfg, c, output.DetailOrder)
}

// editInEditor edits contact c in the user's editor (see internal/editor)
// and prints it. The editor gets the terminal: standard input, and
// standard output when that is a terminal, else standard error, so that
// `contacts edit REF -o json > file` keeps stdout for the data.
func editInEditor(ctx context.Context, opts *editOptions, cfg *Config, svc contacts.Service, c *contacts.Contact) error {
	ios := opts.IO
	screen := ios.Out
	if !ios.IsStdoutTTY() {
		screen = ios.ErrOut
	}
	run := editor.Runner(editor.Command(os.Getenv), ios.In, screen, ios.ErrOut)
	ed := &editor.Editor{
		Run: func(path string) error {
			// ^C on the terminal reaches the editor too, which may use it
			// (vi's insert mode does): it is the editor's, not a stop.
			defer opts.HoldInterrupt()()
			return run(path)
		},
		Region: cfg.Region,
		// When another writer saves the contact while the file is open,
		// the editor shows the user both versions rather than overwrite.
		Current: func() (*contacts.Contact, error) { return svc.FindContactByID(ctx, c.ID) },
	}
	got, changed, err := ed.Edit(c, func(base *contacts.Contact, upd contacts.ContactUpdate) (*contacts.Contact, error) {
		return svc.UpdateContact(contacts.WithIfMatch(ctx, contacts.ETag(base)), base.ID, upd)
	})
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintln(ios.ErrOut, "No changes made.")
	}
	return printContact(ios, cfg, got, output.DetailOrder)
}
