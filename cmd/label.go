package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/labeler"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type labelOptions struct {
	bookDeps

	File   string // the call log, "-" for standard input
	Column string // --column: a header name, or a position from 1
	Comma  rune   // --delimiter
}

func newCmdLabel(f *Factory, runF func(*labelOptions) error) *cobra.Command {
	opts := &labelOptions{bookDeps: f.bookDeps()}
	var delimiter string
	cmd := &cobra.Command{
		Use:   "label FILE.csv --column NAME",
		Short: "Put names on the numbers of a CSV call log",
		Long: `Copy a CSV call log to standard output with three columns added right after
the phone number column: contact_name, contact_company and contact_id. FILE
is a path, or - for standard input. The first row is the header; --column
names the phone number column by its header (in any case) or by its position
counting from 1.

Every row is kept, in order. The labels are empty when nobody has the number,
when it is not a number, or when the field is empty. The other fields are
copied as values: quotes are kept only where CSV needs them. A UTF-8 byte
order mark is kept, and so are CRLF line endings when the header has them.
A row shorter than the header is kept as it is, labelled when it reaches the
phone column. A record longer than 1 MiB is refused (exit 4).

Numbers may be written in any accepted form; national ones are read in the
default region (--region). Each distinct number is looked up once, so a log
that repeats callers labels fast, in constant memory, on every core.

Exit status: 0 when the log was copied, whoever the callers were; 2 when
the column or FILE does not exist; 4 when the input is not CSV, naming the
line (the rows before it are already written).`,
		Example: `  $ contacts label calls.csv --column from > labelled.csv
  $ contacts label - --column 3 < calls.csv
  $ contacts label --region DK --delimiter ';' calls.csv --column Nummer`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Column == "" {
				return usageErrorf("label needs --column: the column that holds the phone numbers (see 'contacts label --help')")
			}
			comma, err := parseDelimiter(delimiter)
			if err != nil {
				return err
			}
			opts.File, opts.Comma = args[0], comma
			if runF != nil {
				return runF(opts)
			}
			return labelRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Column, "column", "", "the phone number `column`: a header name, or a position from 1 (required)")
	cmd.Flags().StringVar(&delimiter, "delimiter", ",", "field `delimiter`: one character, or \"tab\"")
	return cmd
}

func labelRun(ctx context.Context, opts *labelOptions) error {
	cfg, _ := opts.Config()
	ios := opts.IO
	var in io.Reader = ios.In
	name := "standard input"
	if opts.File != "-" {
		file, err := os.Open(opts.File)
		if errors.Is(err, fs.ErrNotExist) {
			return usageErrorf("%s: no such file", opts.File)
		} else if err != nil {
			return err
		}
		defer file.Close()
		in, name = file, opts.File
	}
	svc, err := opts.Book(ctx, false)
	if err != nil {
		return err
	}
	l := labeler.New(svc, labeler.Options{Region: cfg.Region, Slim: true})
	lo := labeler.CSVOptions{Column: opts.Column, Comma: opts.Comma, Name: name}
	if ios.IsStdoutTTY() {
		lo.Clean = func(s string) string { return output.Safe(s, false) }
	}
	return labeler.CSV(ctx, l, in, ios.Out, lo)
}

// parseDelimiter reads --delimiter: one character that CSV allows as a
// separator, or "tab".
func parseDelimiter(s string) (rune, error) {
	if s == "tab" || s == `\t` {
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || size != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == '\uFFFD' {
		return 0, &contacts.Error{Code: contacts.EUSAGE, Message: fmt.Sprintf("--delimiter %q: give one character, such as , or ; or tab", s)}
	}
	return r, nil
}
