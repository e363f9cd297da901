package importer

import (
	"fmt"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
)

// Report writes an import's report as it goes, and its summary: as text
// (each problem a line on standard error; a dry run's changes, field by
// field, on standard output; the summary, a message, on standard error), or
// as one JSON document on standard output, streamed.
type Report struct {
	out, errOut io.Writer
	json        bool
	file        string
	opts        contacts.ImportOptions
	buf         []byte
	n           int
}

// NewReport returns the report of an import of the file name ("-" for
// standard input) with opts.
func NewReport(out, errOut io.Writer, asJSON bool, name string, opts contacts.ImportOptions) *Report {
	r := &Report{out: out, errOut: errOut, json: asJSON, file: displayName(name), opts: opts}
	if r.json {
		r.buf = append(r.buf, `{"report":[`...)
	}
	return r
}

// wantsChanges reports whether the report shows each change: a dry run's.
func (r *Report) wantsChanges() bool { return r.opts.DryRun }

func (r *Report) problem(p contacts.Problem) {
	if r.json {
		r.entry(p.Pos, p.Code, p.Field, p.Message, p.ContactID, p.Skipped)
		return
	}
	what := "error"
	if p.Skipped {
		what = "skipped"
	}
	fmt.Fprintf(r.errOut, "contacts: %s: %s: %s\n", output.Safe(p.Pos, false), what, output.Safe(oneLine(p.Message), false))
}

func (r *Report) unused(pos, used string, others []string) {
	msg := "used " + used + "; not imported: " + strings.Join(others, ", ")
	if r.json {
		r.entry(pos, "unused", "phone", msg, "", true)
		return
	}
	fmt.Fprintf(r.errOut, "contacts: %s: note: %s\n", output.Safe(pos, false), output.Safe(oneLine(msg), false))
}

// change shows one contact a dry run would change: created, or its fields
// before and after.
func (r *Report) change(ch contacts.Change) {
	if r.json {
		r.sep()
		r.buf = append(r.buf, "\n  {\"pos\":"...)
		r.buf = contacts.AppendJSONString(r.buf, ch.Pos)
		if ch.Before == nil {
			r.buf = append(r.buf, `,"code":"create","contact":`...)
			r.buf = ch.After.AppendJSON(r.buf)
		} else {
			r.buf = append(r.buf, `,"code":"update","contact_id":`...)
			r.buf = contacts.AppendJSONString(r.buf, ch.Before.ID)
			r.buf = append(r.buf, `,"phone":`...)
			r.buf = contacts.AppendJSONString(r.buf, ch.Before.Phone)
			r.buf = append(r.buf, `,"fields":{`...)
			for i, d := range diff(ch.Before, ch.After) {
				if i > 0 {
					r.buf = append(r.buf, ',')
				}
				r.buf = contacts.AppendJSONString(r.buf, d.field)
				r.buf = append(r.buf, `:{"old":`...)
				r.buf = appendOptional(r.buf, d.old)
				r.buf = append(r.buf, `,"new":`...)
				r.buf = appendOptional(r.buf, d.new)
				r.buf = append(r.buf, '}')
			}
			r.buf = append(r.buf, '}')
		}
		r.buf = append(r.buf, '}')
		r.flushSome()
		return
	}
	pos := output.Safe(ch.Pos, false)
	if ch.Before == nil {
		fmt.Fprintf(r.out, "%s: create %s %s\n", pos, ch.After.PhoneFormatted, output.Safe(ch.After.DisplayName(), false))
		return
	}
	fmt.Fprintf(r.out, "%s: update %s (%s)\n", pos, ch.Before.PhoneFormatted, ch.Before.ID)
	for _, d := range diff(ch.Before, ch.After) {
		fmt.Fprintf(r.out, "  %s: %s → %s\n", d.field, textOrNone(d.old), textOrNone(d.new))
	}
}

type fieldDiff struct {
	field    string
	old, new *string
}

// diff lists the writable fields that differ between a and b.
func diff(a, b *contacts.Contact) []fieldDiff {
	var ds []fieldDiff
	for _, f := range []struct {
		name     string
		old, new *string
	}{
		{"name", a.Name, b.Name}, {"email", a.Email, b.Email}, {"phone", &a.Phone, &b.Phone},
		{"company_name", a.CompanyName, b.CompanyName}, {"note", a.Note, b.Note},
	} {
		if (f.old == nil) != (f.new == nil) || f.old != nil && *f.old != *f.new {
			ds = append(ds, fieldDiff{f.name, f.old, f.new})
		}
	}
	return ds
}

func textOrNone(s *string) string {
	if s == nil {
		return "(not set)"
	}
	return `"` + output.Safe(*s, false) + `"`
}

func appendOptional(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return contacts.AppendJSONString(b, *s)
}

func (r *Report) sep() {
	if r.n > 0 {
		r.buf = append(r.buf, ',')
	}
	r.n++
}

// entry appends one report entry to the JSON document.
func (r *Report) entry(pos, code, field, msg, id string, skipped bool) {
	r.sep()
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
	r.flushSome()
}

// flushSome writes the document out now and then, so that a long report
// streams.
func (r *Report) flushSome() {
	if len(r.buf) > 32<<10 {
		r.flush()
	}
}

func (r *Report) flush() {
	r.out.Write(r.buf)
	r.buf = r.buf[:0]
}

// Finish writes the summary of res and returns the import's verdict: an
// EINVALID or ECONFLICT error when nothing was written because of bad rows.
func (r *Report) Finish(res *contacts.ImportResult) error {
	if res == nil {
		res = &contacts.ImportResult{}
	}
	var verdict error
	switch {
	case res.Invalid > 0 && !r.opts.SkipInvalid:
		verdict = contacts.Errorf(contacts.EINVALID, "%s: %s; nothing was imported (--skip-invalid imports the valid rows)",
			r.file, plural(res.Invalid, "invalid row"))
	case res.Conflicts > 0 && (r.opts.OnConflict == "" || r.opts.OnConflict == contacts.ConflictFail):
		verdict = contacts.Errorf(contacts.ECONFLICT, "%s: %s already in the book or in the file; nothing was imported (--on-conflict skip, update or replace decides)",
			r.file, plural(res.Conflicts, "number"))
	}
	if r.json {
		if r.n > 0 {
			r.buf = append(r.buf, '\n')
		}
		r.buf = append(r.buf, `],"file":`...)
		r.buf = contacts.AppendJSONString(r.buf, r.file)
		r.buf = fmt.Appendf(r.buf, `,"dry_run":%t,"written":%t,"created":%d,"updated":%d,"unchanged":%d,"skipped":%d,"invalid":%d,"conflicts":%d}`+"\n",
			r.opts.DryRun, res.Written, res.Created, res.Updated, res.Unchanged, res.Skipped, res.Invalid, res.Conflicts)
		r.flush()
		return verdict
	}
	counts := fmt.Sprintf("%d created, %d updated, %d unchanged, %d skipped, %d invalid", res.Created, res.Updated, res.Unchanged, res.Skipped, res.Invalid)
	if res.Conflicts > 0 {
		counts += fmt.Sprintf(", %d conflicts", res.Conflicts)
	}
	file := output.Safe(r.file, false)
	switch {
	case verdict != nil:
		fmt.Fprintf(r.errOut, "%s: nothing imported (had it been: %s)\n", file, counts)
	case r.opts.DryRun:
		fmt.Fprintf(r.errOut, "%s: dry run, nothing written: %s\n", file, counts)
	default:
		fmt.Fprintf(r.errOut, "%s: %s\n", file, counts)
	}
	return verdict
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// oneLine keeps a message on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
