package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
)

const contactColumns = `id, name, email, phone, phone_formatted, company_name, note, created_at, updated_at`

// FindContactByID implements contacts.Service.
func (db *DB) FindContactByID(ctx context.Context, id string) (_ *contacts.Contact, err error) {
	defer db.explain(&err)
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
func (db *DB) FindContactByPhone(ctx context.Context, phone string) (_ *contacts.Contact, err error) {
	defer db.explain(&err)
	region := contacts.RegionFrom(ctx, db.region)
	probe, quick := contacts.QuickE164(phone, region)
	if quick {
		c, err := db.findByPhone(ctx, probe)
		if contacts.ErrorCode(err) != contacts.ENOTFOUND {
			return c, err
		}
	}
	p, err := contacts.NormalizeCaller(phone, region)
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

// precondition is EPRECONDITION when ctx asks for a version of the
// contact (contacts.WithIfMatch) that c is no longer.
func precondition(ctx context.Context, c *contacts.Contact) error {
	if want, ok := contacts.IfMatchFrom(ctx); ok && want != contacts.ETag(c) {
		return &contacts.Error{Code: contacts.EPRECONDITION, ContactID: c.ID,
			Message: fmt.Sprintf("contact %s changed since it was read (version %s, now %s): nothing was written", c.ID, strings.Trim(want, `"`), strings.Trim(contacts.ETag(c), `"`))}
	}
	return nil
}

type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
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
func (db *DB) ListContacts(ctx context.Context, f contacts.ContactFilter, fn func(*contacts.Contact) error) (err error) {
	defer db.explain(&err)
	query := `SELECT ` + contactColumns + ` FROM contacts`
	var args []any
	if f.Phone != "" {
		// As the API's ?phone=: one contact at most, and input that is not a number
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
	// A prefix is a range of the primary key or of the number's unique
	// index: "01J" is id >= '01J' AND id < '01J\x7f'.
	var where []string
	if f.IDPrefix != "" {
		p, ok := contacts.IDPrefix(f.IDPrefix)
		if !ok {
			return nil
		}
		where = append(where, `id >= ? AND id < ?`)
		args = append(args, p, p+"\x7f")
	}
	if f.PhonePrefix != "" {
		if !contacts.IsPhonePrefix(f.PhonePrefix) {
			return nil
		}
		where = append(where, `phone >= ? AND phone < ?`)
		args = append(args, f.PhonePrefix, f.PhonePrefix+"\x7f")
	}
	switch {
	case f.IDPrefix != "":
		// The index's order, which stops at the limit (see ContactFilter).
		query += ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY id DESC`
	case f.PhonePrefix != "":
		query += ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY phone`
	default:
		query += ` ORDER BY created_at DESC, id DESC`
	}
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

// CreateContact implements contacts.Service. The input goes through the
// domain's one gate, with the request's region (contacts.WithRegion) or
// the book's; the contact through the one writer.
func (db *DB) CreateContact(ctx context.Context, in contacts.NewContact) (*contacts.Contact, error) {
	c, err := contacts.Prepare(nil, in.Update(), contacts.RegionFrom(ctx, db.region))
	if err != nil {
		return nil, err
	}
	err = db.write(ctx, "create", func(w *writer) error {
		c.ID, c.CreatedAt, c.UpdatedAt = contacts.NewID(), w.now, w.now
		return w.create(c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateContact implements contacts.Service. updated_at always moves
// forward (writer.touch), so that every edit is visible in the timestamps.
func (db *DB) UpdateContact(ctx context.Context, id string, upd contacts.ContactUpdate) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %q", id)
	}
	var c *contacts.Contact
	err := db.write(ctx, "update", func(w *writer) error {
		old, err := w.find(canon)
		if err != nil {
			return err
		}
		if err := precondition(ctx, old); err != nil {
			return err
		}
		if c, err = contacts.Prepare(old, upd, contacts.RegionFrom(ctx, db.region)); err != nil {
			return err
		}
		c.UpdatedAt = w.touch(old)
		return w.update(c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteContacts implements contacts.Service.
func (db *DB) DeleteContacts(ctx context.Context, ids []string) error {
	return db.write(ctx, "delete", func(w *writer) error {
		for _, id := range ids {
			canon, ok := contacts.ParseID(id)
			if !ok {
				return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %q", id)
			}
			if _, ok := contacts.IfMatchFrom(ctx); ok {
				old, err := w.find(canon)
				if err != nil {
					return err
				}
				if err := precondition(ctx, old); err != nil {
					return err
				}
			}
			if err := w.delete(canon); err != nil {
				return err
			}
		}
		return nil
	})
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
