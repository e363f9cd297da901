package cmd

import (
	"context"

	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type showOptions struct {
	bookDeps

	Ref string // the contact's id or phone number
}

func newCmdShow(f *Factory, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{bookDeps: f.bookDeps()}
	return &cobra.Command{
		Use:         "show REF",
		Annotations: map[string]string{jsonAnnotation: jsonContacts},
		Short:       "Show one contact",
		Long: `Show one contact. REF is its id (in any case) or its phone number in any
written form; a REF that is neither names no contact (exit 3).`,
		Example: `  $ contacts show 01JVWX3G8K9Q2M4N5P6R7S8T9V
  $ contacts show "+45 20 12 34 56" -o json`,
		Args:              wrapArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: completeContacts(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
}

func showRun(ctx context.Context, opts *showOptions) error {
	cfg, _, c, err := opts.findRef(ctx, opts.Ref)
	if err != nil {
		return err
	}
	return printContact(opts.IO, cfg, c, output.DetailOrder)
}
