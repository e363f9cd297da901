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

const contactColumns = `id, name, email, phone, phone_formatted, company_name, note, created_at, updated_at`

// FindContactByID implements contacts.Service.
func (db *DB) FindContactByID(ctx context.Context, id string) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %q", id)
	}
	return findContact(ctx, db.db, `id = ?`, canon)
}

// FindContactByPhone implements contacts.Service. A number already written
// in E.164 (what phone systems send) is looked up before any parsing, so a
// hit costs one indexed read; only a miss or another written form pays for
// libphonenumber.
func (db *DB) FindContactByPhone(ctx context.Context, phone string) (*contacts.Contact, error) {
	probe, quick := contacts.QuickE164(phone, db.region)
	if quick {
		c, err := db.findByPhone(ctx, probe)
		if contacts.ErrorCode(err) != contacts.ENOTFOUND {
			return c, err
		}
	}
	p, err := contacts.NormalizePhone(phone, db.region)
	if err != nil {
		return nil, err
	}
	if quick && p.E164 == probe {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s", p.E164)
	}
	return db.findByPhone(ctx, p.E164)
}

// findByPhone reads the contact with an E.164 number through a statement
// prepared once per book, since a server answers this query all day.
func (db *DB) findByPhone(ctx context.Context, e164 string) (*contacts.Contact, error) {
	st, err := db.stmt(ctx, `SELECT `+contactColumns+` FROM contacts WHERE phone = ?`)
	if err != nil {
		return nil, err
	}
	var r row
	err = st.QueryRowContext(ctx, e164).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s", e164)
	} else if err != nil {
		return nil, err
	}
	return r.contact()
}

type queryer interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// findContact returns the one contact that where selects, ENOTFOUND if none.
func findContact(ctx context.Context, q queryer, where string, arg string) (*contacts.Contact, error) {
	var r row
	err := q.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE `+where, arg).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		what := "id"
		if where == `phone = ?` {
			what = "phone"
		}
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with %s %s", what, arg)
	} else if err != nil {
		return nil, err
	}
	return r.contact()
}

// ListContacts implements contacts.Service.
func (db *DB) ListContacts(ctx context.Context, f contacts.ContactFilter, fn func(*contacts.Contact) error) error {
	query := `SELECT ` + contactColumns + ` FROM contacts`
	var args []any
	if f.Phone != "" {
		// The seed: one contact at most, and input that is not a number
		// matches nothing.
		c, err := db.FindContactByPhone(ctx, f.Phone)
		switch contacts.ErrorCode(err) {
		case "":
			return fn(c)
		case contacts.ENOTFOUND, contacts.EINVALID:
			return nil
		}
		return err
	}
	query += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.streams.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r row
	dest := r.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		c, err := r.contact()
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CreateContact implements contacts.Service.
func (db *DB) CreateContact(ctx context.Context, in contacts.NewContact) (*contacts.Contact, error) {
	c, err := in.Prepare(db.region)
	if err != nil {
		return nil, err
	}
	if err := db.writable(); err != nil {
		return nil, err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := db.now()
	c.ID, c.CreatedAt, c.UpdatedAt = contacts.NewID(), now, now
	if err := insertContact(ctx, tx, c); err != nil {
		return nil, err
	}
	if err := indexQueued(ctx, tx); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

// UpdateContact implements contacts.Service. updated_at always moves
// forward, by a second when the clock has not yet left the last update's
// second, so that every edit is visible in the timestamps.
func (db *DB) UpdateContact(ctx context.Context, id string, upd contacts.ContactUpdate) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %q", id)
	}
	if err := db.writable(); err != nil {
		return nil, err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := findContact(ctx, tx, `id = ?`, canon)
	if err != nil {
		return nil, err
	}
	c, err := upd.Apply(old, db.region)
	if err != nil {
		return nil, err
	}
	c.UpdatedAt = db.now()
	if !c.UpdatedAt.After(old.UpdatedAt) {
		c.UpdatedAt = old.UpdatedAt.Add(time.Second)
	}
	if err := updateContact(ctx, tx, c); err != nil {
		return nil, err
	}
	if err := indexQueued(ctx, tx); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

// DeleteContacts implements contacts.Service.
func (db *DB) DeleteContacts(ctx context.Context, ids []string) error {
	if err := db.writable(); err != nil {
		return err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range ids {
		canon, ok := contacts.ParseID(id)
		if !ok {
			return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %q", id)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = ?`, canon)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", canon)
		}
	}
	if err := indexQueued(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func insertContact(ctx context.Context, tx execer, c *contacts.Contact) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO contacts (`+contactColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.Email, c.Phone, c.PhoneFormatted, c.CompanyName, c.Note,
		c.CreatedAt.Format(contacts.TimeFormat), c.UpdatedAt.Format(contacts.TimeFormat))
	return conflictError(ctx, tx, err, c)
}

func updateContact(ctx context.Context, tx execer, c *contacts.Contact) error {
	_, err := tx.ExecContext(ctx, `UPDATE contacts SET name = ?, email = ?, phone = ?, phone_formatted = ?,
		company_name = ?, note = ?, updated_at = ? WHERE id = ?`,
		c.Name, c.Email, c.Phone, c.PhoneFormatted, c.CompanyName, c.Note, c.UpdatedAt.Format(contacts.TimeFormat), c.ID)
	return conflictError(ctx, tx, err, c)
}

// conflictError maps a UNIQUE violation on phone, told by SQLite's extended
// error code, to ECONFLICT naming the contact that holds the number.
func conflictError(ctx context.Context, tx execer, err error, c *contacts.Contact) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		var holder string
		if qerr := tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE phone = ?`, c.Phone).Scan(&holder); qerr != nil {
			return fmt.Errorf("phone %s is taken: %w", c.Phone, err)
		}
		return &contacts.Error{Code: contacts.ECONFLICT, Field: "phone", ContactID: holder,
			Message: fmt.Sprintf("phone: %s already belongs to contact %s", c.Phone, holder)}
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &contacts.Error{Code: contacts.ECONFLICT, Field: "id", ContactID: c.ID,
			Message: fmt.Sprintf("id: a contact with id %s already exists", c.ID)}
	}
	return err
}

// row is the scan target of one contacts row.
type row struct {
	id, phone, phoneFormatted, createdAt, updatedAt string
	name, email, companyName, note                  sql.NullString
}

func (r *row) dest() []any {
	return []any{&r.id, &r.name, &r.email, &r.phone, &r.phoneFormatted, &r.companyName, &r.note, &r.createdAt, &r.updatedAt}
}

func (r *row) contact() (*contacts.Contact, error) {
	c := &contacts.Contact{
		ID: r.id, Phone: r.phone, PhoneFormatted: r.phoneFormatted,
		Name: nullable(r.name), Email: nullable(r.email), CompanyName: nullable(r.companyName), Note: nullable(r.note),
	}
	var err error
	if c.CreatedAt, err = parseTime(r.createdAt); err != nil {
		return nil, fmt.Errorf("contact %s: created_at: %w", r.id, err)
	}
	if c.UpdatedAt, err = parseTime(r.updatedAt); err != nil {
		return nil, fmt.Errorf("contact %s: updated_at: %w", r.id, err)
	}
	return c, nil
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// parseTime reads a stored timestamp; the fixed layout is parsed by hand,
// since a listing reads two per row.
func parseTime(s string) (time.Time, error) {
	if len(s) == len(contacts.TimeFormat) && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' {
		n := func(i, j int) (int, bool) {
			v := 0
			for _, c := range []byte(s[i:j]) {
				if c < '0' || c > '9' {
					return 0, false
				}
				v = v*10 + int(c-'0')
			}
			return v, true
		}
		y, ok1 := n(0, 4)
		mo, ok2 := n(5, 7)
		d, ok3 := n(8, 10)
		h, ok4 := n(11, 13)
		mi, ok5 := n(14, 16)
		sec, ok6 := n(17, 19)
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 {
			return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), nil
		}
	}
	return contacts.ParseTime(s)
}

// InsertContacts stores whole contacts, ids and timestamps included, in one
// transaction: all of them or, on the first error, none. next returns the
// next contact, or nil at the end. Each contact is validated as any write
// is. It returns the number inserted.
func (db *DB) InsertContacts(ctx context.Context, next func() (*contacts.Contact, error)) (int, error) {
	if err := db.writable(); err != nil {
		return 0, err
	}
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO contacts (`+contactColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	n := 0
	for {
		c, err := next()
		if err != nil {
			return 0, err
		}
		if c == nil {
			break
		}
		if err := c.Validate(); err != nil {
			return 0, err
		}
		_, err = stmt.ExecContext(ctx, c.ID, c.Name, c.Email, c.Phone, c.PhoneFormatted, c.CompanyName, c.Note,
			c.CreatedAt.UTC().Format(contacts.TimeFormat), c.UpdatedAt.UTC().Format(contacts.TimeFormat))
		if err := conflictError(ctx, tx, err, c); err != nil {
			return 0, err
		}
		n++
	}
	if err := indexQueued(ctx, tx); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}
