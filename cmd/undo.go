package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

type undoOptions struct {
	bookDeps

	Operation string // "" for the last
	Force     bool
}

func newCmdUndo(f *Factory, runF func(*undoOptions) error) *cobra.Command {
	opts := &undoOptions{bookDeps: f.bookDeps()}
	cmd := &cobra.Command{
		Use:         "undo [OPERATION]",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Revert the last operation, or a named one, as a unit",
		Long: `Revert the book's last operation (see 'contacts history'), or the one with the
id OPERATION, as one unit: a whole import of 100,000 rows as surely as one edit.
Contacts it created are deleted, contacts it changed or deleted get back what
they held before it, with their ids and created_at.

If a later operation changed a contact that this one changed, undo refuses
(exit 5) and lists them; --force reverts anyway. If a number it would give back
to a contact now belongs to another one, undo refuses (exit 5) naming that
contact, and changes nothing.

The undo is itself an operation of the history: undo it (contacts undo again)
to redo what it undid. An unknown operation, or nothing to undo, is exit 3.`,
		Example: `  $ contacts undo
  $ contacts history
  $ contacts undo 01JVWX3G8K9Q2M4N5P6R7S8T9V
  $ contacts undo 01JVWX3G8K9Q2M4N5P6R7S8T9V --force`,
		Args: wrapArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Operation = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return undoRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "revert even the contacts that later operations changed")
	return cmd
}

func undoRun(ctx context.Context, opts *undoOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	h, err := bookHistory(ctx, opts.Book)
	if err != nil {
		return err
	}
	op, err := h.Undo(ctx, opts.Operation, opts.Force)
	if err != nil {
		return err
	}
	if cfg.JSON() {
		return writeJSON(opts.IO.Out, op)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Undid operation %s: %s changed back, as operation %s ('contacts undo' again redoes it).\n",
		op.Undoes, plural(op.Changes, "contact"), op.ID)
	return nil
}
