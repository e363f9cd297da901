package cmd

import (
	"context"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/spf13/cobra"
)

// defaultSearchLimit is how many contacts search shows without --limit.
const defaultSearchLimit = 20

type searchOptions struct {
	bookDeps

	Query string // the arguments, joined by spaces
	Limit int    // --limit
}

func newCmdSearch(f *Factory, runF func(*searchOptions) error) *cobra.Command {
	opts := &searchOptions{bookDeps: f.bookDeps()}
	cmd := &cobra.Command{
		Use:         "search QUERY...",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "Find contacts by words of their name, email, company or note, or digits of their number",
		Long: `Find contacts by any word, or the start of a word, of their name, email, company
name or note, and by a run of digits anywhere in their phone number. Best matches
come first: phone number matches, then contacts matched by name, then by company
name or email, then those that need their note; in each, whole words before starts
of words ("ann": Ann before Anna), then the newest first.

Case and accents do not matter: "stephen" finds "Stéphenson", "soren" finds
"Søren" (ø, æ, œ, ß, đ, ð, ł, þ and ı are read as o, ae, oe, ss, d, d, l, th and i).
Every word must match. Digits count together whatever is between them: "2012 34",
"+45 20 12 34 56" and "(415) 555-2671" are runs of digits, which match anywhere in a
phone number when they have 3 digits or more (and match the text too). Words
joined by punctuation, as in "o'brien" or "ann@acme.dk", must come in that order.
Nothing in the query is special: quotes, *, AND, OR, NOT, NEAR, parentheses and
colons are plain text (put -- before a query that starts with -).

The arguments are one query: "contacts search ann jensen" is "ann jensen".
A query with no letter or digit is a usage error (exit 2). No match prints an
empty list ([] with -o json) and exits 0.

Search needs a local book: it is not available through a contacts server.`,
		Example: `  $ contacts search stephen
  $ contacts search 2012 34
  $ contacts search "ann acme" --limit 5
  $ contacts search kierke -o json | jq -r '.[].phone'`,
		Args: wrapArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit <= 0 {
				return usageErrorf("--limit: %d is not a positive number", opts.Limit)
			}
			opts.Query = strings.Join(args, " ")
			if runF != nil {
				return runF(opts)
			}
			return searchRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", defaultSearchLimit, "show at most `N` contacts")
	return cmd
}

func searchRun(ctx context.Context, opts *searchOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}
	// Every book checks the query (a company with no book too), so that a
	// bad one is a usage error whether or not the company has a book.
	s, ok := svc.(contacts.Searcher)
	if !ok {
		return usageErrorf("search needs a local book, and a server is set (--server, CONTACTS_SERVER or the config file's server): run it where the books are, with --server \"\"")
	}
	return printListing(ctx, opts.IO, cfg, func(fn func(*contacts.Contact) error) error {
		return s.SearchContacts(ctx, opts.Query, opts.Limit, fn)
	})
}
