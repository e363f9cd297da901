package cmd

import (
	"context"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type addOptions struct {
	bookDeps

	// Contact is what the flags give, as typed: the book is the gate that
	// trims, validates and normalizes it. Its Note is --note.
	Contact  contacts.NewContact
	NoteFile string // --note-file, "" when not given
}

func newCmdAdd(f *Factory, runF func(*addOptions) error) *cobra.Command {
	opts := &addOptions{bookDeps: f.bookDeps()}
	cmd := &cobra.Command{
		Use:         "add --phone NUMBER [--name NAME] [--email EMAIL] [--company-name COMPANY] [--note TEXT | --note-file FILE]",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "Add a contact",
		Long: `Add a contact and print it.

The phone number is required and unique within the company. Write it as the
phone shows it: spaces, dashes, dots, brackets and a tel: prefix are stripped,
and a number without a country code is read in the default region (--region).
An empty value for an optional field means not set.`,
		Example: `  $ contacts add --phone "+45 20 12 34 56" --name "Niklas Stephenson" \
      --email niklas@stephenson.dk --company-name "Stephenson ApS" \
      --note "Always asks for the engineering team."
  $ contacts add --region US --phone "(415) 555-2671" --name "Ada"
  $ git log -1 --format=%B | contacts add --phone +4520123456 --note-file -`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("phone") {
				return usageErrorf("add needs --phone (see 'contacts add --help')")
			}
			if err := checkNoteFlags(cmd, opts.NoteFile); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Contact.Phone, "phone", "", "phone `number`, in any written form (required)")
	fl.StringVar(&opts.Contact.Name, "name", "", "display `name`")
	fl.StringVar(&opts.Contact.Email, "email", "", "e-mail `address`")
	fl.StringVar(&opts.Contact.CompanyName, "company-name", "", "the contact's employer or `business`")
	noteFlags(cmd, &opts.Contact.Note, &opts.NoteFile)
	return cmd
}

func addRun(ctx context.Context, opts *addOptions) error {
	cfg, _ := opts.Config()
	in := opts.Contact
	if opts.NoteFile != "" {
		note, err := readNoteFile(opts.NoteFile, opts.IO.In)
		if err != nil {
			return err
		}
		in.Note = note
	}
	// The book is the gate: it validates what the user typed (a new
	// company's book is put in place only once the contact is written).
	svc, err := opts.Book(ctx, true)
	if err != nil {
		return err
	}
	c, err := svc.CreateContact(ctx, in)
	if err != nil {
		return err
	}
	return printContact(opts.IO, cfg, c, output.DetailOrder)
}
