package cmd

import (
	"os"
	"os/user"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/spf13/cobra"
)

// osUser is the user the CLI runs as, for the history: the login name,
// else $USER, else "".
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// opSummary names a command's operation for the history: the command and
// its arguments ("edit 01J…", "import crm.csv"), cut to a short excerpt.
func opSummary(cmd *cobra.Command, args []string) string {
	s := strings.TrimSpace(strings.TrimPrefix(cmd.CommandPath(), "contacts"))
	if len(args) > 0 {
		s += " " + strings.Join(args, " ")
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return contacts.EscapeInvisible(s, "")
}
