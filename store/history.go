package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
)

// The kinds of a recorded change (history_changes.kind).
const (
	changeCreated = "c"
	changeUpdated = "u"
	changeDeleted = "d"
)

var changeKinds = map[string]string{
	changeCreated: contacts.RevisionCreate,
	changeUpdated: contacts.RevisionUpdate,
	changeDeleted: contacts.RevisionDelete,
}

// beginOp records the operation the writer's changes belong to, at its
// first change: its kind, summary and actor come from the context
// (contacts.WithOperation), else the writer's kind. It also prunes the
// history past the book's retention, at most once per operation.
func (w *writer) beginOp() error {
	if w.op != 0 {
		return nil
	}
	info, _ := contacts.OperationFrom(w.ctx)
	if info.Kind == "" {
		info.Kind = w.kind
	}
	w.opID = contacts.NewID()
	st, err := w.stmt(&w.opNew, sqlOpNew)
	if err != nil {
		return err
	}
	r, err := st.ExecContext(w.ctx,
		w.opID, info.Kind, info.Summary, info.Actor.Via, info.Actor.User, info.Actor.KeyID, info.Actor.KeyID,
		w.now.Format(contacts.TimeFormat), w.undoes)
	if err != nil {
		return err
	}
	if w.op, err = r.LastInsertId(); err != nil {
		return err
	}
	return w.prune()
}

// finishOp records how many changes the operation made.
func (w *writer) finishOp() error {
	if w.op == 0 {
		return nil
	}
	if err := w.flushCreated(); err != nil {
		return err
	}
	st, err := w.stmt(&w.opDone, sqlOpDone)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(w.ctx, w.nchg, w.op)
	return err
}

// createdBatch is how many creations are recorded by one statement: an
// import of a million rows records them in 16,000 statements instead of a
// million.
const createdBatch = 64

// logCreated records that the contact with id was created. The record is
// written with the next ones, in order: before the next change of another
// kind, and before the operation ends.
func (w *writer) logCreated(id string) error {
	if err := w.beginOp(); err != nil {
		return err
	}
	w.created = append(w.created, id)
	if len(w.created) == createdBatch {
		return w.flushCreated()
	}
	return nil
}

// flushCreated writes the creations logCreated holds.
func (w *writer) flushCreated() error {
	n := len(w.created)
	if n == 0 {
		return nil
	}
	var st *sql.Stmt
	var err error
	switch n {
	case createdBatch:
		st, err = w.stmt(&w.logNew, sqlLogBatch)
	case 1:
		st, err = w.stmt(&w.logOne, sqlLogOne)
	default:
		st, err = w.tx.PrepareContext(w.ctx, createdInsert(n))
		if st != nil {
			defer st.Close()
		}
	}
	if err != nil {
		return err
	}
	args := make([]any, 0, 2*n)
	for _, id := range w.created {
		args = append(args, w.op, id)
	}
	if _, err := st.ExecContext(w.ctx, args...); err != nil {
		return err
	}
	w.nchg += n
	w.created = w.created[:0]
	return nil
}

// The statements that record an operation and its changes.
const (
	sqlOpNew = `INSERT INTO history_operations (id, kind, summary, via, user, key_id, key_name, at, undoes)
		VALUES (?, ?, ?, ?, ?, ?, coalesce((SELECT name FROM api_keys WHERE id = ?), ''), ?, ?)`
	sqlOpDone = `UPDATE history_operations SET changes = ? WHERE seq = ?`
	sqlLogOld = `INSERT INTO history_changes (op, contact_id, kind, name, email, phone, phone_formatted, company_name, note, created_at, updated_at)
		SELECT ?, id, ?, name, email, phone, phone_formatted, company_name, note, created_at, updated_at FROM contacts WHERE id = ?`
)

var sqlLogOne, sqlLogBatch = createdInsert(1), createdInsert(createdBatch)

// createdInsert is the statement that records n creations.
func createdInsert(n int) string {
	return `INSERT INTO history_changes (op, contact_id, kind) VALUES ` + strings.Repeat(`(?, ?, 'c'), `, n-1) + `(?, ?, 'c')`
}

// logBefore records the contact with id as it is, before a change of kind.
func (w *writer) logBefore(id, kind string) error {
	if err := w.beginOp(); err != nil {
		return err
	}
	if err := w.flushCreated(); err != nil {
		return err
	}
	st, err := w.stmt(&w.logOld, sqlLogOld)
	if err != nil {
		return err
	}
	r, err := st.ExecContext(w.ctx, w.op, kind, id)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err == nil && n > 0 {
		w.nchg++
	}
	return err
}

// pruneEvery is how often the writes of one process look for history to
// prune.
const pruneEvery = time.Minute

// prune deletes the operations older than the book's retention, and their
// changes, at most every pruneEvery. The oldest operation comes first, so
// a book with nothing to prune pays one indexed read.
func (w *writer) prune() error {
	keep := w.db.opts.HistoryRetention
	if keep == 0 {
		keep = DefaultHistoryRetention
	}
	if keep < 0 {
		return nil
	}
	// A server writes many times a minute, and the retention is counted
	// in days: look at most once a minute (a process of the CLI, at its
	// first write).
	w.db.pruneMu.Lock()
	due := !w.now.Before(w.db.nextPrune)
	if due {
		w.db.nextPrune = w.now.Add(pruneEvery)
	}
	w.db.pruneMu.Unlock()
	if !due {
		return nil
	}
	cutoff := w.now.Add(-keep).Format(contacts.TimeFormat)
	var oldest string
	err := w.tx.QueryRowContext(w.ctx, `SELECT at FROM history_operations ORDER BY seq LIMIT 1`).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) || err == nil && oldest >= cutoff {
		return nil
	} else if err != nil {
		return err
	}
	var last sql.NullInt64
	if err := w.tx.QueryRowContext(w.ctx, `SELECT max(seq) FROM history_operations WHERE at < ? AND seq < ?`, cutoff, w.op).Scan(&last); err != nil || !last.Valid {
		return err
	}
	if _, err := w.tx.ExecContext(w.ctx, `DELETE FROM history_changes WHERE op <= ?`, last.Int64); err != nil {
		return err
	}
	_, err = w.tx.ExecContext(w.ctx, `DELETE FROM history_operations WHERE seq <= ?`, last.Int64)
	return err
}

const opColumns = `id, kind, summary, via, user, key_id, key_name, at, undoes, changes`

// scanOp scans an operation's opColumns, after the leading columns into
// lead.
func scanOp(sc interface{ Scan(...any) error }, lead ...any) (*contacts.Operation, error) {
	var op contacts.Operation
	var at string
	dest := append(lead, &op.ID, &op.Kind, &op.Summary, &op.Actor.Via, &op.Actor.User, &op.Actor.KeyID, &op.Actor.KeyName, &at, &op.Undoes, &op.Changes)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	if op.At, err = parseTime(at); err != nil {
		return nil, fmt.Errorf("operation %s: at: %w", op.ID, err)
	}
	return &op, nil
}

// Operations implements contacts.History.
func (db *DB) Operations(ctx context.Context, f contacts.OperationFilter, fn func(*contacts.Operation) error) (err error) {
	defer db.explain(&err)
	q := `SELECT ` + opColumns + ` FROM history_operations`
	var args []any
	if !f.Since.IsZero() {
		q += ` WHERE at >= ?`
		args = append(args, f.Since.UTC().Format(contacts.TimeFormat))
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		op, err := scanOp(rows)
		if err != nil {
			return err
		}
		if err := fn(op); err != nil {
			return err
		}
	}
	return rows.Err()
}

// findOp returns the operation with id ("" for the last) and its seq;
// ENOTFOUND when there is none.
func findOp(ctx context.Context, q queryer, id string) (*contacts.Operation, int64, error) {
	query, args := `SELECT seq, `+opColumns+` FROM history_operations ORDER BY seq DESC LIMIT 1`, []any{}
	if id != "" {
		canon, ok := contacts.ParseID(id)
		if !ok {
			return nil, 0, contacts.Errorf(contacts.ENOTFOUND, "no operation with id %s in the book's history", contacts.Excerpt(id))
		}
		query, args = `SELECT seq, `+opColumns+` FROM history_operations WHERE id = ?`, []any{canon}
	}
	var seq int64
	op, err := scanOp(q.QueryRowContext(ctx, query, args...), &seq)
	if errors.Is(err, sql.ErrNoRows) {
		if id == "" {
			return nil, 0, contacts.Errorf(contacts.ENOTFOUND, "nothing to undo: the book's history is empty")
		}
		return nil, 0, contacts.Errorf(contacts.ENOTFOUND, "no operation with id %s in the book's history", args[0])
	}
	return op, seq, err
}

// beforeColumns are a change's image of the contact before it.
const beforeColumns = `name, email, phone, phone_formatted, company_name, note, created_at, updated_at`

// change is a recorded change, with the contact before it (nil for a
// created contact).
type change struct {
	seq       int64
	contactID string
	kind      string
	before    *contacts.Contact
}

// scanChange scans seq, contact_id, kind and the before columns.
func scanChange(sc interface{ Scan(...any) error }, lead ...any) (*change, error) {
	var ch change
	var (
		name, email, phone, formatted, company, note, created, updated sql.NullString
	)
	dest := append(lead, &ch.seq, &ch.contactID, &ch.kind, &name, &email, &phone, &formatted, &company, &note, &created, &updated)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	if ch.kind != changeCreated {
		r := row{id: ch.contactID, phone: phone.String, phoneFormatted: formatted.String, createdAt: created.String, updatedAt: updated.String,
			name: name, email: email, companyName: company, note: note}
		c, err := r.contact()
		if err != nil {
			return nil, err
		}
		ch.before = c
	}
	return &ch, nil
}

// ContactHistory implements contacts.History.
func (db *DB) ContactHistory(ctx context.Context, ref string) (_ []*contacts.Revision, err error) {
	defer db.explain(&err)
	id, err := db.historyRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, `SELECT o.seq, `+prefixed("o.", opColumns)+`, h.seq, h.contact_id, h.kind, `+prefixed("h.", beforeColumns)+`
		FROM history_changes h JOIN history_operations o ON o.seq = h.op WHERE h.contact_id = ? ORDER BY h.seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*contacts.Revision
	ops := map[int64]*contacts.Operation{}
	for rows.Next() {
		var opSeq int64
		var op contacts.Operation
		var at string
		ch, err := scanChange(rows, &opSeq, &op.ID, &op.Kind, &op.Summary, &op.Actor.Via, &op.Actor.User, &op.Actor.KeyID, &op.Actor.KeyName, &at, &op.Undoes, &op.Changes)
		if err != nil {
			return nil, err
		}
		if ops[opSeq] == nil {
			if op.At, err = parseTime(at); err != nil {
				return nil, err
			}
			ops[opSeq] = &op
		}
		if n := len(revs); n > 0 {
			revs[n-1].After = ch.before
		}
		revs = append(revs, &contacts.Revision{Operation: ops[opSeq], ContactID: ch.contactID, Kind: changeKinds[ch.kind], Before: ch.before})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cur, err := findContact(ctx, db.db, `id = ?`, id)
	if err != nil && contacts.ErrorCode(err) != contacts.ENOTFOUND {
		return nil, err
	}
	if n := len(revs); n > 0 && revs[n-1].Kind != contacts.RevisionDelete {
		revs[n-1].After = cur
	}
	if len(revs) == 0 && cur == nil {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s, and no record of one", id)
	}
	return revs, nil
}

// historyRef is the id of the contact ref names: its id, or a number it
// has, or had when it was deleted or changed its number.
func (db *DB) historyRef(ctx context.Context, ref string) (string, error) {
	if id, ok := contacts.ParseID(ref); ok {
		return id, nil
	}
	p, err := contacts.NormalizeCaller(ref, contacts.RegionFrom(ctx, db.region))
	if err != nil {
		return "", contacts.Errorf(contacts.ENOTFOUND, "no contact matches %s: it is neither a contact id nor a phone number (%s)",
			contacts.Excerpt(ref), strings.TrimPrefix(err.Error(), "phone: "))
	}
	if c, err := db.findByPhone(ctx, p.E164); err == nil {
		return c.ID, nil
	} else if contacts.ErrorCode(err) != contacts.ENOTFOUND {
		return "", err
	}
	var id string
	err = db.db.QueryRowContext(ctx, `SELECT contact_id FROM history_changes WHERE phone = ? ORDER BY seq DESC LIMIT 1`, p.E164).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s, and no record of one", p.Formatted)
	}
	return id, err
}

// undoBatch is how many changes an undo reads at a time.
const undoBatch = 10000

// maxListed is how many contacts an error lists.
const maxListed = 10

// Undo implements contacts.History: the operation's changes are reverted
// newest first, through the one writer, as a new operation of kind "undo"
// (so an undo can itself be undone: a redo).
func (db *DB) Undo(ctx context.Context, id string, force bool) (*contacts.Operation, error) {
	var undone *contacts.Operation
	var undoID string
	err := db.write(ctx, "undo", func(w *writer) error {
		op, seq, err := findOp(ctx, w.tx, id)
		if err != nil {
			return err
		}
		undone = op
		if !force {
			if err := laterChanges(ctx, w.tx, op, seq); err != nil {
				return err
			}
		}
		w.undoes = op.ID
		if err := w.beginOp(); err != nil { // even an operation of no change is undone by one
			return err
		}
		undoID = w.opID
		// An undo of an import deletes or rewrites its contacts all over
		// the phone, id and history indexes: the page cache an import
		// has (newImporter), and more, since an undo writes each
		// contact's history too.
		if op.Changes > undoBatch {
			if _, err := w.tx.ExecContext(ctx, `PRAGMA cache_size = -32768`); err != nil {
				return err
			}
		}
		last := int64(1) << 62
		for {
			batch, err := opChanges(ctx, w.tx, seq, last)
			if err != nil || len(batch) == 0 {
				return err
			}
			for _, ch := range batch {
				if err := w.revert(ch); err != nil {
					return fmt.Errorf("undo %s: %w", op.ID, err)
				}
				last = ch.seq
			}
		}
	})
	if err != nil {
		var de *contacts.Error
		if errors.As(err, &de) && de.Code == contacts.ECONFLICT && undone != nil && !strings.HasPrefix(de.Message, "undo ") {
			de.Message = "undo " + undone.ID + ": " + de.Message
		}
		return nil, err
	}
	op, _, err := findOp(ctx, db.db, undoID)
	return op, err
}

// laterChanges is ECONFLICT, listing them, when operations after op
// changed contacts that op changed.
func laterChanges(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, op *contacts.Operation, seq int64) error {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT mine.contact_id FROM history_changes mine
		WHERE mine.op = ? AND EXISTS (SELECT 1 FROM history_changes later WHERE later.contact_id = mine.contact_id AND later.op > ?)
		LIMIT ?`, seq, seq, maxListed+1)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	more := ""
	if len(ids) > maxListed {
		ids, more = ids[:maxListed], ", …"
	}
	sort.Strings(ids)
	return &contacts.Error{Code: contacts.ECONFLICT, ContactID: ids[0],
		Message: fmt.Sprintf("undo %s: later operations changed %s it changed: %s%s; nothing was undone (--force reverts them anyway)",
			op.ID, plural(len(ids), "contact"), strings.Join(ids, ", "), more)}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// opChanges returns the changes of the operation with seq that come
// before the change before, newest first, a batch at a time.
func opChanges(ctx context.Context, tx *writeTx, op, before int64) ([]*change, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, contact_id, kind, `+beforeColumns+` FROM history_changes
		WHERE op = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, op, before, undoBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*change
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}

// revert puts the contact a change changed back as it was before it: a
// created contact is deleted, an updated or deleted one takes its old
// fields again (and its id and created_at), with updated_at now.
func (w *writer) revert(ch *change) error {
	if ch.before == nil {
		err := w.delete(ch.contactID)
		if contacts.ErrorCode(err) == contacts.ENOTFOUND {
			return nil // deleted since (with --force): as it was before
		}
		return err
	}
	cur, err := w.find(ch.contactID)
	if err != nil && contacts.ErrorCode(err) != contacts.ENOTFOUND {
		return err
	}
	c := *ch.before
	if cur == nil {
		c.UpdatedAt = w.now
		if !c.UpdatedAt.After(ch.before.UpdatedAt) {
			c.UpdatedAt = ch.before.UpdatedAt.Add(time.Second)
		}
		return w.create(&c)
	}
	c.UpdatedAt = w.touch(cur)
	return w.update(&c)
}

// Restore implements contacts.History.
func (db *DB) Restore(ctx context.Context, id string) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no deleted contact with id %s", contacts.Excerpt(id))
	}
	var c *contacts.Contact
	err := db.write(ctx, "restore", func(w *writer) error {
		if _, err := findContact(ctx, w.tx, `id = ?`, canon); err == nil {
			return contacts.Errorf(contacts.ENOTFOUND, "contact %s is not deleted: it is in the book", canon)
		} else if contacts.ErrorCode(err) != contacts.ENOTFOUND {
			return err
		}
		ch, err := scanChange(w.tx.QueryRowContext(ctx, `SELECT seq, contact_id, kind, `+beforeColumns+` FROM history_changes
			WHERE contact_id = ? AND kind = 'd' ORDER BY seq DESC LIMIT 1`, canon))
		if errors.Is(err, sql.ErrNoRows) {
			return contacts.Errorf(contacts.ENOTFOUND, "no deleted contact with id %s in the book's history", canon)
		} else if err != nil {
			return err
		}
		if err := w.revert(ch); err != nil {
			return err
		}
		c, err = findContact(ctx, w.tx, `id = ?`, canon)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// HistoryStats implements contacts.History.
func (db *DB) HistoryStats(ctx context.Context) (_ contacts.HistoryStats, err error) {
	defer db.explain(&err)
	var st contacts.HistoryStats
	var oldest sql.NullString
	if err := db.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM history_operations), (SELECT count(*) FROM history_changes),
		(SELECT at FROM history_operations ORDER BY seq LIMIT 1)`).Scan(&st.Operations, &st.Changes, &oldest); err != nil {
		return st, err
	}
	if oldest.Valid {
		st.Oldest, _ = parseTime(oldest.String)
	}
	keep := db.opts.HistoryRetention
	switch {
	case keep == 0:
		keep = DefaultHistoryRetention
		fallthrough
	case keep > 0 && keep%(24*time.Hour) == 0:
		st.Retention = fmt.Sprintf("%d days", int(keep.Hours()/24))
	case keep > 0:
		st.Retention = keep.String()
	default:
		st.Retention = "for ever"
	}
	for _, side := range []string{"", "-wal"} {
		if fi, err := os.Stat(db.file + side); err == nil {
			st.Bytes += fi.Size()
		}
	}
	return st, nil
}

var _ contacts.History = (*DB)(nil)
