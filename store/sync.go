package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/syncer"
)

var _ syncer.Local = (*DB)(nil)

// LoadSync implements syncer.Local.
func (db *DB) LoadSync(ctx context.Context, url string) (*syncer.State, error) {
	st := &syncer.State{}
	err := db.db.QueryRowContext(ctx, `SELECT url, given_url, token FROM sync_books WHERE url = ?1 OR given_url = ?1
		ORDER BY url = ?1 DESC LIMIT 1`, url).Scan(&st.URL, &st.GivenURL, &st.Token)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, `SELECT href, etag, text, contact_id, hash, pending FROM sync_cards WHERE book = ?`, st.URL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st.Cards = map[string]*syncer.CardState{}
	for rows.Next() {
		cs := &syncer.CardState{}
		var text string
		if err := rows.Scan(&cs.Href, &cs.ETag, &text, &cs.ContactID, &cs.Hash, &cs.Pending); err != nil {
			return nil, err
		}
		cs.Text = []byte(text)
		st.Cards[cs.Href] = cs
	}
	return st, rows.Err()
}

// ApplySync implements syncer.Local: the changes and the sync state in one
// write transaction. Contacts are written by the store's own helpers
// (insertContact, updateContact, the one DELETE), so a sync's change is
// an ordinary write of the book.
func (db *DB) ApplySync(ctx context.Context, changes []syncer.Change, commit syncer.Commit) (problems []syncer.Problem, err error) {
	// Through the book's one write path: a new book is put in place by its
	// first write, and a write that another process's new book overtook is
	// made again on that one.
	err = db.write(ctx, "sync", func(w *writer) error {
		problems = nil
		var err error
		problems, err = applySync(ctx, w, changes, commit)
		return err
	})
	return problems, err
}

func applySync(ctx context.Context, w *writer, changes []syncer.Change, commit syncer.Commit) ([]syncer.Problem, error) {
	tx := w.tx
	var problems []syncer.Problem
	var states []*syncer.CardState
	var removed []string
	// Deletes first, then updates, then creates: a number a deleted
	// contact frees can go to another.
	for _, op := range []syncer.Op{syncer.Delete, syncer.Update, syncer.Create} {
		for i := range changes {
			ch := &changes[i]
			if ch.Op != op {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			err := applyChange(ctx, w, ch)
			var de *contacts.Error
			if errors.As(err, &de) {
				problems = append(problems, syncer.Problem{Index: i, Code: de.Code, Field: de.Field, Message: de.Message, ContactID: de.ContactID})
				if ch.Skipped != nil {
					states = append(states, ch.Skipped)
				}
				continue
			} else if err != nil {
				return nil, err
			}
			if ch.Card != nil {
				states = append(states, ch.Card)
			} else if ch.Href != "" {
				removed = append(removed, ch.Href)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_books (url, given_url, token, synced_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET given_url = excluded.given_url, token = excluded.token, synced_at = excluded.synced_at`,
		commit.URL, commit.GivenURL, commit.Token, w.now.Format(contacts.TimeFormat)); err != nil {
		return nil, err
	}
	for _, href := range append(removed, commit.Removed...) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sync_cards WHERE book = ? AND href = ?`, commit.URL, href); err != nil {
			return nil, err
		}
	}
	for _, cs := range append(states, commit.Cards...) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_cards (book, href, etag, text, contact_id, hash, pending)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (book, href) DO UPDATE SET etag = excluded.etag, text = excluded.text,
				contact_id = excluded.contact_id, hash = excluded.hash, pending = excluded.pending`,
			commit.URL, cs.Href, cs.ETag, string(cs.Text), cs.ContactID, cs.Hash, cs.Pending); err != nil {
			return nil, err
		}
	}
	return problems, nil
}

// applyChange makes one change. A *contacts.Error is the change's own
// problem (the others go on); any other error fails the whole.
func applyChange(ctx context.Context, w *writer, ch *syncer.Change) error {
	if ch.Base != nil {
		cur, err := findContact(ctx, w.tx, `id = ?`, ch.Base.ID)
		if contacts.ErrorCode(err) == contacts.ENOTFOUND {
			return contacts.Errorf(contacts.ECONFLICT, "contact %s was deleted during the sync; run the sync again", ch.Base.ID)
		} else if err != nil {
			return err
		}
		if !cur.UpdatedAt.Equal(ch.Base.UpdatedAt) || syncer.ContactHash(cur) != syncer.ContactHash(ch.Base) {
			return &contacts.Error{Code: contacts.ECONFLICT, ContactID: cur.ID,
				Message: fmt.Sprintf("contact %s changed during the sync; run the sync again", cur.ID)}
		}
	}
	switch ch.Op {
	case syncer.Create:
		if err := ch.Contact.Validate(); err != nil {
			return err
		}
		return w.create(ch.Contact)
	case syncer.Update:
		if err := ch.Contact.Validate(); err != nil {
			return err
		}
		return w.update(ch.Contact)
	case syncer.Delete:
		return w.delete(ch.Contact.ID)
	}
	return fmt.Errorf("sync: unknown change %q", ch.Op)
}
