package cmd

import (
	"context"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/importer"
	"github.com/phoneinc/contacts/internal/progress"
	"github.com/spf13/cobra"
)

type importOptions struct {
	bookDeps
	RequireLocal func() error

	File   string        // the file to import, "-" for standard input
	Format format.Format // --format; "" to tell it from the extension or content
	// Import is --on-conflict, --skip-invalid and --dry-run.
	Import contacts.ImportOptions
}

func newCmdImport(f *Factory, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{bookDeps: f.bookDeps(), RequireLocal: f.requireLocal}
	var formatName string
	cmd := &cobra.Command{
		Use:         "import FILE|-",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Import contacts from CSV, vCard or JSON",
		Long: `Import contacts from a file (- for standard input): CSV (our own export, and the
CSV that Google Contacts and Outlook export, or any CSV whose header names a
phone column), vCard 3.0 and 4.0, JSON (an array) or JSON Lines. The format
comes from --format, else the file's extension, else its content.

Every row goes through the same validation as add, with the default region
for national numbers. The import is atomic: if any row is invalid (exit 4)
or its number is taken (exit 5), nothing is written, and every bad row is
reported with its line or card number. --skip-invalid writes the good rows.

--on-conflict decides what happens when a number is already in the book or
twice in the file: fail (the default), skip (keep the contact that has it),
or update (upsert by phone: the row's name, email, company and note replace
the contact's; re-importing the same file changes nothing).

Rows from our own export keep their ids and timestamps.`,
		Example: `  $ contacts import google-contacts.csv --region DK
  $ contacts import phone.vcf --skip-invalid
  $ contacts export -o json > backup.json && contacts import backup.json --company restored
  $ contacts import crm.csv --on-conflict update --dry-run
  $ some-script | contacts import - --format jsonl`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.Import.OnConflict {
			case contacts.ConflictFail, contacts.ConflictSkip, contacts.ConflictUpdate, contacts.ConflictReplace:
			default:
				return usageErrorf("--on-conflict: %q is not one of fail, skip, update, replace", opts.Import.OnConflict)
			}
			opts.Format = ""
			if formatName != "" {
				fm, err := format.ParseFormat(formatName)
				if err != nil {
					return usageErrorf("--format: %v", err)
				}
				opts.Format = fm
			}
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&formatName, "format", "", "input `format`: csv, vcard, json or jsonl (default: from the extension or content)")
	fl.BoolVar(&opts.Import.SkipInvalid, "skip-invalid", false, "import the valid rows and report the others")
	fl.StringVar(&opts.Import.OnConflict, "on-conflict", contacts.ConflictFail, "when a number is taken: fail, skip, update (merge the fields the row gives) or replace")
	fl.BoolVar(&opts.Import.DryRun, "dry-run", false, "validate and report, write nothing")
	return cmd
}

func importRun(ctx context.Context, opts *importOptions) error {
	cfg, _ := opts.Config()
	if err := opts.RequireLocal(); err != nil {
		return err
	}
	ios := opts.IO
	rep := importer.NewReport(ios.Out, ios.ErrOut, cfg.JSON(), opts.File, opts.Import)
	bar := progress.New(ios.ErrOut, ios.IsStderrTTY(), "importing", 0)
	defer bar.Finish()
	res, err := importer.Run(ctx, opts.File, ios.In, importer.Options{Format: opts.Format, Region: cfg.Region, Import: opts.Import, Bar: bar},
		func() (contacts.Importer, error) {
			// A company with no book gets a new one, which the store
			// puts in place only if the import writes it: a failed,
			// empty or dry run leaves none.
			book, err := opts.Book(ctx, true)
			if err != nil {
				return nil, err
			}
			im, ok := book.(contacts.Importer)
			if !ok {
				return nil, usageErrorf("import works on the local books only")
			}
			return im, nil
		}, rep)
	if err != nil {
		return err
	}
	return rep.Finish(res)
}
