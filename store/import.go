package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
)

// Import implements contacts.Importer: every row goes through the one
// writer, in one transaction.
func (db *DB) Import(ctx context.Context, opts contacts.ImportOptions, rows func(yield func(*contacts.ImportRow) error) error, report func(contacts.Problem)) (_ *contacts.ImportResult, err error) {
	defer db.explain(&err)
	switch opts.OnConflict {
	case "":
		opts.OnConflict = contacts.ConflictFail
	case contacts.ConflictFail, contacts.ConflictSkip, contacts.ConflictUpdate, contacts.ConflictReplace:
	default:
		return nil, contacts.Errorf(contacts.EUSAGE, "--on-conflict: %q is not one of %s", opts.OnConflict, strings.Join(contacts.ConflictPolicies, ", "))
	}
	if err := db.writable(); err != nil {
		return nil, err
	}
	res, inserted, lost, err := db.importRows(ctx, opts, rows, report)
	if lost == nil || err != nil {
		return res, err
	}
	defer lost.remove()
	return db.carryImport(ctx, lost.file, opts, res, inserted, report)
}

// importRows runs an import in one transaction. It returns the positions
// of the rows it inserted and, when the import was the first write to a
// new book that another process made meanwhile, this import's new book
// (see commit).
func (db *DB) importRows(ctx context.Context, opts contacts.ImportOptions, rows func(yield func(*contacts.ImportRow) error) error, report func(contacts.Problem)) (*contacts.ImportResult, *posList, *pending, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	defer tx.Rollback()
	w := newWriter(ctx, db, tx, "import")
	defer w.close()
	im, err := newImporter(w, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	defer im.close()
	res := &contacts.ImportResult{}
	err = rows(func(row *contacts.ImportRow) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if row.Err != nil {
			res.Invalid++
			var de *contacts.Error
			p := contacts.Problem{Pos: row.Pos, Code: contacts.EINVALID, Message: row.Err.Error(), Skipped: opts.SkipInvalid}
			if errors.As(row.Err, &de) {
				p.Field = de.Field
			}
			report(p)
			return nil
		}
		return im.write(row, res, report)
	})
	if err != nil {
		return res, nil, nil, err
	}
	failed := res.Invalid > 0 && !opts.SkipInvalid || res.Conflicts > 0 && opts.OnConflict == contacts.ConflictFail
	if failed || opts.DryRun || res.Created+res.Updated == 0 {
		// Nothing to commit: a file of no rows, or of rows the book has,
		// leaves the book (and a new book's file) as it was.
		return res, nil, nil, nil
	}
	if err := w.finishOp(); err != nil {
		return res, nil, nil, err
	}
	if err := indexQueued(ctx, tx); err != nil {
		return res, nil, nil, err
	}
	lost, err := db.commit(ctx, tx)
	if err != nil {
		return res, nil, nil, err
	}
	res.Written = lost == nil
	return res, &im.inserted, lost, nil
}

// carryImport carries an import into a new book over to the book that
// another process made meanwhile, which db now is: the contacts the import
// wrote to its own new book, in file, are imported into this one, with the
// same options, and each conflict with what this book holds is reported
// at the position of the row it came from. first is what the import did
// in its own book; the result is what it did in all.
func (db *DB) carryImport(ctx context.Context, file string, opts contacts.ImportOptions, first *contacts.ImportResult, inserted *posList, report func(contacts.Problem)) (*contacts.ImportResult, error) {
	src, err := openBook(ctx, file, db.path, Options{})
	if err != nil {
		return first, err
	}
	defer src.Close()
	rows, err := src.db.QueryContext(ctx, `SELECT rowid, `+contactColumns+` FROM contacts ORDER BY rowid`)
	if err != nil {
		return first, err
	}
	defer rows.Close()
	var (
		rowid int64
		r     row
	)
	dest := append([]any{&rowid}, r.dest()...)
	each := func(yield func(*contacts.ImportRow) error) error {
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			c, err := r.contact()
			if err != nil {
				return err
			}
			in := &contacts.ImportRow{Contact: c, Given: contacts.AllFields, OwnID: true}
			if i := rowid - 1; i >= 0 && i < int64(inserted.len()) {
				in.Pos = inserted.at(int(i))
			}
			if err := yield(in); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	res, _, _, err := db.importRows(ctx, opts, each, report)
	if err != nil {
		return first, err
	}
	return &contacts.ImportResult{
		Created: res.Created, Updated: first.Updated + res.Updated, Unchanged: first.Unchanged + res.Unchanged,
		Skipped: first.Skipped + res.Skipped, Invalid: first.Invalid, Conflicts: res.Conflicts, Written: res.Written,
	}, nil
}

// importer is an import's own part of the write: what it has inserted,
// to name the row a later row's number is also on.
type importer struct {
	w         *writer
	opts      contacts.ImportOptions
	find      *sql.Stmt
	baseRowID int64   // rows above it were inserted by this import
	inserted  posList // Pos of each inserted row, by rowid-baseRowID-1
}

// posList is a list of row positions ("line 12"), packed: a million of
// them as strings would cost some 32 MB of small objects (and the
// collector twice that); packed, about 15 MB.
type posList struct {
	text []byte
	ends []uint32
}

func (l *posList) add(pos string) {
	if len(l.text)+len(pos) > math.MaxUint32 {
		pos = "" // past 4 GB of positions: a conflict's message then names only the contact
	}
	l.text = append(l.text, pos...)
	l.ends = append(l.ends, uint32(len(l.text)))
}

func (l *posList) len() int { return len(l.ends) }

func (l *posList) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return string(l.text[start:l.ends[i]])
}

func newImporter(w *writer, opts contacts.ImportOptions) (*importer, error) {
	im := &importer{w: w, opts: opts}
	ctx, tx := w.ctx, w.tx
	// A bulk insert touches the phone, id and newest-first indexes all over,
	// so the page cache is raised from SQLite's 2 MB to 8 MiB. Not more: on
	// a million rows 64 MiB was no faster (38 s either way, once the
	// validation overlapped the inserts) and made the process 100 MB
	// bigger, past the 128 MiB an import may take (BENCHMARKS.md). It is
	// this connection's setting, and a cache only grows as pages are read.
	if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -8192`); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM contacts`).Scan(&im.baseRowID); err != nil {
		return nil, err
	}
	var err error
	if im.find, err = tx.PrepareContext(ctx, `SELECT rowid, `+contactColumns+` FROM contacts WHERE phone = ?`); err != nil {
		return nil, err
	}
	return im, nil
}

func (im *importer) close() {
	if im.find != nil {
		im.find.Close()
	}
}

func (im *importer) write(in *contacts.ImportRow, res *contacts.ImportResult, report func(contacts.Problem)) error {
	c := in.Contact
	err := im.w.insert(c)
	switch {
	case err == nil:
		res.Created++
		im.inserted.add(in.Pos)
		im.changed(in.Pos, nil, c)
		return nil
	case contacts.ErrorField(err) == "id":
		if im.opts.OnConflict == contacts.ConflictFail {
			res.Conflicts++
		} else {
			res.Skipped++
		}
		report(contacts.Problem{Pos: in.Pos, Code: contacts.ECONFLICT, Field: "id", ContactID: c.ID,
			Message: fmt.Sprintf("id: a contact with id %s already exists, with another phone number", c.ID),
			Skipped: im.opts.OnConflict != contacts.ConflictFail})
		return nil
	case !errors.Is(err, errPhoneTaken):
		return err
	}

	// The number is taken: by a contact of the book, or by an earlier row.
	var (
		rowid int64
		h     row
	)
	if err := im.find.QueryRowContext(im.w.ctx, c.Phone).Scan(append([]any{&rowid}, h.dest()...)...); err != nil {
		return err
	}
	where := "already belongs to contact " + h.id
	if i := rowid - im.baseRowID - 1; i >= 0 && i < int64(im.inserted.len()) {
		if pos := im.inserted.at(int(i)); pos != "" {
			where = fmt.Sprintf("is also on %s (contact %s)", pos, h.id)
		}
	}
	switch im.opts.OnConflict {
	case contacts.ConflictUpdate, contacts.ConflictReplace:
		old, err := h.contact()
		if err != nil {
			return err
		}
		given := in.Given
		if im.opts.OnConflict == contacts.ConflictReplace {
			given = contacts.AllFields
		}
		next := merge(old, c, given)
		if same(old.Name, next.Name) && same(old.Email, next.Email) && same(old.CompanyName, next.CompanyName) && same(old.Note, next.Note) {
			res.Unchanged++
			return nil
		}
		next.UpdatedAt = c.UpdatedAt
		if !next.UpdatedAt.After(old.UpdatedAt) {
			next.UpdatedAt = old.UpdatedAt.Add(time.Second)
		}
		if err := im.w.update(next); err != nil {
			return err
		}
		res.Updated++
		im.changed(in.Pos, old, next)
	case contacts.ConflictSkip:
		res.Skipped++
		report(contacts.Problem{Pos: in.Pos, Code: contacts.ECONFLICT, Field: "phone", ContactID: h.id,
			Message: fmt.Sprintf("phone: %s %s", c.Phone, where), Skipped: true})
	default:
		res.Conflicts++
		report(contacts.Problem{Pos: in.Pos, Code: contacts.ECONFLICT, Field: "phone", ContactID: h.id,
			Message: fmt.Sprintf("phone: %s %s", c.Phone, where)})
	}
	return nil
}

// changed tells the import's Changes of a contact it changes.
func (im *importer) changed(pos string, before, after *contacts.Contact) {
	if im.opts.Changes != nil {
		im.opts.Changes(contacts.Change{Pos: pos, Before: before, After: after})
	}
}

// merge returns old with the fields of given taken from row: what an
// import's update does with a number the book has. A field the row does
// not give is kept (ConflictUpdate); ConflictReplace gives them all, so
// that a field the row leaves empty is cleared.
func merge(old, row *contacts.Contact, given contacts.FieldSet) *contacts.Contact {
	next := *old
	if given.Has(contacts.FieldName) {
		next.Name = row.Name
	}
	if given.Has(contacts.FieldEmail) {
		next.Email = row.Email
	}
	if given.Has(contacts.FieldCompanyName) {
		next.CompanyName = row.CompanyName
	}
	if given.Has(contacts.FieldNote) {
		next.Note = row.Note
	}
	return &next
}

func same(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
