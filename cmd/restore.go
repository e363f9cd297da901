package cmd

import (
	"context"
	"fmt"

	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type restoreOptions struct {
	bookDeps

	ID string
}

func newCmdRestore(f *Factory, runF func(*restoreOptions) error) *cobra.Command {
	opts := &restoreOptions{bookDeps: f.bookDeps()}
	cmd := &cobra.Command{
		Use:         "restore ID",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "Bring a deleted contact back",
		Long: `Bring the deleted contact with ID back, from the book's history: with its id,
its fields and its created_at, and print it. 'contacts history NUMBER' finds a
deleted contact's id by the number it had.

A contact that is not deleted, or an ID the history does not know, is exit 3.
If the contact's number now belongs to another contact, restore refuses
(exit 5) naming that contact.`,
		Example: `  $ contacts rm --yes 01JVWX3G8K9Q2M4N5P6R7S8T9V
  $ contacts restore 01JVWX3G8K9Q2M4N5P6R7S8T9V
  $ contacts history "+45 20 12 34 56"     # the id of a deleted contact`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return restoreRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func restoreRun(ctx context.Context, opts *restoreOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	h, err := bookHistory(ctx, opts.Book)
	if err != nil {
		return err
	}
	c, err := h.Restore(ctx, opts.ID)
	if err != nil {
		return err
	}
	if cfg.JSON() {
		return output.WriteJSON(opts.IO.Out, c)
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "Restored contact %s.\n", c.ID)
	}
	return output.WriteDetail(opts.IO.Out, c, output.DetailOrder)
}
