package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

func newCmdKeys(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the API keys of a company's book, for 'contacts serve'",
		Long: `Manage the API keys that let HTTP clients use a company's book through
'contacts serve': the API's curl examples, a phone system's caller-ID lookup,
or the contacts CLI in client mode.

A key belongs to one company (--company) and reaches that company's book and
no other. Its secret is shown once, when it is made, and only a hash of it is
kept, so a lost key cannot be shown again: revoke it and make another. A
revoked key is refused from the next request on.

keys works on the local books, where the server runs; it refuses to run with
a server set (client mode).`,
		Example: `  $ contacts keys create --company acme --name "front desk"
  $ contacts keys list --company acme
  $ contacts keys revoke --company acme 01JVWX3G8K9Q2M4N5P6R7S8T9V`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newCmdKeysCreate(f, nil), newCmdKeysList(f, nil), newCmdKeysRevoke(f, nil))
	return cmd
}

// keyJSON is an API key as -o json prints it: a label not set is null, as
// in a contact, and the secret is there only when the key is new.
type keyJSON struct {
	ID         string  `json:"id"`
	Name       *string `json:"name"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
	Key        string  `json:"key,omitempty"`
}

func newKeyJSON(k *contacts.APIKey, secret string) keyJSON {
	j := keyJSON{ID: k.ID, CreatedAt: k.CreatedAt.UTC().Format(contacts.TimeFormat), Key: secret}
	if k.Name != "" {
		j.Name = &k.Name
	}
	if k.LastUsedAt != nil {
		t := k.LastUsedAt.UTC().Format(contacts.TimeFormat)
		j.LastUsedAt = &t
	}
	return j
}

// appendJSON appends the key as an indented JSON object, its strings
// escaped as every other JSON output is (contacts.AppendJSONString), so a
// label's invisible characters never reach a terminal raw.
func (j keyJSON) appendJSON(b []byte, prefix string) []byte {
	field := func(first bool, key string, v *string) {
		if !first {
			b = append(b, ',')
		}
		b = append(b, "\n"+prefix+`  "`+key+`": `...)
		if v == nil {
			b = append(b, "null"...)
		} else {
			b = contacts.AppendJSONString(b, *v)
		}
	}
	b = append(b, '{')
	field(true, "id", &j.ID)
	field(false, "name", j.Name)
	field(false, "created_at", &j.CreatedAt)
	field(false, "last_used_at", j.LastUsedAt)
	if j.Key != "" {
		field(false, "key", &j.Key)
	}
	return append(b, "\n"+prefix+"}"...)
}

// writeKeysJSON writes one key as a JSON object, or keys as an array.
func writeKeysJSON(w io.Writer, keys []keyJSON, array bool) error {
	var b []byte
	if !array {
		b = keys[0].appendJSON(b, "")
	} else if len(keys) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, '[')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n  "...)
			b = k.appendJSON(b, "  ")
		}
		b = append(b, "\n]"...)
	}
	_, err := w.Write(append(b, '\n'))
	return err
}

type keysCreateOptions struct {
	IO        *iostreams.IOStreams
	Config    func() (*Config, error)
	LocalBook func(ctx context.Context, create bool) (contacts.Service, error)

	Name string // --name: the key's label
}

func newCmdKeysCreate(f *Factory, runF func(*keysCreateOptions) error) *cobra.Command {
	opts := &keysCreateOptions{IO: f.IO, Config: f.Config, LocalBook: f.LocalBook}
	cmd := &cobra.Command{
		Use:         "create [--name LABEL]",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Make an API key, and show its secret once",
		Long: `Make an API key for the company's book (made too, if the company has none
yet), and print its secret on standard output, alone, so that a script can
catch it: KEY=$(contacts keys create). The secret is shown this once: only a
hash of it is kept. With -o json the key is printed as keys list shows it,
with the secret as "key".

--name labels the key for people, e.g. the system that uses it.`,
		Example: `  $ contacts keys create --company acme --name "front desk"
  $ export CONTACTS_API_KEY=$(contacts keys create --company acme --name laptop)
  $ contacts keys create --company acme -o json | jq -r .key`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return keysCreateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "a `label` for the key, for people (e.g. the system that uses it)")
	return cmd
}

func keysCreateRun(ctx context.Context, opts *keysCreateOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	// Check the label before a book is made for it.
	if _, err := contacts.NormalizeAPIKeyName(opts.Name); err != nil {
		return err
	}
	ks, err := keyService(ctx, opts.LocalBook, true)
	if err != nil {
		return err
	}
	k, secret, err := ks.CreateKey(ctx, opts.Name)
	if err != nil {
		return err
	}
	if cfg.JSON() {
		return writeKeysJSON(opts.IO.Out, []keyJSON{newKeyJSON(k, secret)}, false)
	}
	label := ""
	if k.Name != "" {
		label = " (" + output.Safe(k.Name, false) + ")"
	}
	fmt.Fprintf(opts.IO.ErrOut, "Created API key %s%s for company %s. Copy the key now: it will not be shown again.\n",
		k.ID, label, cfg.Company)
	_, err = fmt.Fprintln(opts.IO.Out, secret)
	return err
}

// keyColumns are the columns of keys list.
var keyColumns = []output.Column{{Header: "ID", Max: 26}, {Header: "NAME", Max: 40}, {Header: "CREATED", Max: 20}, {Header: "LAST USED", Max: 20}}

type keysListOptions struct {
	IO        *iostreams.IOStreams
	Config    func() (*Config, error)
	LocalBook func(ctx context.Context, create bool) (contacts.Service, error)
}

func newCmdKeysList(f *Factory, runF func(*keysListOptions) error) *cobra.Command {
	opts := &keysListOptions{IO: f.IO, Config: f.Config, LocalBook: f.LocalBook}
	return &cobra.Command{
		Use:         "list",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "List the company's API keys, oldest first",
		Long: `List the company's API keys, oldest first: id, label, when it was made and
when it was last used (to the minute; "never" when it has not been). Secrets
are never shown: only a hash of each is kept. A company with no book lists
nothing, and nothing is created.`,
		Example: `  $ contacts keys list --company acme
  $ contacts keys list --company acme -o json | jq -r '.[] | select(.last_used_at == null) | .id'`,
		Aliases: []string{"ls"},
		Args:    wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return keysListRun(cmd.Context(), opts)
		},
	}
}

func keysListRun(ctx context.Context, opts *keysListOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	ks, err := keyService(ctx, opts.LocalBook, false)
	if err != nil {
		return err
	}
	keys, err := ks.ListKeys(ctx)
	if err != nil {
		return err
	}
	ios := opts.IO
	if cfg.JSON() {
		out := make([]keyJSON, 0, len(keys))
		for _, k := range keys {
			out = append(out, newKeyJSON(k, ""))
		}
		return writeKeysJSON(ios.Out, out, true)
	}
	if len(keys) == 0 {
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, "no API keys")
		}
		return nil
	}
	t := newTable(ios, keyColumns...)
	for _, k := range keys {
		last := "never"
		if k.LastUsedAt != nil {
			last = k.LastUsedAt.UTC().Format(contacts.TimeFormat)
		}
		if err := t.Row(k.ID, k.Name, k.CreatedAt.UTC().Format(contacts.TimeFormat), last); err != nil {
			return err
		}
	}
	return t.Flush()
}

type keysRevokeOptions struct {
	IO        *iostreams.IOStreams
	LocalBook func(ctx context.Context, create bool) (contacts.Service, error)

	ID  string // the key's id, in any case
	Yes bool   // --yes: revoke without asking
}

func newCmdKeysRevoke(f *Factory, runF func(*keysRevokeOptions) error) *cobra.Command {
	opts := &keysRevokeOptions{IO: f.IO, LocalBook: f.LocalBook}
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key",
		Long: `Revoke the API key with ID (from keys list, in any case): from the next
request on, the server refuses it. As rm: on a terminal revoke asks first;
without a terminal it needs --yes, else nothing is revoked (exit 2). Nothing
is printed on standard output; an unknown ID exits 3.`,
		Example: `  $ contacts keys revoke --company acme 01JVWX3G8K9Q2M4N5P6R7S8T9V
  $ contacts keys revoke --company acme --yes 01JVWX3G8K9Q2M4N5P6R7S8T9V`,
		Aliases: []string{"rm"},
		Args:    wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !opts.Yes && !opts.IO.CanPrompt() {
				return usageErrorf("keys revoke needs --yes when not run on a terminal; nothing was revoked")
			}
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return keysRevokeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "revoke without asking")
	return cmd
}

func keysRevokeRun(ctx context.Context, opts *keysRevokeOptions) error {
	ks, err := keyService(ctx, opts.LocalBook, false)
	if err != nil {
		return err
	}
	if !opts.Yes {
		keys, err := ks.ListKeys(ctx)
		if err != nil {
			return err
		}
		var key *contacts.APIKey
		for _, k := range keys {
			if strings.EqualFold(k.ID, opts.ID) {
				key = k
			}
		}
		if key == nil {
			return contacts.Errorf(contacts.ENOTFOUND, "no API key %s; nothing was revoked", keyRef(opts.ID))
		}
		label := key.Name
		if label == "" {
			label = "(no name)"
		}
		q := fmt.Sprintf("Revoke API key %s %s? Clients that use it are refused from their next request.", key.ID, output.Safe(label, false))
		if ok := ask(opts.IO, q, "revoke"); !ok {
			return fmt.Errorf("nothing was revoked")
		}
	}
	if err := ks.RevokeKey(ctx, opts.ID); err != nil {
		return err
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "Revoked API key %s.\n", keyRef(opts.ID))
	}
	return nil
}

// keyService opens the company's local book for its API keys.
func keyService(ctx context.Context, localBook func(context.Context, bool) (contacts.Service, error), create bool) (contacts.KeyService, error) {
	book, err := localBook(ctx, create)
	if err != nil {
		return nil, err
	}
	ks, ok := book.(contacts.KeyService)
	if !ok {
		return nil, fmt.Errorf("this book keeps no API keys")
	}
	return ks, nil
}

// keyRef is a key id as messages show it: canonical when it is an id,
// else quoted.
func keyRef(id string) string {
	if canon, ok := contacts.ParseID(id); ok {
		return canon
	}
	return fmt.Sprintf("%q", id)
}
