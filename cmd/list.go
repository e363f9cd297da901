package cmd

import (
	"context"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/phoneinc/contacts/internal/pipeline"
	"github.com/spf13/cobra"
)

type listOptions struct {
	bookDeps

	Phone      string // --phone
	PhoneGiven bool   // --phone was given, even as ""
	Limit      int    // --limit; 0 lists every contact
}

func newCmdList(f *Factory, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{bookDeps: f.bookDeps()}
	cmd := &cobra.Command{
		Use:         "list",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "List contacts, newest first",
		Long: `List the company's contacts, newest first (ties by id, so back-to-back adds
list in reverse order).

--phone keeps the one contact with that number, in any written form; input
that is not a phone number lists nothing. With -o json the listing is a JSON
array ([] when empty), streamed, so a million contacts list in constant memory.

On a terminal the table fits its width (COLUMNS, else the terminal's): the
note and the email columns go first, then long cells are cut with …; the id
and the number are never cut. Piped, it is tab-separated values, one line a
contact, with no header (CONTACTS_FORCE_TTY=1 lays it out as for a terminal).`,
		Example: `  $ contacts list
  $ contacts list | cut -f2,3                  # name and number, tab-separated
  $ CONTACTS_FORCE_TTY=1 contacts list | less -S
  $ contacts list --limit 10
  $ contacts list --phone "+45 20 12 34 56" -o json
  $ contacts list -o json | jq -r '.[] | [.name, .phone] | @tsv'`,
		Aliases: []string{"ls"},
		Args:    wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("limit") && opts.Limit <= 0 {
				return usageErrorf("--limit: %d is not a positive number", opts.Limit)
			}
			opts.PhoneGiven = cmd.Flags().Changed("phone")
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Phone, "phone", "", "only the contact with this phone `number`")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "list at most `N` contacts")
	return cmd
}

func listRun(ctx context.Context, opts *listOptions) error {
	cfg, _ := opts.Config()
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}
	filter := contacts.ContactFilter{Limit: opts.Limit}
	if opts.PhoneGiven {
		p, err := contacts.NormalizeCaller(opts.Phone, cfg.Region)
		if err != nil {
			// A value that is not a phone number matches nothing, as the
			// API's ?phone= does.
			return emptyListing(opts.IO, cfg)
		}
		filter.Phone = p.E164
	}
	return printListing(ctx, opts.IO, cfg, func(fn func(*contacts.Contact) error) error {
		return svc.ListContacts(ctx, filter, fn)
	})
}

// printListing prints the contacts that each streams: a JSON array (the
// one that export writes too), or a table. list and search share it.
func printListing(ctx context.Context, ios *iostreams.IOStreams, cfg *Config, each func(fn func(*contacts.Contact) error) error) error {
	if cfg.JSON() {
		w, err := format.NewWriter(format.JSON, ios.Out, format.WriterOptions{})
		if err != nil {
			return err
		}
		if err := streamContacts(ctx, each, w.Write); err != nil {
			return err
		}
		return w.Close()
	}
	t := newTable(ios, output.ListColumns...)
	n := 0
	err := streamContacts(ctx, each, func(c *contacts.Contact) error {
		n++
		return t.Row(output.ListRow(c)...)
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return emptyListing(ios, cfg)
	}
	return t.Flush()
}

// emptyListing prints a listing of nothing: [] for scripts, a note on a
// terminal for people.
func emptyListing(ios *iostreams.IOStreams, cfg *Config) error {
	if cfg.JSON() {
		_, err := ios.Out.Write([]byte("[]\n"))
		return err
	}
	if ios.IsStderrTTY() {
		ios.ErrOut.Write([]byte("no contacts\n"))
	}
	return nil
}

// streamContacts runs a listing through the product's one ordered
// pipeline: the book is read on a goroutine of its own while fn formats
// and writes on this one, so that a listing of a million contacts keeps
// both cores busy, in constant memory. fn sees the contacts in order; its
// first error stops the reading, and is returned.
func streamContacts(ctx context.Context, each func(fn func(*contacts.Contact) error) error, fn func(*contacts.Contact) error) error {
	return pipeline.Pipe[*contacts.Contact, *contacts.Contact]{
		Workers: 1,
		Source: func(s *pipeline.Sender[*contacts.Contact]) error {
			return each(func(c *contacts.Contact) error {
				if !s.Send(c, 0) {
					return pipeline.ErrStopped
				}
				return nil
			})
		},
		Work: func(_ context.Context, c *contacts.Contact) (*contacts.Contact, error) { return c, nil },
	}.Run(ctx, fn)
}
