package cmd

import (
	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type addOptions struct {
	in       contacts.NewContact
	noteFile string
}

func newCmdAdd(f *Factory) *cobra.Command {
	opts := &addOptions{}
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
			note, _, err := noteValue(cmd, f, opts.in.Note, opts.noteFile)
			if err != nil {
				return err
			}
			opts.in.Note = note
			return addRun(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.in.Phone, "phone", "", "phone `number`, in any written form (required)")
	fl.StringVar(&opts.in.Name, "name", "", "display `name`")
	fl.StringVar(&opts.in.Email, "email", "", "e-mail `address`")
	fl.StringVar(&opts.in.CompanyName, "company-name", "", "the contact's employer or `business`")
	noteFlags(cmd, &opts.in.Note, &opts.noteFile)
	return cmd
}

func addRun(cmd *cobra.Command, f *Factory, opts *addOptions) error {
	ctx := cmd.Context()
	cfg, _ := f.Config()
	// The book is the gate: it validates what the user typed (a new
	// company's book is put in place only once the contact is written).
	svc, err := f.Book(ctx, true)
	if err != nil {
		return err
	}
	c, err := svc.CreateContact(ctx, opts.in)
	if err != nil {
		return err
	}
	return printContact(f, cfg, c, output.DetailOrder)
}
