package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/spf13/cobra"
)

type backupOptions struct {
	IO        *iostreams.IOStreams
	Config    func() (*Config, error)
	Book      func(ctx context.Context, company string, create bool) (contacts.Service, error)
	Inventory func(ctx context.Context) ([]contacts.BookInfo, error)
	Now       func() time.Time

	File    string // the backup to write, or with Restore to read
	All     bool
	Restore bool
	Force   bool
}

func newCmdBackup(f *Factory, runF func(*backupOptions) error) *cobra.Command {
	opts := &backupOptions{IO: f.IO, Config: f.Config, Book: f.BookOf, Inventory: f.Inventory, Now: time.Now}
	var restore string
	cmd := &cobra.Command{
		Use:         "backup [FILE] | backup --restore FILE",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Back up a book (or every book) while it is in use, or restore a backup",
		Long: `Write a consistent copy of the company's book to FILE, while other processes and
a server go on writing it: SQLite's VACUUM INTO reads one snapshot of the book
(a copy of the files of a live book would tear). The copy is private (mode
0600) and complete, history included; it is a book like any other, which every
command can read with --data-dir and --company. Without FILE the copy is
<company>-<date>-<time>.db in the current directory. An existing FILE is kept
unless --force.

--all backs up every book of the data directory into the directory FILE
(default: backups-<date>-<time>), as <company>.db each.

--restore FILE puts a backup back: the company's book then holds what the
backup holds, history included, and the restore is an operation of its history.
The book as it was is first kept aside, as <company>.db.replaced-<date>-<time>
in the data directory (restore that to undo the restore). A book changed after
the backup's last change is not replaced without --force (exit 5): the changes
would be lost but for the book kept aside. It works while a server serves the
book: the server sees the book before or after, never between.`,
		Example: `  $ contacts backup
  $ contacts backup --company acme acme-before-import.db
  $ contacts backup --all /mnt/backups/contacts-$(date +%F)
  $ contacts backup --restore acme-before-import.db --company acme`,
		Args: wrapArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if cmd.Flags().Changed("restore") {
				if opts.File != "" {
					return usageErrorf("--restore takes the backup to restore; give no other FILE")
				}
				if opts.All {
					return usageErrorf("--restore restores one book: --all cannot go with it")
				}
				if restore == "" {
					return usageErrorf("--restore needs the backup FILE")
				}
				opts.Restore, opts.File = true, restore
			}
			if runF != nil {
				return runF(opts)
			}
			return backupRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&restore, "restore", "", "restore the backup `FILE` into the company's book")
	cmd.Flags().BoolVar(&opts.All, "all", false, "back up every book of the data directory, into the directory FILE")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace an existing FILE; restore over a book changed after the backup")
	return cmd
}

type backupJSON struct {
	Company  string `json:"company"`
	File     string `json:"file"`
	Contacts *int   `json:"contacts,omitempty"`
	Aside    string `json:"aside,omitempty"`
}

func backupRun(ctx context.Context, opts *backupOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if cfg.Server != "" {
		return usageErrorf("backup works on the local books only, and a server is set (--server, CONTACTS_SERVER or the config file's server): run it where the books are, with --server \"\"")
	}
	stamp := opts.Now().Format("20060102-150405")
	if opts.Restore {
		return restoreBackup(ctx, opts, cfg, stamp)
	}
	companies := []string{cfg.Company}
	dir := ""
	if opts.All {
		books, err := opts.Inventory(ctx)
		if err != nil {
			return err
		}
		companies = companies[:0]
		for _, b := range books {
			if b.Error == "" {
				companies = append(companies, b.Company)
			}
		}
		if dir = opts.File; dir == "" {
			dir = "backups-" + stamp
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	var done []backupJSON
	for _, company := range companies {
		file := opts.File
		switch {
		case opts.All:
			file = filepath.Join(dir, company+".db")
		case file == "":
			file = company + "-" + stamp + ".db"
		}
		book, err := opts.Book(ctx, company, false)
		if err != nil {
			return err
		}
		b, ok := book.(contacts.Backuper)
		if !ok {
			book.Close()
			if _, empty := book.(emptyBook); empty {
				return contacts.Errorf(contacts.ENOTFOUND, "company %s has no book: nothing to back up", company)
			}
			return usageErrorf("this book cannot be backed up")
		}
		err = b.Backup(ctx, file, opts.Force)
		book.Close()
		if err != nil {
			return err
		}
		abs, _ := filepath.Abs(file)
		done = append(done, backupJSON{Company: company, File: abs})
		if !cfg.JSON() {
			fmt.Fprintf(opts.IO.ErrOut, "Backed up the book of %s to %s.\n", company, abs)
		}
	}
	if cfg.JSON() {
		if opts.All {
			return writeJSON(opts.IO.Out, orEmpty(done))
		}
		return writeJSON(opts.IO.Out, done[0])
	}
	return nil
}

func restoreBackup(ctx context.Context, opts *backupOptions, cfg *Config, stamp string) error {
	book, err := opts.Book(ctx, cfg.Company, true)
	if err != nil {
		return err
	}
	defer book.Close()
	b, ok := book.(contacts.Backuper)
	if !ok {
		return usageErrorf("this book cannot be restored from a backup")
	}
	aside := filepath.Join(cfg.DataDir, cfg.Company+".db.replaced-"+stamp)
	info, err := b.RestoreBackup(ctx, opts.File, aside, opts.Force)
	if err != nil {
		return err
	}
	if cfg.JSON() {
		abs, _ := filepath.Abs(opts.File)
		return writeJSON(opts.IO.Out, backupJSON{Company: cfg.Company, File: abs, Contacts: &info.Contacts, Aside: info.Aside})
	}
	fmt.Fprintf(opts.IO.ErrOut, "Restored %s into the book of %s: %s.\n", opts.File, cfg.Company, plural(info.Contacts, "contact"))
	if _, err := os.Stat(info.Aside); err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "The book as it was is kept in %s.\n", info.Aside)
	}
	return nil
}
