package cmd

import (
	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

func newCmdLookup(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "lookup NUMBER",
		Short: "Who is calling? Find the contact with a phone number",
		Long: `Find the contact with a phone number, pasted in whatever form the phone shows
it: +45 20 12 34 56, 004520123456, tel:+45-20-12-34-56, or (415) 555-2671 with
--region US. Prints name, company, number and note (-o json: the contact).

When nobody has the number, lookup exits 3 and says on standard error what
the number is: its country and its type. Input that is not a phone number
exits 4.`,
		Example: `  $ contacts lookup "+45 20 12 34 56"
  $ contacts lookup 004520123456 -o json
  $ contacts lookup --region US "(415) 555-2671"`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, _ := f.Config()
			p, err := contacts.NormalizePhone(args[0], cfg.Region)
			if err != nil {
				return err
			}
			svc, err := f.Book(ctx, false)
			if err != nil {
				return err
			}
			c, err := svc.FindContactByPhone(ctx, p.E164)
			if contacts.ErrorCode(err) == contacts.ENOTFOUND {
				return &contacts.Error{Code: contacts.ENOTFOUND,
					Message: "no contact has " + p.Formatted + " (" + contacts.DescribePhone(p.E164) + ")"}
			} else if err != nil {
				return err
			}
			return printContact(f, cfg, c, output.CallerOrder)
		},
	}
}
