package cmd

import (
	"context"
	"strconv"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type booksOptions struct {
	IO        *iostreams.IOStreams
	Config    func() (*Config, error)
	Inventory func(ctx context.Context) ([]contacts.BookInfo, error)
}

func newCmdBooks(f *Factory, runF func(*booksOptions) error) *cobra.Command {
	opts := &booksOptions{IO: f.IO, Config: f.Config, Inventory: f.Inventory}
	return &cobra.Command{
		Use:         "books",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "List the books of the data directory: contacts, history, size, last change",
		Long: `List the companies' books in the data directory, one per file <company>.db: how
many contacts each holds, how many changes its history keeps, its size on disk
(history included) and when it last changed. A file that is not a readable book
is listed with the reason. Nothing is created.`,
		Example: `  $ contacts books
  $ contacts books -o json | jq -r '.[].company'`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return booksRun(cmd.Context(), opts)
		},
	}
}

var bookColumns = []output.Column{{Header: "COMPANY", Max: 64}, {Header: "CONTACTS", Max: 12}, {Header: "HISTORY", Max: 12},
	{Header: "SIZE", Max: 12}, {Header: "LAST CHANGE", Max: 20}, {Header: "PROBLEM", Max: 80}}

func booksRun(ctx context.Context, opts *booksOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	books, err := opts.Inventory(ctx)
	if err != nil {
		return err
	}
	if cfg.JSON() {
		return writeJSON(opts.IO.Out, orEmpty(books))
	}
	if len(books) == 0 {
		if opts.IO.IsStderrTTY() {
			opts.IO.ErrOut.Write([]byte("no books in " + output.Safe(cfg.DataDir, false) + "\n"))
		}
		return nil
	}
	t := newTable(opts.IO, bookColumns...)
	for _, b := range books {
		last := ""
		if b.LastChange != nil {
			last = b.LastChange.UTC().Format(contacts.TimeFormat)
		}
		if err := t.Row(b.Company, strconv.Itoa(b.Contacts), strconv.Itoa(b.Changes), humanBytes(b.Bytes), last, b.Error); err != nil {
			return err
		}
	}
	return t.Flush()
}
