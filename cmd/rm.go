package cmd

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type rmOptions struct {
	bookDeps

	Refs []string // the contacts' ids or phone numbers
	Yes  bool     // --yes: delete without asking
}

func newCmdRm(f *Factory, runF func(*rmOptions) error) *cobra.Command {
	opts := &rmOptions{bookDeps: f.bookDeps()}
	cmd := &cobra.Command{
		Use:   "rm REF...",
		Short: "Delete contacts permanently",
		Long: `Delete contacts permanently, all or nothing: if any REF names no contact,
nothing is deleted. On a terminal rm asks first; without a terminal it needs
--yes, else nothing is deleted. Nothing is printed on standard output.`,
		Example: `  $ contacts rm 01JVWX3G8K9Q2M4N5P6R7S8T9V
  $ contacts rm --yes "+45 20 12 34 56" +14155552671`,
		Aliases:           []string{"delete"},
		Args:              wrapArgs(cobra.MinimumNArgs(1)),
		ValidArgsFunction: completeContacts(f, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !opts.Yes && !opts.IO.CanPrompt() {
				return usageErrorf("rm needs --yes when not run on a terminal; nothing was deleted")
			}
			opts.Refs = args
			if runF != nil {
				return runF(opts)
			}
			return rmRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	return cmd
}

func rmRun(ctx context.Context, opts *rmOptions) error {
	cfg, _ := opts.Config()
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}
	var (
		ids   []string
		found []*contacts.Contact
		seen  = map[string]bool{}
	)
	for _, ref := range opts.Refs {
		c, err := resolveRef(ctx, svc, cfg, ref)
		if err != nil {
			if contacts.ErrorCode(err) == contacts.ENOTFOUND {
				return contacts.Errorf(contacts.ENOTFOUND, "%s; nothing was deleted", err.Error())
			}
			return err
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			ids = append(ids, c.ID)
			found = append(found, c)
		}
	}
	if !opts.Yes {
		ok, err := confirm(opts.IO, found)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("nothing was deleted")
		}
	}
	if err := svc.DeleteContacts(ctx, ids); err != nil {
		return err
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "Deleted %s.\n", plural(len(ids), "contact"))
	}
	return nil
}

// confirm asks on the terminal whether to delete cs.
func confirm(ios *iostreams.IOStreams, cs []*contacts.Contact) (bool, error) {
	w := ios.ErrOut
	fmt.Fprintf(w, "Delete %s permanently?\n", plural(len(cs), "contact"))
	for _, c := range cs {
		name := c.DisplayName()
		if name == "" {
			name = "(no name)"
		}
		fmt.Fprintf(w, "  %s  %s  %s\n", c.ID, output.Safe(c.PhoneFormatted, false), output.Safe(name, false))
	}
	return answer(ios, "delete"), nil
}

// ask asks question on the terminal, and whether to do it (verb): only y
// or yes does. rm, keys revoke and export over a file ask so.
func ask(ios *iostreams.IOStreams, question, verb string) bool {
	fmt.Fprintln(ios.ErrOut, question)
	return answer(ios, verb)
}

// answer reads the answer to a question asked on standard error.
func answer(ios *iostreams.IOStreams, verb string) bool {
	w := ios.ErrOut
	fmt.Fprintf(w, "Type y to %s, anything else to keep [y/N]: ", verb)
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(w)
		return false
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
