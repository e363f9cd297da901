// Package importer is `contacts import`: it reads a file of contacts in any
// format internal/format knows, puts every row through the domain's one
// gate (contacts.Prepare) on every core, in file order, hands the rows to
// a book's Import (one transaction), and reports what it did, row by row
// and in sum, as text or as one JSON document.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/pipeline"
	"github.com/phoneinc/contacts/internal/progress"
)

// Options configure an import.
type Options struct {
	// Format is the file's format; "" means from the name's extension,
	// else from the content.
	Format format.Format
	// Region is the default region for national numbers.
	Region string
	// Import is what the book does with the rows.
	Import contacts.ImportOptions
	// Bar, when not nil, shows the progress.
	Bar *progress.Bar
}

// Run imports the file name (standard input, in, for "-") into the book
// that open returns, and reports to rep. The error is for the import as a
// whole: a file that cannot be read (EINVALID naming it), I/O, a signal;
// what the rows were is in the result and the report.
func Run(ctx context.Context, name string, in io.Reader, opts Options, open func() (contacts.Importer, error), rep *Report) (*contacts.ImportResult, error) {
	r, size, err := openInput(name, in)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	bar := opts.Bar
	if bar == nil {
		bar = progress.New(io.Discard, false, "", 0)
	}
	bar.SetTotal(size)

	book, err := open()
	if err != nil {
		return nil, err
	}
	rows := &rowMaker{region: opts.Region, now: time.Now().UTC().Truncate(time.Second)}
	iopts := opts.Import
	if iopts.Changes == nil && rep.wantsChanges() {
		iopts.Changes = rep.change
	}
	// Everything that reads the file, even its first bytes (the format's
	// detection, a CSV header), runs in the pipeline's source, so that a
	// signal ends the import at once even when the input has stopped in
	// the middle (a pipe).
	source := func(s *pipeline.Sender[record]) error {
		var src io.Reader = progress.CountingReader{R: r, Bar: bar}
		fm := opts.Format
		if fm == "" {
			if fm = format.FromExtension(name); fm == "" {
				var err error
				if fm, src, err = format.DetectReader(src); err != nil {
					return fileError(name, err)
				}
			}
		}
		rows.vcard = fm == format.VCard
		reader, err := format.NewReader(fm, src)
		if err != nil {
			return fileError(name, err)
		}
		for {
			rec, err := reader.Read()
			var re *format.RowError
			switch {
			case err == io.EOF:
				return nil
			case errors.As(err, &re):
			case err != nil:
				return fileError(name, err)
			}
			bar.AddRow()
			if !s.Send(record{rec, err}, 0) {
				return pipeline.ErrStopped
			}
		}
	}
	res, err := book.Import(ctx, iopts, func(yield func(*contacts.ImportRow) error) error {
		return pipeline.Pipe[record, *preparedRow]{
			Source: source,
			Work:   func(_ context.Context, r record) (*preparedRow, error) { return rows.make(r), nil },
		}.Run(ctx, func(row *preparedRow) error {
			if row.Contact != nil && row.Contact.ID == "" {
				// Ids are made here, in file order, so that contacts
				// imported in the same second list in the file's order.
				row.Contact.ID = contacts.NewID()
			}
			if row.unused != nil {
				rep.unused(row.Pos, row.Contact.Phone, row.unused)
			}
			return yield(&row.ImportRow)
		})
	}, rep.problem)
	bar.Finish()
	if err != nil {
		return res, fileError(name, err)
	}
	return res, nil
}

// record is a record of the file, or the error that makes it invalid.
type record struct {
	rec *format.Record
	err error // a *format.RowError
}

// openInput opens a file, or standard input for "-", and its size when known.
func openInput(name string, stdin io.Reader) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(stdin), 0, nil
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, 0, err
	}
	if fi.IsDir() {
		file.Close()
		return nil, 0, fmt.Errorf("%s is a directory", name)
	}
	return file, fi.Size(), nil
}

// fileError makes a file's unreadable content an invalid-input error
// naming the file; other errors (I/O) stay what they are.
func fileError(name string, err error) error {
	var fe *format.FileError
	if errors.As(err, &fe) {
		return &contacts.Error{Code: contacts.EINVALID, Message: displayName(name) + ": " + fe.Error()}
	}
	return err
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
