// Package cmd is the contacts command line: a Cobra command per verb, all
// calling the domain through contacts.Service.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/build"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/spf13/cobra"
)

// Main runs the command line on the process's arguments and streams and
// returns the exit status.
func Main() int {
	ios := iostreams.System()
	ctx, stop := handleSignals(context.Background(), ios.ErrOut)
	defer stop()
	return Run(ctx, os.Args[1:], ios)
}

// Run runs the command line with args and returns the exit status. Errors
// are printed here, once.
func Run(ctx context.Context, args []string, ios *iostreams.IOStreams) int {
	f := &Factory{IO: ios, signals: signalsOf(ctx)}
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	_, err := root.ExecuteContextC(ctx)
	if f.jsonFilter != nil {
		if ferr := f.jsonFilter.finish(); err == nil {
			err = ferr
		}
	}
	if errors.Is(err, errFieldsListed) {
		err = nil
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if !f.signals.claim() {
		select {} // a signal is ending the process, with its own message
	}
	if err == nil {
		return exitOK
	}
	err = classifyCobraError(err)
	printError(ios.ErrOut, err, f.wantsJSON())
	if se := interruptedBy(ctx); se != nil && errors.Is(err, context.Canceled) {
		return signalStatus(se.sig)
	}
	return exitCode(err)
}

// classifyCobraError turns Cobra's own errors (an unknown command, a
// missing argument) into usage errors; flag errors already are.
func classifyCobraError(err error) error {
	var de *contacts.Error
	if errors.As(err, &de) || errors.Is(err, context.Canceled) {
		return err
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "flag needs an argument") ||
		strings.HasPrefix(msg, "invalid argument") {
		return &contacts.Error{Code: contacts.EUSAGE, Message: msg + " (see 'contacts --help')"}
	}
	return err
}

const rootLong = `contacts is an address book for phone people. Save a number once, and every
call from it gets a name, a company and a note.

Each company has its own book: a SQLite file <data dir>/<company>.db. --company
picks the book (a write to a new one makes it, and says so on stderr); a
contact's employer is --company-name. contacts books lists the books.

Tables are for people on a terminal, fitted to its width; piped, they are
tab-separated values with no header. Messages (summaries, progress) go to
stderr: stdout is data.

CONFIGURATION
  Every setting is a flag, an environment variable and a config file key;
  the flag wins over the environment, which wins over the file.

    --company NAME     CONTACTS_COMPANY    company    (default "default")
    --data-dir DIR     CONTACTS_DATA_DIR   data_dir   (default $XDG_DATA_HOME/contacts,
                                                       else ~/.local/share/contacts)
    --region CC        CONTACTS_REGION     region     (none: numbers need +<country code>)
    -o, --output FMT   CONTACTS_OUTPUT     output     (table or json; default table)
    --server URL       CONTACTS_SERVER     server     (none: use the local books)
    --api-key KEY      CONTACTS_API_KEY    api_key    (the key for --server)
                       CONTACTS_HISTORY_DAYS history_days (days of history kept;
                                                       default 90, 0 for ever)
                       CONTACTS_FORCE_TTY  (1: tables laid out for a terminal even
                                            when stdout is not one; COLUMNS wide)
                       NO_COLOR            (non-empty: no bold or colour)

  The config file is --config FILE (or CONTACTS_CONFIG), else
  $XDG_CONFIG_HOME/contacts/config.yaml (~/.config/contacts/config.yaml) if it exists.
  These XDG paths hold on every platform, macOS and Windows included.
  It must be a regular file of at most 1 MiB, and each setting one value (a list,
  a mapping or a date is refused: quote a value to mean the text).

CLIENT MODE
  With a server set (a 'contacts serve', or any server of the Phone.inc Contacts
  API), list, add, show, edit, rm and lookup work on the server's book instead
  of a local file, with the same output, errors and exit statuses. The API key
  decides the company: --company and --data-dir are then not used. keys and
  serve work on the local books only, and refuse to run with a server set.
  Prefer CONTACTS_API_KEY or the config file to --api-key, which other users
  can see in the process list; the key is never printed.

EXIT STATUS
  0  success
  1  anything else: I/O, a damaged or foreign database file; in client mode, a
     server that cannot be reached or that rejects the API key
  2  usage: unknown flag, missing argument, bad company name, missing --config file,
     a config file that is not a regular file of at most 1 MiB or that has a setting
     of the wrong type, rm or keys revoke without --yes when not on a terminal,
     export over an existing --output-file without --force when not on one
  3  not found: unknown id or phone; lookup with no match; nothing to undo
  4  invalid input: bad phone, bad email, note too long (nothing is written)
  5  conflict: the phone number belongs to another contact; the contact changed
     since it was read; an undo that later changes stop (nothing is written)
  130  stopped by SIGINT (^C)
  143  stopped by SIGTERM

  A signal stops any command: the first one at once where the command can stop
  cleanly, else within 2 seconds; a second one at once. Every write is one
  transaction, so a stopped command leaves the book as it was or with its
  change whole. serve stops gracefully instead (see contacts serve --help).`

// NewCmdRoot returns the root command with every subcommand.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "contacts",
		Short: "An address book for phone people",
		Long:  rootLong,
		Example: `  $ contacts add --phone "+45 20 12 34 56" --name "Niklas Stephenson" --company-name "Stephenson ApS"
  $ contacts lookup 004520123456
  $ contacts list -o json | jq '.[].phone'`,
		Version:       build.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			f.cmdPath = cmd.CommandPath()
			// The command's flags: the root's and its own (--jq, --server…).
			f.global.fs = cmd.Flags()
			switch cmd.Name() {
			case "help", "completion", "bash", "zsh", "fish", "powershell", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
				return nil
			}
			_, err := f.Config()
			if err == nil {
				err = f.setupJSONFilter(cmd)
			}
			f.signals.setJSON(f.wantsJSON()) // for an error printed on a signal
			// What this command writes is one operation of the book's
			// history, made by the CLI and this user, named by the command.
			cmd.SetContext(contacts.WithOperation(cmd.Context(), contacts.OpInfo{
				Summary: opSummary(cmd, args), Actor: contacts.Actor{Via: "cli", User: osUser()}}))
			return err
		},
	}
	root.SetVersionTemplate("contacts {{.Version}}\n")
	root.SetFlagErrorFunc(flagError(f))

	pf := root.PersistentFlags()
	f.global.fs = pf
	pf.StringVar(&f.global.config, "config", "", "config `file` (default $XDG_CONFIG_HOME/contacts/config.yaml)")
	pf.StringVarP(&f.global.company, "company", "c", contacts.DefaultCompany, "company whose address book to use")
	pf.StringVar(&f.global.dataDir, "data-dir", "", "`directory` of the address books (default $XDG_DATA_HOME/contacts)")
	pf.StringVar(&f.global.region, "region", "", "default `region` for numbers without a country code (ISO 3166, e.g. DK)")
	pf.StringVarP(&f.global.output, "output", "o", "table", "output `format`: table or json")

	root.AddCommand(
		newCmdList(f, nil),
		newCmdAdd(f, nil),
		newCmdShow(f, nil),
		newCmdEdit(f, nil),
		newCmdRm(f, nil),
		newCmdLookup(f, nil),
	)
	root.AddCommand(newCmdImport(f, nil), newCmdExport(f, nil))
	root.AddCommand(newCmdLabel(f, nil))
	root.AddCommand(newCmdSearch(f, nil))
	root.AddCommand(newCmdServe(f, nil), newCmdKeys(f))
	root.AddCommand(newCmdHistory(f, nil), newCmdUndo(f, nil), newCmdRestore(f, nil), newCmdBackup(f, nil), newCmdBooks(f, nil))
	root.AddCommand(newCmdSync(f, nil))
	addApplicableFlags(f, root)
	addFlagCompletions(f, root)
	addCompletionCmd(root)
	return root
}

// addCompletionCmd adds cobra's completion command, whose scripts are
// those of CompletionScript.
func addCompletionCmd(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		for _, sub := range c.Commands() {
			sub.RunE = func(cmd *cobra.Command, _ []string) error {
				noDesc, _ := cmd.Flags().GetBool("no-descriptions")
				return CompletionScript(cmd.Root(), cmd.Name(), !noDesc, cmd.OutOrStdout())
			}
		}
	}
}

// addFlagCompletions makes the flags that take one of a set of values
// complete those values, not file names: -o, --format, --on-conflict,
// --region, and --company from the books there are.
func addFlagCompletions(f *Factory, root *cobra.Command) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		}
	}
	root.RegisterFlagCompletionFunc("output", fixed("table\tfor people", "json\tfor scripts"))
	root.RegisterFlagCompletionFunc("region", completeRegions)
	root.RegisterFlagCompletionFunc("company", func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		books, err := f.Inventory(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, b := range books {
			out = append(out, cobra.CompletionWithDesc(b.Company, plural(b.Contacts, "contact")))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.LocalFlags().Lookup("format") != nil {
			c.RegisterFlagCompletionFunc("format", fixed("csv\tCSV (Google, Outlook, any header)", "vcard\tvCard 3.0 or 4.0",
				"json\ta JSON array", "jsonl\tJSON Lines, a contact a line"))
		}
		if c.LocalFlags().Lookup("on-conflict") != nil {
			c.RegisterFlagCompletionFunc("on-conflict", fixed(contacts.ConflictFail+"\twrite nothing, report the numbers",
				contacts.ConflictSkip+"\tkeep the contact that has the number",
				contacts.ConflictUpdate+"\tmerge the fields the row gives",
				contacts.ConflictReplace+"\tthe row replaces the contact whole"))
		}
	}
	walk(root)
}

// completeRegions completes --region with the regions phone numbers are
// known for, in the case typed.
func completeRegions(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	lower := toComplete != strings.ToUpper(toComplete)
	var out []cobra.Completion
	for _, r := range contacts.Regions() {
		if lower {
			r = strings.ToLower(r)
		}
		out = append(out, cobra.CompletionWithDesc(r, contacts.RegionName(strings.ToUpper(r))))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// clientCommands work on a server's book when one is set (CLIENT MODE);
// the others work on the local books only.
var clientCommands = map[string]bool{
	"list": true, "add": true, "show": true, "edit": true, "rm": true, "lookup": true, "search": true,
	"history": true, "undo": true, "restore": true, "export": true, "label": true,
}

// addApplicableFlags gives each command the flags that apply to it, and
// no others: --jq to those that print JSON, --json to those that print
// contacts, --server and --api-key to those that work on a server's book.
// The local-only commands keep a hidden --server, so that --server ""
// still overrides a server set in the environment or the config file.
func addApplicableFlags(f *Factory, root *cobra.Command) {
	var walk func(c *cobra.Command, top string)
	walk = func(c *cobra.Command, top string) {
		for _, sub := range c.Commands() {
			name := top
			if name == "" {
				name = sub.Name()
			}
			walk(sub, name)
		}
		if c == root || !c.Runnable() {
			return
		}
		fl := c.Flags()
		if kind := c.Annotations[jsonAnnotation]; kind != "" {
			fl.StringVar(&f.global.jq, "jq", "", "filter JSON output with a jq `expression` (implies -o json)")
			if kind == jsonContacts {
				fl.StringVar(&f.global.jsonFields, "json", "", "print only these comma-separated contact `fields` as JSON (--json alone lists them)")
			}
		}
		switch {
		case clientCommands[top]:
			fl.StringVar(&f.global.server, "server", "", "use the book on the server at `URL` instead of a local file (see CLIENT MODE)")
			// The key's value is never a flag default, so --help cannot show it.
			fl.StringVar(&f.global.apiKey, "api-key", "", "API `key` for --server (prefer CONTACTS_API_KEY: a flag shows in the process list)")
		case top != "help" && top != "completion" && top != "__complete" && top != "__completeNoDesc":
			fl.StringVar(&f.global.server, "server", "", "")
			fl.MarkHidden("server")
		}
	}
	walk(root, "")
}

// flagError makes a flag that does not parse a usage error naming the
// command's help.
func flagError(f *Factory) func(*cobra.Command, error) error {
	return func(cmd *cobra.Command, err error) error {
		if strings.Contains(err.Error(), "flag needs an argument: --json") {
			// --json with no value lists the fields it can select.
			fmt.Fprintln(f.IO.Out, strings.Join(contacts.Fields, "\n"))
			return errFieldsListed
		}
		return usageErrorf("%s (see 'contacts %s --help')", err.Error(), strings.TrimSpace(strings.TrimPrefix(cmd.CommandPath(), "contacts")))
	}
}

// argWords say, in the product's words, what each command's argument is.
var argWords = map[string]string{
	"show": "a contact id or phone number", "edit": "a contact id or phone number", "rm": "a contact id or phone number",
	"lookup": "a phone number (or - to read numbers from standard input)", "restore": "the id of a deleted contact",
	"label": "a call log file (CSV)", "search": "what to search for", "import": "a file to import (or - for standard input)",
	"keys revoke": "the id of a key", "history": "a contact id or phone number", "undo": "an operation id",
	"backup": "a backup file", "sync": "a CardDAV address book URL",
}

// wrapArgs makes an argument validator's error a usage error that says
// what is missing or too much in the product's words.
func wrapArgs(fn cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		if err == nil {
			return nil
		}
		name := strings.TrimSpace(strings.TrimPrefix(cmd.CommandPath(), "contacts"))
		msg := err.Error()
		if what, ok := argWords[name]; ok {
			if len(args) == 0 {
				msg = fmt.Sprintf("%s: %s is required", name, what)
			} else {
				msg = fmt.Sprintf("%s: %d arguments given; it takes %s", name, len(args), what)
			}
		}
		return usageErrorf("%s (see 'contacts %s --help')", msg, name)
	}
}
