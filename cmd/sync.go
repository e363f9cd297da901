package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/phoneinc/contacts/internal/progress"
	"github.com/phoneinc/contacts/internal/syncer"
	"github.com/spf13/cobra"
)

type syncOptions struct {
	IO           *iostreams.IOStreams
	Config       func() (*Config, error)
	RequireLocal func() error
	LocalBook    func(ctx context.Context, create bool) (contacts.Service, error)

	URL       string // the argument or --url; "" for the config file's
	Username  string // --username; "" for the config file's
	Conflict  string // --conflict: a syncer.Policy
	DryRun    bool   // --dry-run
	Yes       bool   // --yes: no mass-delete guard
	ListBooks bool   // --list-books: list the account's address books only
}

func newCmdSync(f *Factory, runF func(*syncOptions) error) *cobra.Command {
	opts := &syncOptions{IO: f.IO, Config: f.Config, RequireLocal: f.requireLocal, LocalBook: f.LocalBook}
	cmd := &cobra.Command{
		Use:         "sync [URL]",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Two-way sync with a CardDAV address book (phones, Nextcloud, iCloud...)",
		Long: `Sync the company's book with one CardDAV address book, both ways: what
changed on either side since the last sync is pulled or pushed (created,
updated, deleted). The server's sync-token is used where it offers one, its
cards' ETags otherwise, so that only changed cards travel.

The address book is URL, --url, or the config file's sync.<company>.url: the
address book's own URL, or the server's or the account's, from which the
user's address book is found (the current user's principal, its address book
home set, the server's /.well-known/carddav). --list-books shows the account's
address books. The user name is --username or sync.<company>.username; the
password comes from sync.<company>.password_command (the output of a command,
such as a keyring tool's), sync.<company>.password_env (an environment
variable), or CONTACTS_SYNC_PASSWORD. It is never kept in the config file.

The first sync matches the book's contacts with the server's cards by UID,
then by phone number, and reports each match.

Nothing on the server is lost: each card's text is kept, and a contact changed
here rewrites only the properties a contact is made of (FN and N, the TEL its
number came from, EMAIL, ORG, NOTE, REV); every other line of the card (other
numbers, addresses, photos, birthdays, groups, X- properties) stays as the
server had it. Uploads are conditional (If-Match): a card changed on the
server meanwhile is fetched again and decided as a conflict, never
overwritten.

Conflicts (changed on both sides since the last sync): --conflict newest (the
default) keeps the side changed last, local keeps this book's, remote the
server's, ask asks on the terminal. The report shows both sides' values.

A card that is invalid, or whose number another contact has, is reported and
left alone on both sides; every sync looks at it again.

Every local change of a sync is made in one transaction of the book, all or
nothing. A sync that would delete more than 50 contacts or cards, or more than
10% of either side, stops unless --yes (on a terminal, it asks). --dry-run
shows every change it would make, on each side, and makes none.

The report (matches, conflicts, cards left alone) and a summary go to
standard error; with -o json, one JSON document goes to standard output.

EXIT STATUS
  0  the sync completed (cards left alone are in the report)
  1  the server cannot be reached, or refuses (the URL and HTTP status are named)
  2  usage or configuration: no URL, a bad sync section, a password that
     cannot be read, several address books to choose from; the mass-delete
     guard stopped the sync`,
		Example: `  $ contacts sync --company acme --url https://dav.example.com/ --username ann --list-books
  $ contacts sync --company acme --dry-run
  $ contacts sync --company acme
  $ contacts sync --company acme --conflict local -o json
  $ CONTACTS_SYNC_PASSWORD=secret contacts sync https://dav.example.com/ann/contacts/ --username ann`,
		Args: wrapArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if cmd.Flags().Changed("url") && strings.TrimSpace(opts.URL) != strings.TrimSpace(args[0]) {
					return usageErrorf("give the URL once: as an argument or with --url")
				}
				opts.URL = args[0]
			}
			if !contains(policyNames(), opts.Conflict) {
				return usageErrorf("--conflict: %q is not one of %s", opts.Conflict, strings.Join(policyNames(), ", "))
			}
			if opts.ListBooks && (opts.DryRun || opts.Yes || cmd.Flags().Changed("conflict")) {
				return usageErrorf("--list-books only lists: --dry-run, --yes and --conflict do not apply")
			}
			if opts.Conflict == string(syncer.PolicyAsk) && !opts.ListBooks && !opts.DryRun && !opts.IO.CanPrompt() {
				return usageErrorf("--conflict ask needs a terminal to ask on: use local, remote or newest")
			}
			if runF != nil {
				return runF(opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.URL, "url", "", "`URL` of the address book, or of the server or account to find it on")
	fl.StringVar(&opts.Username, "username", "", "user `name` on the CardDAV server")
	fl.StringVar(&opts.Conflict, "conflict", string(syncer.PolicyNewest), "on a contact changed on both sides, keep: newest, local, remote, or ask")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show every change on each side, make none")
	fl.BoolVar(&opts.Yes, "yes", false, "go on when the sync would delete many contacts or cards")
	fl.BoolVar(&opts.ListBooks, "list-books", false, "list the account's address books and exit")
	return cmd
}

func policyNames() []string {
	out := make([]string, len(syncer.Policies))
	for i, p := range syncer.Policies {
		out[i] = string(p)
	}
	return out
}

func syncRun(ctx context.Context, opts *syncOptions) error {
	if err := opts.RequireLocal(); err != nil {
		return err
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	acct, err := loadSyncAccount(cfg.File, cfg.Company)
	if err != nil {
		return err
	}
	url, username := opts.URL, opts.Username
	if url == "" {
		url = acct.URL
	}
	if username == "" {
		username = acct.Username
	}
	if url == "" {
		msg := fmt.Sprintf("no CardDAV address book to sync company %q with: give its URL (an argument or --url), or set sync.%s.url in the config file", cfg.Company, cfg.Company)
		if cs := syncCompanies(cfg.File); len(cs) > 0 {
			msg += fmt.Sprintf(" (the config file has it for: %s)", strings.Join(cs, ", "))
		}
		return usageErrorf("%s", msg)
	}
	password, err := acct.password(ctx, cfg.Company)
	if err != nil {
		return err
	}
	client, err := syncer.NewClient(syncer.Account{URL: url, Username: username, Password: password})
	if err != nil {
		return usageErrorf("--url: %v", err)
	}
	ios := opts.IO
	if opts.ListBooks {
		books, _, err := client.FindBooks(ctx)
		if err != nil {
			return err
		}
		return printBooks(ios, cfg, books)
	}

	// The book, and what it remembers of this URL: no discovery again.
	var local syncer.Local
	mine, err := opts.LocalBook(ctx, false)
	if err != nil {
		return err
	}
	if _, ok := mine.(emptyBook); ok {
		local = noBook{open: opts.LocalBook}
	} else if local, ok = mine.(syncer.Local); !ok {
		return usageErrorf("sync needs a local book")
	}
	st, err := local.LoadSync(ctx, client.GivenURL())
	if err != nil {
		return err
	}
	var book *syncer.AddressBook
	given := ""
	if st != nil {
		book = client.Open(strings.TrimPrefix(st.URL, strings.TrimSuffix(client.URLOf("/"), "/")))
		given = st.GivenURL
	} else {
		books, self, err := client.FindBooks(ctx)
		if err != nil {
			return err
		}
		switch {
		case len(books) == 0:
			return fmt.Errorf("%s: no address book found for this account", client.GivenURL())
		case len(books) > 1:
			var urls []string
			for _, b := range books {
				urls = append(urls, b.URL)
			}
			return usageErrorf("%s: the account has %d address books (%s): give the one to sync with as the URL", client.GivenURL(), len(books), strings.Join(urls, ", "))
		}
		book = client.Open(books[0].Path)
		if !self {
			given = client.GivenURL()
		}
	}

	bar := progress.New(ios.ErrOut, ios.IsStderrTTY(), "syncing", 0)
	defer bar.Finish()
	rep := &syncReport{ios: ios, json: cfg.JSON(), bar: bar}
	sopts := syncer.Options{
		GivenURL: given, Region: cfg.Region, Conflict: syncer.Policy(opts.Conflict),
		DryRun: opts.DryRun, Yes: opts.Yes, Progress: bar.AddRow, Report: rep.entry,
	}
	if ios.CanPrompt() {
		in := bufio.NewReader(ios.In)
		sopts.Ask = func(e syncer.Entry) (string, error) { return askConflict(ios.ErrOut, in, e) }
		sopts.Confirm = func(msg string) (bool, error) { return askYes(ios.ErrOut, in, msg+". Go on? [y/N] ") }
	}
	res, err := syncer.Run(ctx, local, book, sopts)
	bar.Finish()
	var ge *syncer.GuardError
	if errors.As(err, &ge) {
		return usageErrorf("%s", ge.Msg)
	}
	if err != nil {
		return err
	}
	return rep.finish(res)
}

// noBook is the local side of a sync for a company that has no book yet:
// empty, and made only when the sync has something to write, so that a
// sync that fails (a server not there, a wrong password) or a dry run
// leaves no file.
type noBook struct {
	open func(ctx context.Context, create bool) (contacts.Service, error)
}

func (noBook) LoadSync(context.Context, string) (*syncer.State, error) { return nil, nil }
func (noBook) ListContacts(context.Context, contacts.ContactFilter, func(*contacts.Contact) error) error {
	return nil
}
func (b noBook) ApplySync(ctx context.Context, changes []syncer.Change, commit syncer.Commit) ([]syncer.Problem, error) {
	book, err := b.open(ctx, true)
	if err != nil {
		return nil, err
	}
	local, ok := book.(syncer.Local)
	if !ok {
		return nil, usageErrorf("sync needs a local book")
	}
	return local.ApplySync(ctx, changes, commit)
}

func printBooks(ios *iostreams.IOStreams, cfg *Config, books []syncer.Book) error {
	if cfg.JSON() {
		if books == nil {
			books = []syncer.Book{}
		}
		return writeSafeJSON(ios.Out, books)
	}
	t := newTable(ios, output.Column{Header: "URL"}, output.Column{Header: "NAME", Max: 40}, output.Column{Header: "DESCRIPTION", Max: 60})
	for _, b := range books {
		if err := t.Row(b.URL, b.Name, b.Description); err != nil {
			return err
		}
	}
	return t.Flush()
}

// syncReport writes a sync's report as it goes and its summary: text on
// standard error (a dry run's changes on standard output), or one JSON
// document on standard output.
type syncReport struct {
	ios  *iostreams.IOStreams
	json bool
	bar  *progress.Bar
}

func (r *syncReport) entry(e syncer.Entry) {
	if r.json {
		return // all of it in the document at the end
	}
	if e.Kind == "change" {
		who := e.Name
		if who == "" {
			who = "-"
		}
		fmt.Fprintf(r.ios.Out, "%s\t%s\t%s\t%s\t%s\n", e.Side, e.Op, output.Safe(e.Phone, false), output.Safe(who, false), output.Safe(e.Href, false))
		return
	}
	msg := e.Message
	if e.Kind == "conflict" {
		msg += ": " + differences(e.Local, e.Server)
	}
	fmt.Fprintf(r.ios.ErrOut, "contacts: %s: %s: %s\n", output.Safe(e.Href, false), e.Kind, output.Safe(oneLine(msg), false))
}

// differences writes a conflict's two sides, field by field.
func differences(local, server *syncer.Values) string {
	if local == nil {
		return "deleted here"
	}
	if server == nil {
		return "deleted on the server"
	}
	var parts []string
	show := func(v *string) string {
		if v == nil {
			return "(none)"
		}
		return fmt.Sprintf("%q", *v)
	}
	for _, d := range []struct {
		name string
		l, s *string
	}{{"name", local.Name, server.Name}, {"email", local.Email, server.Email}, {"phone", &local.Phone, &server.Phone},
		{"company_name", local.CompanyName, server.CompanyName}, {"note", local.Note, server.Note}} {
		if show(d.l) != show(d.s) {
			parts = append(parts, fmt.Sprintf("%s %s here, %s on the server", d.name, show(d.l), show(d.s)))
		}
	}
	return strings.Join(parts, "; ")
}

func (r *syncReport) finish(res *syncer.Result) error {
	if res.Entries == nil {
		res.Entries = []syncer.Entry{}
	}
	if r.json {
		return writeSafeJSON(r.ios.Out, res)
	}
	verb := ""
	if res.DryRun {
		verb = "dry run, nothing written: would have "
	}
	fmt.Fprintf(r.ios.ErrOut, "%s: %spulled %d created, %d updated, %d deleted; pushed %d created, %d updated, %d deleted; %d matched, %s, %d skipped\n",
		output.Safe(res.URL, false), verb, res.Pulled.Created, res.Pulled.Updated, res.Pulled.Deleted,
		res.Pushed.Created, res.Pushed.Updated, res.Pushed.Deleted, res.Matched, plural(res.Conflicts, "conflict"), res.Skipped)
	if res.Guard != "" {
		fmt.Fprintf(r.ios.ErrOut, "contacts: note: %s\n", res.Guard)
	}
	return nil
}

// writeSafeJSON writes v as indented JSON whose strings are escaped as
// every JSON output of contacts is (contacts.AppendJSONString): a card's
// text from a server reaches a terminal with nothing it would act on.
func writeSafeJSON(w io.Writer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b []byte
	var emit func(indent string) error
	emit = func(indent string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			b = append(b, byte(t))
			n := 0
			for dec.More() {
				if n > 0 {
					b = append(b, ',')
				}
				b = append(append(b, '\n'), indent+"  "...)
				if t == '{' {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					b = append(contacts.AppendJSONString(b, k.(string)), ": "...)
				}
				if err := emit(indent + "  "); err != nil {
					return err
				}
				n++
			}
			end, err := dec.Token()
			if err != nil {
				return err
			}
			if n > 0 {
				b = append(append(b, '\n'), indent...)
			}
			b = append(b, byte(end.(json.Delim)))
		case string:
			b = contacts.AppendJSONString(b, t)
		case json.Number:
			b = append(b, t...)
		case bool:
			b = fmt.Append(b, t)
		case nil:
			b = append(b, "null"...)
		}
		return nil
	}
	if err := emit(""); err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// askConflict asks on the terminal which side of a conflict to keep.
func askConflict(w io.Writer, in *bufio.Reader, e syncer.Entry) (string, error) {
	who := e.Name
	if who == "" {
		who = e.Phone
	}
	for {
		fmt.Fprintf(w, "\r\x1b[Kconflict: %s (%s): %s: %s\nkeep [l]ocal or [s]erver? ",
			output.Safe(who, false), output.Safe(e.Href, false), e.Message, output.Safe(differences(e.Local, e.Server), false))
		line, err := in.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "l", "local":
			return syncer.SideLocal, nil
		case "s", "server", "r", "remote":
			return syncer.SideServer, nil
		}
		if err != nil {
			return "", usageErrorf("--conflict ask: no answer")
		}
	}
}

// askYes asks a yes-or-no question on the terminal; no is the default.
func askYes(w io.Writer, in *bufio.Reader, question string) (bool, error) {
	fmt.Fprintf(w, "\r\x1b[K%s", question)
	line, err := in.ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}
