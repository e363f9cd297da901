package cmd

import (
	"context"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/labeler"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type lookupOptions struct {
	bookDeps

	Number string // the number, or "-": numbers one per line from standard input
}

func newCmdLookup(f *Factory, runF func(*lookupOptions) error) *cobra.Command {
	opts := &lookupOptions{bookDeps: f.bookDeps()}
	return &cobra.Command{
		Use:         "lookup NUMBER | -",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "Who is calling? Find the contact with a phone number",
		Long: `Find the contact with a phone number, pasted in whatever form the phone shows
it: +45 20 12 34 56, 004520123456, tel:+45-20-12-34-56, or (415) 555-2671 with
--region US. Prints name, company, number and note (-o json: the contact).

Numbers as phone systems deliver them work too: a SIP or SIPS URI
(sip:+4520123456@pbx.example.com, sips:+4520123456@host;user=phone), one in
angle brackets with a display name ("Niklas" <sip:+4520123456@host>), and a
tel: URI of a local number with its context (tel:20123456;phone-context=+45).
The number is the URI's user part; a user part that is not a number
(sip:alice@host) is not a phone number (exit 4). The same holds for lookup -,
label, list --phone and the server's caller ID.

When nobody has the number, lookup exits 3 and says on standard error what
the number is: its country and its type. Input that is not a phone number
exits 4.

lookup - reads numbers one per line from standard input and writes one line
per input line, in order, as soon as each is known:

  number<TAB>name<TAB>company     the input (trimmed), the contact's name and
                                  company name; empty fields when nobody has
                                  the number, for input that is not a number
                                  and for a blank line
  -o json                         one JSON object per line (JSONL): the
                                  contact; when nobody has the number, the
                                  same nine keys, all null but phone and
                                  phone_formatted (null too when the input is
                                  not a number)

It exits 0 whatever the numbers were; a line longer than 1 MiB stops it
with exit 4.`,
		Example: `  $ contacts lookup "+45 20 12 34 56"
  $ contacts lookup 004520123456 -o json
  $ contacts lookup --region US "(415) 555-2671"
  $ contacts lookup 'sip:+4520123456@pbx.example.com'
  $ cut -d, -f3 calls.csv | contacts lookup - | cut -f2
  $ contacts lookup - -o json < numbers.txt | jq -r 'select(.id) | .name'`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Number = args[0]
			if runF != nil {
				return runF(opts)
			}
			return lookupRun(cmd.Context(), opts)
		},
	}
}

func lookupRun(ctx context.Context, opts *lookupOptions) error {
	cfg, _ := opts.Config()
	if opts.Number == "-" {
		return lookupStream(ctx, opts, cfg)
	}
	// The book matches a number written in E.164 before parsing it: a
	// caller ID's usual form is found without libphonenumber. When it is
	// not, the number is parsed and described, which needs
	// libphonenumber's metadata: that loads meanwhile, on the other core,
	// while the book is opened and asked.
	go contacts.WarmPhone()
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}
	c, err := svc.FindContactByPhone(ctx, opts.Number)
	if contacts.ErrorCode(err) == contacts.ENOTFOUND {
		p, perr := contacts.NormalizeCaller(opts.Number, cfg.Region)
		if perr != nil {
			return perr
		}
		return &contacts.Error{Code: contacts.ENOTFOUND,
			Message: "no contact has " + p.Formatted + " (" + contacts.DescribePhone(p.E164) + ")"}
	} else if err != nil {
		return err
	}
	return printContact(opts.IO, cfg, c, output.CallerOrder)
}

// lookupStream is lookup -: numbers one per line from standard input, one
// result per line on standard output, streaming.
func lookupStream(ctx context.Context, opts *lookupOptions, cfg *Config) error {
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}
	l := labeler.New(svc, labeler.Options{Region: cfg.Region, Slim: !cfg.JSON()})
	return labeler.Lines(ctx, l, opts.IO.In, opts.IO.Out, cfg.JSON())
}
