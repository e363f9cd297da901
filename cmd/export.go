package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/progress"
	"github.com/spf13/cobra"
)

type exportOptions struct {
	bookDeps

	// Format is --format, else the one of --output-file's extension, else
	// JSON.
	Format       format.Format
	OutputFile   string // --output-file; "" for standard output
	VCardVersion string // --vcard-version: "4.0" or "3.0"
	Force        bool   // --force: overwrite an existing --output-file without asking
}

func newCmdExport(f *Factory, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{bookDeps: f.bookDeps()}
	var formatName string
	cmd := &cobra.Command{
		Use:         "export [--format csv|vcard|json|jsonl] [--output-file FILE]",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Export every contact as CSV, vCard or JSON",
		Long: `Export every contact of the company, newest first, streaming: a million contacts
export in constant memory.

The format is --format, else the output file's extension, else JSON. CSV has
the API's field names as its header; vCard is 4.0 (3.0 with --vcard-version
3.0) and carries the id, timestamps, name, number, e-mail, company and note;
JSON is the array that list -o json prints; JSON Lines has one contact a line.
Importing our own CSV, JSON or JSON Lines export into an empty company
reproduces every contact exactly, ids and timestamps included.

--output-file is written in full or not at all: to a temporary file beside
it, renamed into place at the end, with mode 0600. An --output-file that
exists is replaced only when you say so, as rm deletes: on a terminal export
asks first; without a terminal it needs --force, else nothing is written
(exit 2).`,
		Example: `  $ contacts export --output-file backup.json
  $ contacts export --format vcard > contacts.vcf
  $ contacts export --format csv | gzip > contacts.csv.gz
  $ contacts export --output-file phone.vcf --vcard-version 3.0
  $ contacts export --output-file backup.json --force   # replaces last night's`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = format.JSON
			switch {
			case formatName != "":
				var err error
				if opts.Format, err = format.ParseFormat(formatName); err != nil {
					return usageErrorf("--format: %v", err)
				}
			case opts.OutputFile != "":
				if opts.Format = format.FromExtension(opts.OutputFile); opts.Format == "" {
					return usageErrorf("--output-file: cannot tell the format from %q; give --format csv, vcard, json or jsonl", opts.OutputFile)
				}
			}
			if opts.VCardVersion != "3.0" && opts.VCardVersion != "4.0" {
				return usageErrorf("--vcard-version: %q is not 3.0 or 4.0", opts.VCardVersion)
			}
			if opts.OutputFile != "" && !opts.Force && !opts.IO.CanPrompt() && exists(opts.OutputFile) {
				return usageErrorf("--output-file: %s exists; export needs --force to replace it when not run on a terminal; nothing was written", opts.OutputFile)
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&formatName, "format", "", "`format`: csv, vcard, json or jsonl (default: from the file's extension, else json)")
	fl.StringVar(&opts.OutputFile, "output-file", "", "write to `file` instead of standard output")
	fl.StringVar(&opts.VCardVersion, "vcard-version", "4.0", "vCard `version`: 4.0 or 3.0")
	fl.BoolVarP(&opts.Force, "force", "f", false, "replace an existing --output-file without asking")
	return cmd
}

// exists reports whether there is anything at path (a dangling link too).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func exportRun(ctx context.Context, opts *exportOptions) (err error) {
	if opts.OutputFile != "" && !opts.Force && exists(opts.OutputFile) {
		if !opts.IO.CanPrompt() {
			return usageErrorf("--output-file: %s exists; export needs --force to replace it when not run on a terminal; nothing was written", opts.OutputFile)
		}
		if !ask(opts.IO, fmt.Sprintf("%s exists. Replace it with the export?", opts.OutputFile), "replace it") {
			return fmt.Errorf("nothing was written")
		}
	}
	cfg, _ := opts.Config()
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}

	ios, fm := opts.IO, opts.Format
	out := ios.Out
	var tmp *os.File
	if opts.OutputFile != "" {
		// Write beside the target and rename at the end, so that the file
		// is never half-written, whatever happens.
		dir := filepath.Dir(opts.OutputFile)
		tmp, err = os.CreateTemp(dir, "."+filepath.Base(opts.OutputFile)+".tmp-*")
		if err != nil {
			return fmt.Errorf("--output-file: %w", err)
		}
		defer func() {
			if err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		if err = tmp.Chmod(0o600); err != nil {
			return err
		}
		out = tmp
	}
	bar := progress.New(ios.ErrOut, ios.IsStderrTTY() && tmp != nil, "exporting", 0)
	defer bar.Finish()
	bw := bufio.NewWriterSize(out, 256<<10)
	w, err := format.NewWriter(fm, bw, format.WriterOptions{VCardVersion: opts.VCardVersion})
	if err != nil {
		return err
	}
	n := 0
	if err = streamContacts(ctx, func(fn func(*contacts.Contact) error) error {
		return svc.ListContacts(ctx, contacts.ContactFilter{}, fn)
	}, func(c *contacts.Contact) error {
		n++
		bar.AddRow()
		return w.Write(c)
	}); err != nil {
		return exportError(err)
	}
	if err = w.Close(); err != nil {
		return exportError(err)
	}
	if err = bw.Flush(); err != nil {
		return exportError(err)
	}
	bar.Finish()
	if tmp == nil {
		return nil
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), opts.OutputFile); err != nil {
		return err
	}
	if cfg.JSON() {
		b := append([]byte(`{"file":`), contacts.AppendJSONString(nil, opts.OutputFile)...)
		b = fmt.Appendf(b, `,"format":%q,"exported":%d}`+"\n", fm, n)
		_, err = ios.Out.Write(b)
		return err
	}
	// The summary is a message, not data: standard error.
	_, err = fmt.Fprintf(ios.ErrOut, "%s: exported %s\n", opts.OutputFile, plural(n, "contact"))
	return err
}

// exportError quiets a closed pipe (contacts export | head), which is the
// reader's choice, not a failure worth a message.
func exportError(err error) error {
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}
