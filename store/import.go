package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/phoneinc/contacts"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// What an import does with a row whose phone number is already taken, in
// the book or earlier in the same file.
const (
	ConflictFail   = "fail"   // report it; the import writes nothing
	ConflictSkip   = "skip"   // keep the contact that has the number
	ConflictUpdate = "update" // upsert by phone: the row's fields replace the contact's
)

// ImportOptions control Import.
type ImportOptions struct {
	OnConflict  string // ConflictFail (default), ConflictSkip or ConflictUpdate
	SkipInvalid bool   // write the good rows even if some are invalid
	DryRun      bool   // validate and report, write nothing
}

// ImportRow is one row of an import, already validated by the caller with
// the domain's rules: either Contact (with id and timestamps set) or Err.
type ImportRow struct {
	Pos     string // "line 12", "card 3": where the row is, for the report
	Contact *contacts.Contact
	Err     error
	// OwnID is true when the row carried its own id and timestamps (our
	// own export): they are kept.
	OwnID bool
}

// Problem is a row that was not imported, or that stopped the import.
type Problem struct {
	Pos       string `json:"pos"`
	Code      string `json:"code"` // contacts.EINVALID or contacts.ECONFLICT
	Field     string `json:"field"`
	Message   string `json:"message"`
	ContactID string `json:"contact_id,omitempty"` // for a conflict, who holds the number
	Skipped   bool   `json:"skipped"`              // the row was left out and the import went on
}

// ImportResult counts what an import did (or, dry or failed, would have done).
type ImportResult struct {
	Created   int  `json:"created"`
	Updated   int  `json:"updated"`
	Unchanged int  `json:"unchanged"`
	Skipped   int  `json:"skipped"`
	Invalid   int  `json:"invalid"`
	Conflicts int  `json:"conflicts"`
	Written   bool `json:"written"` // the transaction was committed
}

// Import writes rows in one transaction, all or nothing by default: any
// invalid row or (with ConflictFail) any conflict rolls everything back.
// Every problem is passed to report as it is found, so that a bad file's
// whole report streams in constant memory. The error is for the import as
// a whole (I/O, a damaged file, ctx cancelled); rows' problems are in the
// result and the report.
func (db *DB) Import(ctx context.Context, opts ImportOptions, next func() (*ImportRow, error), report func(Problem)) (_ *ImportResult, err error) {
	defer db.explain(&err)
	switch opts.OnConflict {
	case "":
		opts.OnConflict = ConflictFail
	case ConflictFail, ConflictSkip, ConflictUpdate:
	default:
		return nil, contacts.Errorf(contacts.EUSAGE, "--on-conflict: %q is not one of fail, skip, update", opts.OnConflict)
	}
	if err := db.writable(); err != nil {
		return nil, err
	}
	res, inserted, lost, err := db.importRows(ctx, opts, next, report)
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
func (db *DB) importRows(ctx context.Context, opts ImportOptions, next func() (*ImportRow, error), report func(Problem)) (*ImportResult, *posList, *pending, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	defer tx.Rollback()
	im, err := newImporter(ctx, tx.Tx, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	defer im.close()
	res := &ImportResult{}
	for {
		row, err := next()
		if err != nil {
			return res, nil, nil, err
		}
		if row == nil {
			break
		}
		if err := ctx.Err(); err != nil {
			return res, nil, nil, err
		}
		if row.Err != nil {
			res.Invalid++
			var de *contacts.Error
			p := Problem{Pos: row.Pos, Code: contacts.EINVALID, Message: row.Err.Error(), Skipped: opts.SkipInvalid}
			if errors.As(row.Err, &de) {
				p.Field = de.Field
			}
			report(p)
			continue
		}
		if err := im.write(row, res, report); err != nil {
			return res, nil, nil, err
		}
	}
	failed := res.Invalid > 0 && !opts.SkipInvalid || res.Conflicts > 0 && opts.OnConflict == ConflictFail
	if failed || opts.DryRun {
		return res, nil, nil, nil
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
func (db *DB) carryImport(ctx context.Context, file string, opts ImportOptions, first *ImportResult, inserted *posList, report func(Problem)) (*ImportResult, error) {
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
	next := func() (*ImportRow, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		c, err := r.contact()
		if err != nil {
			return nil, err
		}
		in := &ImportRow{Contact: c, OwnID: true}
		if i := rowid - 1; i >= 0 && i < int64(inserted.len()) {
			in.Pos = inserted.at(int(i))
		}
		return in, nil
	}
	res, _, _, err := db.importRows(ctx, opts, next, report)
	if err != nil {
		return first, err
	}
	return &ImportResult{
		Created: res.Created, Updated: first.Updated + res.Updated, Unchanged: first.Unchanged + res.Unchanged,
		Skipped: first.Skipped + res.Skipped, Invalid: first.Invalid, Conflicts: res.Conflicts, Written: res.Written,
	}, nil
}

// importer holds an import's prepared statements and what it has inserted.
type importer struct {
	ctx          context.Context
	tx           *sql.Tx
	opts         ImportOptions
	insert, find *sql.Stmt
	update       *sql.Stmt
	baseRowID    int64   // rows above it were inserted by this import
	inserted     posList // Pos of each inserted row, by rowid-baseRowID-1
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

func newImporter(ctx context.Context, tx *sql.Tx, opts ImportOptions) (*importer, error) {
	im := &importer{ctx: ctx, tx: tx, opts: opts}
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
	if im.insert, err = tx.PrepareContext(ctx, `INSERT INTO contacts (`+contactColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone) DO NOTHING`); err != nil {
		return nil, err
	}
	if im.find, err = tx.PrepareContext(ctx, `SELECT rowid, `+contactColumns+` FROM contacts WHERE phone = ?`); err != nil {
		return nil, err
	}
	if im.update, err = tx.PrepareContext(ctx, `UPDATE contacts SET name = ?, email = ?, company_name = ?, note = ?,
		updated_at = ? WHERE id = ?`); err != nil {
		return nil, err
	}
	return im, nil
}

func (im *importer) close() {
	for _, s := range []*sql.Stmt{im.insert, im.find, im.update} {
		if s != nil {
			s.Close()
		}
	}
}

func (im *importer) write(in *ImportRow, res *ImportResult, report func(Problem)) error {
	c := in.Contact
	created := c.CreatedAt.UTC().Format(contacts.TimeFormat)
	updated := c.UpdatedAt.UTC().Format(contacts.TimeFormat)
	r, err := im.insert.ExecContext(im.ctx, c.ID, c.Name, c.Email, c.Phone, c.PhoneFormatted, c.CompanyName, c.Note, created, updated)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		if im.opts.OnConflict == ConflictFail {
			res.Conflicts++
		} else {
			res.Skipped++
		}
		report(Problem{Pos: in.Pos, Code: contacts.ECONFLICT, Field: "id", ContactID: c.ID,
			Message: fmt.Sprintf("id: a contact with id %s already exists, with another phone number", c.ID),
			Skipped: im.opts.OnConflict != ConflictFail})
		return nil
	} else if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		res.Created++
		im.inserted.add(in.Pos)
		return nil
	}

	// The number is taken: by a contact of the book, or by an earlier row.
	var (
		rowid int64
		h     row
	)
	if err := im.find.QueryRowContext(im.ctx, c.Phone).Scan(append([]any{&rowid}, h.dest()...)...); err != nil {
		return err
	}
	where := "already belongs to contact " + h.id
	if i := rowid - im.baseRowID - 1; i >= 0 && i < int64(im.inserted.len()) {
		if pos := im.inserted.at(int(i)); pos != "" {
			where = fmt.Sprintf("is also on %s (contact %s)", pos, h.id)
		}
	}
	switch im.opts.OnConflict {
	case ConflictUpdate:
		old, err := h.contact()
		if err != nil {
			return err
		}
		if same(old.Name, c.Name) && same(old.Email, c.Email) && same(old.CompanyName, c.CompanyName) && same(old.Note, c.Note) {
			res.Unchanged++
			return nil
		}
		at := c.UpdatedAt
		if !at.After(old.UpdatedAt) {
			at = old.UpdatedAt.Add(1e9)
		}
		if _, err := im.update.ExecContext(im.ctx, c.Name, c.Email, c.CompanyName, c.Note, at.UTC().Format(contacts.TimeFormat), old.ID); err != nil {
			return err
		}
		res.Updated++
	case ConflictSkip:
		res.Skipped++
		report(Problem{Pos: in.Pos, Code: contacts.ECONFLICT, Field: "phone", ContactID: h.id,
			Message: fmt.Sprintf("phone: %s %s", c.Phone, where), Skipped: true})
	default:
		res.Conflicts++
		report(Problem{Pos: in.Pos, Code: contacts.ECONFLICT, Field: "phone", ContactID: h.id,
			Message: fmt.Sprintf("phone: %s %s", c.Phone, where)})
	}
	return nil
}

func same(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
