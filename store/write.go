package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/phoneinc/contacts"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// writer is the one way the book's contacts are written. Its insert,
// update and delete hold the only statements that write a contact, and
// every write of the book goes through them (create, update, delete, an
// import's rows, a sync, an undo), inside a transaction of db.write's.
// What they write comes out of the domain's one gate, contacts.Prepare.
// Each of them records the change in the book's history (history.go), in
// the same transaction: no write can skip it.
type writer struct {
	ctx  context.Context
	tx   *writeTx
	db   *DB
	now  time.Time // the transaction's one time, UTC, whole seconds
	kind string    // the operation's kind when the context names none

	op     int64  // the operation's seq, once it has one change
	opID   string // and its id
	undoes string // the operation an undo reverts
	nchg   int    // the changes recorded

	created []string // contacts created whose record is not written yet (logCreated)

	ins, upd, del, holder, get *sql.Stmt // prepared on first use, for the transaction
	logNew, logOld             *sql.Stmt
}

func newWriter(ctx context.Context, db *DB, tx *writeTx, kind string) *writer {
	return &writer{ctx: ctx, tx: tx, db: db, now: db.now(), kind: kind}
}

func (w *writer) close() {
	for _, st := range []*sql.Stmt{w.ins, w.upd, w.del, w.holder, w.get, w.logNew, w.logOld} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *writer) stmt(st **sql.Stmt, query string) (*sql.Stmt, error) {
	if *st == nil {
		s, err := w.tx.PrepareContext(w.ctx, query)
		if err != nil {
			return nil, err
		}
		*st = s
	}
	return *st, nil
}

// errPhoneTaken is insert's answer when another contact has the number.
var errPhoneTaken = errors.New("the phone number is taken")

// insert stores a new contact, id and timestamps set. It returns
// errPhoneTaken when the number belongs to another contact (what an import
// decides about), and ECONFLICT on "id" when the id is taken.
func (w *writer) insert(c *contacts.Contact) error {
	st, err := w.stmt(&w.ins, `INSERT INTO contacts (`+contactColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone) DO NOTHING`)
	if err != nil {
		return err
	}
	r, err := st.ExecContext(w.ctx, c.ID, c.Name, c.Email, c.Phone, c.PhoneFormatted, c.CompanyName, c.Note,
		c.CreatedAt.UTC().Format(contacts.TimeFormat), c.UpdatedAt.UTC().Format(contacts.TimeFormat))
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return &contacts.Error{Code: contacts.ECONFLICT, Field: "id", ContactID: c.ID,
			Message: fmt.Sprintf("id: a contact with id %s already exists", c.ID)}
	} else if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errPhoneTaken
	}
	return w.logCreated(c.ID)
}

// create inserts a new contact; a number another contact has is ECONFLICT
// naming that contact.
func (w *writer) create(c *contacts.Contact) error {
	err := w.insert(c)
	if errors.Is(err, errPhoneTaken) {
		return w.taken(c.Phone)
	}
	return err
}

// update stores c over the contact with its id, every field; a number
// another contact has is ECONFLICT naming that contact.
func (w *writer) update(c *contacts.Contact) error {
	if err := w.logBefore(c.ID, changeUpdated); err != nil {
		return err
	}
	st, err := w.stmt(&w.upd, `UPDATE contacts SET name = ?, email = ?, phone = ?, phone_formatted = ?,
		company_name = ?, note = ?, created_at = ?, updated_at = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	r, err := st.ExecContext(w.ctx, c.Name, c.Email, c.Phone, c.PhoneFormatted, c.CompanyName, c.Note,
		c.CreatedAt.UTC().Format(contacts.TimeFormat), c.UpdatedAt.UTC().Format(contacts.TimeFormat), c.ID)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return w.taken(c.Phone)
	} else if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", c.ID)
	}
	return nil
}

// delete deletes the contact with id. ENOTFOUND when there is none.
func (w *writer) delete(id string) error {
	if err := w.logBefore(id, changeDeleted); err != nil {
		return err
	}
	st, err := w.stmt(&w.del, `DELETE FROM contacts WHERE id = ?`)
	if err != nil {
		return err
	}
	r, err := st.ExecContext(w.ctx, id)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", id)
	}
	return nil
}

// find returns the contact with id as the transaction sees it; ENOTFOUND
// when there is none.
func (w *writer) find(id string) (*contacts.Contact, error) {
	st, err := w.stmt(&w.get, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	var r row
	err = st.QueryRowContext(w.ctx, id).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", id)
	} else if err != nil {
		return nil, err
	}
	return r.contact()
}

// holderOf returns the id of the contact whose number is e164.
func (w *writer) holderOf(e164 string) (string, error) {
	st, err := w.stmt(&w.holder, `SELECT id FROM contacts WHERE phone = ?`)
	if err != nil {
		return "", err
	}
	var id string
	err = st.QueryRowContext(w.ctx, e164).Scan(&id)
	return id, err
}

// taken is the ECONFLICT of a number another contact has, naming it.
func (w *writer) taken(e164 string) error {
	holder, err := w.holderOf(e164)
	if err != nil {
		return fmt.Errorf("phone %s is taken: %w", e164, err)
	}
	return &contacts.Error{Code: contacts.ECONFLICT, Field: "phone", ContactID: holder,
		Message: fmt.Sprintf("phone: %s already belongs to contact %s", e164, holder)}
}

// touch returns the updated_at of a change to old made now: later than
// old's, by a second when the clock has not left old's second, so that
// every change shows in the timestamps.
func (w *writer) touch(old *contacts.Contact) time.Time {
	if w.now.After(old.UpdatedAt) {
		return w.now
	}
	return old.UpdatedAt.Add(time.Second)
}
