package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/spf13/cobra"
)

type historyOptions struct {
	bookDeps
	Now func() time.Time

	Ref   string
	Limit int
	Since string // a duration back from now, or a time (parseSince)
	Stats bool
}

func newCmdHistory(f *Factory, runF func(*historyOptions) error) *cobra.Command {
	opts := &historyOptions{bookDeps: f.bookDeps(), Now: time.Now}
	cmd := &cobra.Command{
		Use:         "history [REF]",
		Annotations: map[string]string{jsonAnnotation: jsonAny},
		Short:       "Show what changed: the book's operations, or one contact's versions",
		Long: `Every change to a contact is recorded in the book, in the same transaction as
the change: what the contact was before and after, when, in which operation, and
who made it (the CLI and the operating system's user, or the server and the API
key's id and name; never a key's secret).

Without REF, history lists the book's operations, newest first: each add, edit,
rm, import, sync, undo and restore, with the number of contacts it changed. The
operation's id is what 'contacts undo ID' takes.

With REF (an id, or a phone number in any form), it shows that contact's
versions, newest first, and what changed between them, field by field. A
deleted contact is found by its id and by the number it had.

--stats says how much history the book keeps. History is kept for 90 days
(config history_days; 0 keeps it for ever) and pruned as the book is written.`,
		Example: `  $ contacts history
  $ contacts history --since 24h
  $ contacts history +4520123456
  $ contacts history 01JVWX3G8K9Q2M4N5P6R7S8T9V -o json
  $ contacts history --stats`,
		Args:              wrapArgs(cobra.MaximumNArgs(1)),
		ValidArgsFunction: completeContacts(f, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if cmd.Flags().Changed("limit") && opts.Limit <= 0 {
				return usageErrorf("--limit: %d is not a positive number", opts.Limit)
			}
			if opts.Since != "" {
				if _, err := parseSince(opts.Since, opts.Now()); err != nil {
					return usageErrorf("--since: %v", err)
				}
			}
			if opts.Stats && opts.Ref != "" {
				return usageErrorf("--stats takes no REF")
			}
			if runF != nil {
				return runF(opts)
			}
			return historyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "show at most `N` operations or versions")
	cmd.Flags().StringVar(&opts.Since, "since", "", "only what changed since `WHEN`: a duration (24h, 7d) or a time (2026-12-01, RFC 3339)")
	cmd.Flags().BoolVar(&opts.Stats, "stats", false, "say how much history the book keeps")
	return cmd
}

// parseSince reads --since: a duration back from now (30m, 24h, 7d) or a
// date or RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 {
			return now.AddDate(0, 0, -d), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s is neither a duration (24h, 7d) nor a time (2026-12-01, 2026-12-01T10:00:00Z)", contacts.Excerpt(s))
}

// history returns the book's history, refusing a book that keeps none.
func bookHistory(ctx context.Context, book func(context.Context, bool) (contacts.Service, error)) (contacts.History, error) {
	svc, err := book(ctx, false)
	if err != nil {
		return nil, err
	}
	h, ok := svc.(contacts.History)
	if !ok {
		return nil, usageErrorf("this book keeps no history that the CLI can read (a server of another kind)")
	}
	return h, nil
}

func historyRun(ctx context.Context, opts *historyOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	var since time.Time
	if opts.Since != "" {
		if since, err = parseSince(opts.Since, opts.Now()); err != nil {
			return usageErrorf("--since: %v", err)
		}
	}
	h, err := bookHistory(ctx, opts.Book)
	if err != nil {
		return err
	}
	switch {
	case opts.Stats:
		st, err := h.HistoryStats(ctx)
		if err != nil {
			return err
		}
		return printStats(opts.IO.Out, cfg, st)
	case opts.Ref != "":
		revs, err := h.ContactHistory(ctx, opts.Ref)
		if err != nil {
			return err
		}
		return printRevisions(opts.IO.Out, cfg, revs, since, opts.Limit)
	}
	var list []*contacts.Operation
	if err := h.Operations(ctx, contacts.OperationFilter{Since: since, Limit: opts.Limit}, func(op *contacts.Operation) error {
		list = append(list, op)
		return nil
	}); err != nil {
		return err
	}
	if cfg.JSON() {
		return writeJSON(opts.IO.Out, orEmpty(list))
	}
	if len(list) == 0 {
		if opts.IO.IsStderrTTY() {
			fmt.Fprintln(opts.IO.ErrOut, "no history")
		}
		return nil
	}
	t := newTable(opts.IO, opColumns...)
	for _, op := range list {
		if err := t.Row(op.ID, op.At.UTC().Format(contacts.TimeFormat), opKind(op), strconv.Itoa(op.Changes), op.Actor.String(), op.Summary); err != nil {
			return err
		}
	}
	return t.Flush()
}

// opColumns are the columns of the operations listing.
var opColumns = []output.Column{{Header: "OPERATION", Max: 26}, {Header: "AT", Max: 20}, {Header: "KIND", Max: 16},
	{Header: "CHANGES", Max: 9}, {Header: "BY", Max: 40}, {Header: "COMMAND", Max: 60}}

// opKind is an operation's kind as a listing shows it.
func opKind(op *contacts.Operation) string {
	if op.Undoes != "" {
		return "undo " + op.Undoes
	}
	return op.Kind
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// printRevisions shows a contact's versions, newest first, and what
// changed between them.
func printRevisions(w io.Writer, cfg *Config, revs []*contacts.Revision, since time.Time, limit int) error {
	var keep []*contacts.Revision
	for i := len(revs) - 1; i >= 0; i-- {
		r := revs[i]
		if !since.IsZero() && r.Operation.At.Before(since) {
			continue
		}
		keep = append(keep, r)
		if limit > 0 && len(keep) == limit {
			break
		}
	}
	if cfg.JSON() {
		return writeJSON(w, orEmpty(keep))
	}
	bw := bufio.NewWriter(w)
	for i, r := range keep {
		if i > 0 {
			bw.WriteString("\n")
		}
		op := r.Operation
		fmt.Fprintf(bw, "%s  %s  by %s  (operation %s", op.At.UTC().Format(contacts.TimeFormat), r.Kind, output.Safe(op.Actor.String(), false), op.ID)
		if op.Summary != "" {
			fmt.Fprintf(bw, ": %s", output.Safe(op.Summary, false))
		}
		bw.WriteString(")\n")
		switch r.Kind {
		case contacts.RevisionCreate:
			if r.After != nil {
				for _, d := range fieldChanges(&contacts.Contact{}, r.After) {
					fmt.Fprintf(bw, "  %s: %s\n", d.field, quoted(d.new))
				}
			}
		case contacts.RevisionDelete:
			fmt.Fprintf(bw, "  deleted: contacts restore %s brings it back\n", r.ContactID)
		default:
			if r.Before != nil && r.After != nil {
				for _, d := range fieldChanges(r.Before, r.After) {
					fmt.Fprintf(bw, "  %s: %s → %s\n", d.field, quoted(d.old), quoted(d.new))
				}
			}
		}
	}
	return bw.Flush()
}

type fieldChange struct {
	field    string
	old, new *string
}

// fieldChanges lists the fields that differ between a and b.
func fieldChanges(a, b *contacts.Contact) []fieldChange {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var out []fieldChange
	for _, f := range []fieldChange{
		{"name", a.Name, b.Name}, {"email", a.Email, b.Email}, {"phone", str(a.PhoneFormatted), str(b.PhoneFormatted)},
		{"company_name", a.CompanyName, b.CompanyName}, {"note", a.Note, b.Note},
	} {
		if (f.old == nil) != (f.new == nil) || f.old != nil && *f.old != *f.new {
			out = append(out, f)
		}
	}
	return out
}

func quoted(s *string) string {
	if s == nil {
		return "(not set)"
	}
	return `"` + output.Safe(*s, false) + `"`
}

func printStats(w io.Writer, cfg *Config, st contacts.HistoryStats) error {
	if cfg.JSON() {
		return writeJSON(w, st)
	}
	oldest := "none"
	if !st.Oldest.IsZero() {
		oldest = st.Oldest.UTC().Format(contacts.TimeFormat)
	}
	_, err := fmt.Fprintf(w, "Operations: %d\nChanges:    %d\nOldest:     %s\nKept for:   %s\nBook size:  %s (history included)\n",
		st.Operations, st.Changes, oldest, st.Retention, humanBytes(st.Bytes))
	return err
}

// humanBytes writes a size for people: 512 B, 1.5 KiB, 3.2 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// writeJSON writes v as indented JSON, with the product's escaping of
// invisible characters, and a newline.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // this is not HTML: a note reads "A&B"
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(contacts.EscapeJSON(buf.Bytes()))
	return err
}
