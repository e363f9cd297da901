package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/phoneinc/contacts"
)

// touchInterval is how stale a key's last_used_at may get. Writing it on
// every request would turn each read into a write, contending with the
// CLI and with other requests for the book's one write lock; once a
// minute is as precise as anyone reading `keys list` needs.
const touchInterval = time.Minute

// touched remembers, per key id, when this process last wrote last_used_at
// (Unix seconds), so that a burst of requests just past the interval makes
// one write rather than one per request in flight. Key ids are ULIDs, so
// one map serves every book the process has open.
var touched sync.Map

// company is the company this book belongs to, read from its file name,
// which store.Path makes "<company>.db". It is "" for a file not named so.
func (db *DB) company() string {
	name, ok := strings.CutSuffix(filepath.Base(db.path), ".db")
	if !ok || contacts.ValidateCompany(name) != nil {
		return ""
	}
	return name
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreateKey makes a new API key for this book's company, labelled name
// (may be ""), and returns it with its secret. The secret is not stored,
// only its SHA-256 hash: this is the one time it can be shown. EINVALID
// for a bad name; an error when the file is not named "<company>.db", since
// the secret names the company.
func (db *DB) CreateKey(ctx context.Context, name string) (*contacts.APIKey, string, error) {
	name, err := contacts.NormalizeAPIKeyName(name)
	if err != nil {
		return nil, "", err
	}
	company := db.company()
	if company == "" {
		return nil, "", fmt.Errorf("%s: API keys need a book file named <company>.db", db.path)
	}
	secret, err := contacts.NewAPIKeySecret(company)
	if err != nil {
		return nil, "", err
	}
	k := &contacts.APIKey{ID: contacts.NewID(), Name: name, CreatedAt: db.now()}
	err = db.write(ctx, "keys", func(w *writer) error {
		_, err := w.tx.ExecContext(ctx, `INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)`,
			k.ID, k.Name, hashSecret(secret), k.CreatedAt.Format(contacts.TimeFormat))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// ListKeys returns the book's API keys, oldest first. There are few, so
// they come as a slice.
func (db *DB) ListKeys(ctx context.Context) (_ []*contacts.APIKey, err error) {
	defer db.explain(&err)
	rows, err := db.db.QueryContext(ctx, `SELECT id, name, created_at, last_used_at FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := []*contacts.APIKey{}
	for rows.Next() {
		var k contacts.APIKey
		var created string
		var last sql.NullString
		if err := rows.Scan(&k.ID, &k.Name, &created, &last); err != nil {
			return nil, err
		}
		if k.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("API key %s: created_at: %w", k.ID, err)
		}
		if last.Valid {
			t, err := parseTime(last.String)
			if err != nil {
				return nil, fmt.Errorf("API key %s: last_used_at: %w", k.ID, err)
			}
			k.LastUsedAt = &t
		}
		keys = append(keys, &k)
	}
	return keys, rows.Err()
}

// RevokeKey deletes the API key with id (any case): from then on its
// secret is rejected, by every server that checks it, on its next request.
// ENOTFOUND when the book has no such key.
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return contacts.Errorf(contacts.ENOTFOUND, "no API key with id %q", id)
	}
	return db.write(ctx, "keys", func(w *writer) error {
		res, err := w.tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ?`, canon)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return contacts.Errorf(contacts.ENOTFOUND, "no API key with id %s", canon)
		}
		return nil
	})
}

// errKeyRejected says nothing of why a key failed (malformed, another
// company's, revoked, never made), so that a caller probing keys learns
// nothing, and it never repeats the key.
var errKeyRejected = contacts.Errorf(contacts.EUNAUTHORIZED, "API key rejected")

// CheckKey returns the id of the API key whose secret is secret.
// EUNAUTHORIZED when there is none in this book, including a key that
// names another company. The lookup is by hash through the unique index;
// the hashes are then compared in constant time, so that no timing of the
// comparison depends on how much of a guess was right.
//
// It records when the key was last used, at most once a minute per key,
// and ignores a failure to record it: a busy book must not refuse a good
// key.
//
// A key that passed is remembered with the book's WAL stamp (see
// walstamp.go): while nothing at all is written to the book, by this
// process or any other, it passes again without a query. Any commit sends
// the next check back to the query, so a `keys revoke` takes effect at the
// next request.
func (db *DB) CheckKey(ctx context.Context, secret string) (string, error) {
	company, ok := contacts.APIKeyCompany(secret)
	if !ok || company != db.company() {
		return "", errKeyRejected
	}
	sum := hashSecret(secret)
	key := [sha256.Size]byte(sum)
	// The stamp is read before the query: a revocation committed after it
	// changes the stamp, so the cached pass below cannot outlive it.
	stamp, stamped := db.stamp.read()
	if stamped {
		if id, ok := db.keys.get(key, stamp, db.now()); ok {
			return id, nil
		}
	}
	var id string
	var hash []byte
	var last sql.NullString
	st, err := db.stmt(ctx, `SELECT id, hash, last_used_at FROM api_keys WHERE hash = ?`)
	if err != nil {
		return "", err
	}
	err = st.QueryRowContext(ctx, sum).Scan(&id, &hash, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errKeyRejected
	} else if err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare(hash, sum) != 1 {
		return "", errKeyRejected
	}
	now := db.now()
	stale := true
	var used time.Time
	if last.Valid {
		if t, err := parseTime(last.String); err == nil {
			used, stale = t, now.Sub(t) >= touchInterval
		}
	}
	if stale && !db.readOnly && claimTouch(id, now) {
		_, _ = db.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, now.Format(contacts.TimeFormat), id)
	} else if stamped && !stale {
		db.keys.put(key, id, stamp, used)
	}
	return id, nil
}

// claimTouch reports whether this caller is the one to write key id's
// last_used_at now: the first in this process, or the first once the
// interval has passed since this process last wrote it.
func claimTouch(id string, now time.Time) bool {
	v, loaded := touched.LoadOrStore(id, now.Unix())
	if !loaded {
		return true
	}
	prev := v.(int64)
	if now.Unix()-prev < int64(touchInterval/time.Second) {
		return false
	}
	return touched.CompareAndSwap(id, prev, now.Unix())
}
