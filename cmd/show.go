package cmd

import (
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

func newCmdShow(f *Factory) *cobra.Command {
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
			ctx := cmd.Context()
			cfg, _ := f.Config()
			svc, err := f.Book(ctx, false)
			if err != nil {
				return err
			}
			c, err := resolveRef(ctx, svc, cfg, args[0])
			if err != nil {
				return err
			}
			return printContact(f, cfg, c, output.DetailOrder)
		},
	}
}
