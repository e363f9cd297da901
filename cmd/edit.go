package cmd

import (
	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type editOptions struct {
	name, email, phone, companyName, note, noteFile string
}

func newCmdEdit(f *Factory) *cobra.Command {
	opts := &editOptions{}
	cmd := &cobra.Command{
		Use:   "edit REF [--name NAME] [--email EMAIL] [--phone NUMBER] [--company-name COMPANY] [--note TEXT | --note-file FILE]",
		Short: "Change a contact's fields",
		Long: `Change only the fields given and print the contact. An empty value clears an
optional field; the phone number is required and cannot be cleared.
updated_at moves forward; created_at never changes.`,
		Example: `  $ contacts edit 01JVWX3G8K9Q2M4N5P6R7S8T9V --note "Prefers email follow-ups."
  $ contacts edit "+45 20 12 34 56" --email ""        # clear the e-mail
  $ contacts edit +4520123456 --phone "+45 20 12 34 57"`,
		Args:              wrapArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeContacts(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			var upd contacts.ContactUpdate
			for _, p := range []struct {
				flag string
				v    *string
				dst  **string
			}{
				{"name", &opts.name, &upd.Name}, {"email", &opts.email, &upd.Email}, {"phone", &opts.phone, &upd.Phone},
				{"company-name", &opts.companyName, &upd.CompanyName},
			} {
				if fl.Changed(p.flag) {
					*p.dst = p.v
				}
			}
			note, given, err := noteValue(cmd, f, opts.note, opts.noteFile)
			if err != nil {
				return err
			}
			if given {
				upd.Note = &note
			}
			if upd.Empty() {
				return usageErrorf("edit needs at least one of --name, --email, --phone, --company-name, --note, --note-file")
			}
			return editRun(cmd, f, args[0], upd)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.name, "name", "", "new display `name` (\"\" clears it)")
	fl.StringVar(&opts.email, "email", "", "new e-mail `address` (\"\" clears it)")
	fl.StringVar(&opts.phone, "phone", "", "new phone `number`")
	fl.StringVar(&opts.companyName, "company-name", "", "new employer or `business` (\"\" clears it)")
	noteFlags(cmd, &opts.note, &opts.noteFile)
	return cmd
}

func editRun(cmd *cobra.Command, f *Factory, ref string, upd contacts.ContactUpdate) error {
	ctx := cmd.Context()
	cfg, _ := f.Config()
	// Validate every given field before anything is looked up.
	if _, err := upd.Apply(&contacts.Contact{}, cfg.Region); err != nil {
		return err
	}
	if upd.Phone != nil {
		// Read a national number in this command's region, whatever book
		// answers; the book checks it again.
		p, err := contacts.NormalizePhone(*upd.Phone, cfg.Region)
		if err != nil {
			return err
		}
		upd.Phone = &p.E164
	}
	svc, err := f.Book(ctx, false)
	if err != nil {
		return err
	}
	c, err := resolveRef(ctx, svc, cfg, ref)
	if err != nil {
		return err
	}
	if c, err = svc.UpdateContact(ctx, c.ID, upd); err != nil {
		return err
	}
	return printContact(f, cfg, c, output.DetailOrder)
}
