package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/phoneinc/contacts/internal/progress"
	"github.com/phoneinc/contacts/store"
	"github.com/spf13/cobra"
)

type importOptions struct {
	format      string
	skipInvalid bool
	onConflict  string
	dryRun      bool
}

func newCmdImport(f *Factory) *cobra.Command {
	opts := &importOptions{}
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
			switch opts.onConflict {
			case store.ConflictFail, store.ConflictSkip, store.ConflictUpdate:
			default:
				return usageErrorf("--on-conflict: %q is not one of fail, skip, update", opts.onConflict)
			}
			if opts.format != "" {
				if _, err := format.ParseFormat(opts.format); err != nil {
					return usageErrorf("--format: %v", err)
				}
			}
			return importRun(cmd, f, opts, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.format, "format", "", "input `format`: csv, vcard, json or jsonl (default: from the extension or content)")
	fl.BoolVar(&opts.skipInvalid, "skip-invalid", false, "import the valid rows and report the others")
	fl.StringVar(&opts.onConflict, "on-conflict", store.ConflictFail, "when a number is taken: fail, skip or update")
	fl.BoolVar(&opts.dryRun, "dry-run", false, "validate and report, write nothing")
	return cmd
}

func importRun(cmd *cobra.Command, f *Factory, opts *importOptions, name string) error {
	ctx := cmd.Context()
	cfg, _ := f.Config()

	in, size, err := openInput(name, f.IO.In)
	if err != nil {
		return err
	}
	defer in.Close()
	bar := progress.New(f.IO.ErrOut, f.IO.IsStderrTTY(), "importing", size)
	defer bar.Finish()

	var r io.Reader = progress.CountingReader{R: in, Bar: bar}
	var fm format.Format
	if opts.format != "" {
		fm, _ = format.ParseFormat(opts.format)
	} else if fm = format.FromExtension(name); fm == "" {
		if fm, r, err = format.DetectReader(r); err != nil {
			return fileError(name, err)
		}
	}
	reader, err := format.NewReader(fm, r)
	if err != nil {
		return fileError(name, err)
	}

	rep := newImportReport(f, cfg, name)
	rows := prepareRows(ctx, reader, cfg.Region, fm, bar, rep)
	defer rows.stop()
	// Read the first row before the book is opened, so that a file that
	// cannot be read, or holds nothing, does not create a book.
	first, err := rows.next()
	if err != nil {
		return fileError(name, err)
	}
	if first == nil {
		bar.Finish()
		return rep.finish(&store.ImportResult{}, opts)
	}
	next := func() (*store.ImportRow, error) {
		if row := first; row != nil {
			first = nil
			return row, nil
		}
		return rows.next()
	}

	// A company with no book gets a new one, which the store puts in
	// place only if the import writes it: a failed or dry run leaves none.
	db, err := f.Store(ctx, true)
	if err != nil {
		return err
	}
	res, err := db.Import(ctx, store.ImportOptions{OnConflict: opts.onConflict, SkipInvalid: opts.skipInvalid, DryRun: opts.dryRun},
		next, rep.problem)
	rows.stop()
	bar.Finish()
	if err != nil {
		return fileError(name, err)
	}
	return rep.finish(res, opts)
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
		if name == "-" {
			name = "standard input"
		}
		return &contacts.Error{Code: contacts.EINVALID, Message: name + ": " + fe.Error()}
	}
	return err
}

// batchSize is how many records travel together between the reader, the
// validating workers and the writer, so that channel costs are amortized.
const batchSize = 256

type batch struct {
	seq  int
	recs []*format.Record
	errs []error // a *format.RowError in place of a record
	rows []*store.ImportRow
}

// rowPipeline validates records on every core while the one writer
// inserts: the reader fills batches in file order, workers prepare them
// (normalizing a number costs microseconds), and next hands the rows back
// in file order, so the report and first-wins/last-wins follow the file.
type rowPipeline struct {
	parent  context.Context // the import's: when it is cancelled, so is the import
	out     chan *batch
	fatal   chan error
	cancel  context.CancelFunc
	pending map[int]*batch
	want    int
	cur     *batch
	i       int
	now     time.Time
	rep     *importReport
	vcard   bool
}

func prepareRows(ctx context.Context, reader format.Reader, region string, fm format.Format, bar *progress.Bar, rep *importReport) *rowPipeline {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	p := &rowPipeline{
		parent: parent, out: make(chan *batch, 16), fatal: make(chan error, 1), cancel: cancel,
		pending: map[int]*batch{}, now: time.Now().UTC().Truncate(time.Second), rep: rep, vcard: fm == format.VCard,
	}
	work := make(chan *batch, 16)
	go func() { // the reader
		defer close(work)
		seq := 0
		b := &batch{seq: seq}
		for {
			rec, err := reader.Read()
			var re *format.RowError
			switch {
			case err == io.EOF:
				if len(b.recs) > 0 {
					sendBatch(ctx, work, b)
				}
				return
			case errors.As(err, &re):
				b.recs = append(b.recs, nil)
				b.errs = append(b.errs, err)
			case err != nil:
				p.fatal <- err
				return
			default:
				b.recs = append(b.recs, rec)
				b.errs = append(b.errs, nil)
			}
			bar.AddRow()
			if len(b.recs) == batchSize {
				if !sendBatch(ctx, work, b) {
					return
				}
				seq++
				b = &batch{seq: seq}
			}
		}
	}()
	workers := runtime.GOMAXPROCS(0)
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for b := range work {
				b.rows = make([]*store.ImportRow, len(b.recs))
				for i, rec := range b.recs {
					b.rows[i] = p.prepare(rec, b.errs[i], region)
				}
				select {
				case p.out <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		for w := 0; w < workers; w++ {
			<-done
		}
		close(p.out)
	}()
	return p
}

func sendBatch(ctx context.Context, work chan<- *batch, b *batch) bool {
	select {
	case work <- b:
		return true
	case <-ctx.Done():
		return false
	}
}

// next returns the rows in file order, nil at the end, or the reader's
// fatal error.
func (p *rowPipeline) next() (*store.ImportRow, error) {
	for p.cur == nil || p.i == len(p.cur.rows) {
		if b, ok := p.pending[p.want]; ok {
			delete(p.pending, p.want)
			p.cur, p.i = b, 0
			p.want++
			continue
		}
		var b *batch
		ok := false
		select {
		case b, ok = <-p.out:
		case <-p.parent.Done():
			// A signal: stop now, even with the reader blocked on its
			// input, and never take the rows read so far for the whole
			// file.
			return nil, p.parent.Err()
		}
		if !ok {
			select {
			case err := <-p.fatal:
				return nil, err
			default:
			}
			if err := p.parent.Err(); err != nil {
				return nil, err
			}
			return nil, nil
		}
		p.pending[b.seq] = b
	}
	row, rec := p.cur.rows[p.i], p.cur.recs[p.i]
	p.i++
	if rec != nil && len(rec.Unused) > 0 && row.Contact != nil {
		p.rep.unused(rec.Pos, row.Contact.Phone, rec.Unused)
	}
	if row.Contact != nil && row.Contact.ID == "" {
		// Ids are made here, in file order, so that contacts imported in
		// the same second list in the file's order.
		row.Contact.ID = contacts.NewID()
	}
	return row, nil
}

func (p *rowPipeline) stop() { p.cancel() }

// prepare validates one record as add does and returns it as a row.
func (p *rowPipeline) prepare(rec *format.Record, readErr error, region string) *store.ImportRow {
	if readErr != nil {
		var re *format.RowError
		errors.As(readErr, &re)
		msg := re.Message
		if re.Field != "" {
			msg = re.Field + ": " + msg
		}
		return &store.ImportRow{Pos: re.Pos, Err: &contacts.Error{Code: contacts.EINVALID, Field: re.Field, Message: msg}}
	}
	row := &store.ImportRow{Pos: rec.Pos}
	c, err := contacts.NewContact{Name: rec.Name, Email: rec.Email, Phone: rec.Phone, CompanyName: rec.CompanyName, Note: rec.Note}.Prepare(region)
	if err != nil {
		row.Err = err
		return row
	}
	if rec.ID != "" {
		if id, ok := contacts.ParseID(rec.ID); ok {
			c.ID, row.OwnID = id, true
		} else if !p.vcard { // a phone's vCard UID is some other id: ignore it
			row.Err = contacts.FieldErrorf("id", "%q is not a contact id (a 26-character ULID)", rec.ID)
			return row
		}
	}
	c.CreatedAt, c.UpdatedAt = p.now, p.now
	if rec.CreatedAt != "" {
		if c.CreatedAt, err = contacts.ParseTime(rec.CreatedAt); err != nil {
			row.Err = contacts.FieldErrorf("created_at", "%q is not an RFC 3339 time", rec.CreatedAt)
			return row
		}
		c.UpdatedAt = c.CreatedAt
	}
	if rec.UpdatedAt != "" {
		if c.UpdatedAt, err = contacts.ParseTime(rec.UpdatedAt); err != nil {
			row.Err = contacts.FieldErrorf("updated_at", "%q is not an RFC 3339 time", rec.UpdatedAt)
			return row
		}
		if rec.CreatedAt == "" && c.UpdatedAt.Before(p.now) {
			c.CreatedAt = c.UpdatedAt
		}
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		row.Err = contacts.FieldErrorf("updated_at", "%s is before created_at %s",
			c.UpdatedAt.Format(contacts.TimeFormat), c.CreatedAt.Format(contacts.TimeFormat))
		return row
	}
	row.Contact = c
	return row
}

// importReport writes an import's row report as it goes, and its summary:
// text (problems on standard error, the summary on standard output) or one
// JSON document on standard output.
type importReport struct {
	f     *Factory
	json  bool
	file  string
	buf   []byte
	n     int
	fails int
}

func newImportReport(f *Factory, cfg *Config, name string) *importReport {
	if name == "-" {
		name = "standard input"
	}
	r := &importReport{f: f, json: cfg.JSON(), file: name}
	if r.json {
		r.buf = append(r.buf, `{"report":[`...)
	}
	return r
}

func (r *importReport) problem(p store.Problem) {
	if r.json {
		r.entry(p.Pos, p.Code, p.Field, p.Message, p.ContactID, p.Skipped)
		return
	}
	what := "error"
	if p.Skipped {
		what = "skipped"
	}
	fmt.Fprintf(r.f.IO.ErrOut, "contacts: %s: %s: %s\n", output.Safe(p.Pos, false), what, output.Safe(oneLine(p.Message), false))
}

func (r *importReport) unused(pos, used string, others []string) {
	msg := "used " + used + "; not imported: " + strings.Join(others, ", ")
	if r.json {
		r.entry(pos, "unused", "phone", msg, "", true)
		return
	}
	fmt.Fprintf(r.f.IO.ErrOut, "contacts: %s: note: %s\n", output.Safe(pos, false), output.Safe(oneLine(msg), false))
}

// entry appends one report entry to the JSON document, flushing now and
// then so that a long report streams.
func (r *importReport) entry(pos, code, field, msg, id string, skipped bool) {
	if r.n > 0 {
		r.buf = append(r.buf, ',')
	}
	r.n++
	r.buf = append(r.buf, "\n  {\"pos\":"...)
	r.buf = contacts.AppendJSONString(r.buf, pos)
	r.buf = append(r.buf, `,"code":`...)
	r.buf = contacts.AppendJSONString(r.buf, code)
	r.buf = append(r.buf, `,"field":`...)
	if field == "" {
		r.buf = append(r.buf, "null"...)
	} else {
		r.buf = contacts.AppendJSONString(r.buf, field)
	}
	if id != "" {
		r.buf = append(r.buf, `,"contact_id":`...)
		r.buf = contacts.AppendJSONString(r.buf, id)
	}
	r.buf = append(r.buf, `,"message":`...)
	r.buf = contacts.AppendJSONString(r.buf, msg)
	r.buf = fmt.Appendf(r.buf, `,"skipped":%t}`, skipped)
	if len(r.buf) > 32<<10 {
		r.flush()
	}
}

func (r *importReport) flush() {
	r.f.IO.Out.Write(r.buf)
	r.buf = r.buf[:0]
}

// finish writes the summary and returns the import's verdict: an EINVALID
// or ECONFLICT error when nothing was written because of bad rows.
func (r *importReport) finish(res *store.ImportResult, opts *importOptions) error {
	var verdict error
	switch {
	case res.Invalid > 0 && !opts.skipInvalid:
		verdict = contacts.Errorf(contacts.EINVALID, "%s: %s; nothing was imported (--skip-invalid imports the valid rows)",
			r.file, plural(res.Invalid, "invalid row"))
	case res.Conflicts > 0 && opts.onConflict == store.ConflictFail:
		verdict = contacts.Errorf(contacts.ECONFLICT, "%s: %s already in the book or in the file; nothing was imported (--on-conflict skip or update decides)",
			r.file, plural(res.Conflicts, "number"))
	}
	if r.json {
		if r.n > 0 {
			r.buf = append(r.buf, '\n')
		}
		r.buf = fmt.Appendf(r.buf, `],"file":`)
		r.buf = contacts.AppendJSONString(r.buf, r.file)
		r.buf = fmt.Appendf(r.buf, `,"dry_run":%t,"written":%t,"created":%d,"updated":%d,"unchanged":%d,"skipped":%d,"invalid":%d,"conflicts":%d}`+"\n",
			opts.dryRun, res.Written, res.Created, res.Updated, res.Unchanged, res.Skipped, res.Invalid, res.Conflicts)
		r.flush()
		return verdict
	}
	counts := fmt.Sprintf("%d created, %d updated, %d unchanged, %d skipped, %d invalid", res.Created, res.Updated, res.Unchanged, res.Skipped, res.Invalid)
	if res.Conflicts > 0 {
		counts += fmt.Sprintf(", %d conflicts", res.Conflicts)
	}
	switch {
	case verdict != nil:
		fmt.Fprintf(r.f.IO.Out, "%s: nothing imported (%s)\n", output.Safe(r.file, false), counts)
	case opts.dryRun:
		fmt.Fprintf(r.f.IO.Out, "%s: dry run, nothing written: %s\n", output.Safe(r.file, false), counts)
	default:
		fmt.Fprintf(r.f.IO.Out, "%s: %s\n", output.Safe(r.file, false), counts)
	}
	return verdict
}
