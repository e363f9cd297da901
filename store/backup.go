package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"modernc.org/sqlite"
)

// Backup writes a consistent copy of the book to path while other
// processes and a server go on writing it: SQLite's VACUUM INTO reads one
// snapshot of the book (never a copy of its files, which a live WAL book
// would tear). The copy is written to a temporary file beside path, mode
// 0600, synced, and only then put at path; an existing path is refused
// (EUSAGE) unless overwrite.
func (db *DB) Backup(ctx context.Context, path string, overwrite bool) (err error) {
	defer db.explain(&err)
	if db.pend != nil {
		return contacts.Errorf(contacts.ENOTFOUND, "%s does not exist yet: nothing to back up", db.path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(abs); err == nil {
		if !overwrite {
			return contacts.Errorf(contacts.EUSAGE, "%s exists: give another file, or --force to replace it", abs)
		}
		if !fi.Mode().IsRegular() {
			return contacts.Errorf(contacts.EUSAGE, "%s is not a regular file", abs)
		}
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(abs), ".backup-")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "book.db")
	// The file is made first, private: VACUUM INTO writes into an empty
	// file as it is, and would otherwise make it with the umask's mode.
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("backup of %s: %w", db.path, err)
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	syncDir(filepath.Dir(abs))
	return nil
}

// lastChange is the newest change a book holds: the id of its last
// operation (ids sort in time order, to the millisecond and within a
// process), and its time, or the latest updated_at of a contact (a book
// from before history).
func lastChange(ctx context.Context, q queryer) (string, time.Time, error) {
	var op, a, b sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT (SELECT max(id) FROM history_operations), (SELECT max(at) FROM history_operations),
		(SELECT max(updated_at) FROM contacts)`).Scan(&op, &a, &b); err != nil {
		// A backup from before history has no history_operations.
		if err := q.QueryRowContext(ctx, `SELECT max(updated_at) FROM contacts`).Scan(&b); err != nil {
			return "", time.Time{}, err
		}
	}
	var t time.Time
	for _, s := range []sql.NullString{a, b} {
		if s.Valid {
			if v, err := parseTime(s.String); err == nil && v.After(t) {
				t = v
			}
		}
	}
	return op.String, t, nil
}

// RestoreBackup replaces what the book holds with the backup at src,
// online (SQLite's backup API, under the book's write lock, so that other
// processes and a server see the old book or the new, never a mix). The
// book as it was is first written to aside (see Backup). A backup that is
// not a contacts book, or that a newer version wrote, is refused; so is
// one older than the book's own last change (ECONFLICT) unless force.
func (db *DB) RestoreBackup(ctx context.Context, src, aside string, force bool) (_ *contacts.BackupInfo, err error) {
	defer db.explain(&err)
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, contacts.Errorf(contacts.EUSAGE, "backup %s: %v", abs, errors.Unwrap(err))
	} else if !fi.Mode().IsRegular() {
		return nil, contacts.Errorf(contacts.EUSAGE, "backup %s is not a regular file", abs)
	}
	// The backup is checked as any book is, read-only and untouched.
	b, err := openBook(ctx, abs, abs, Options{})
	if errors.Is(err, fs.ErrPermission) {
		return nil, err
	} else if err != nil {
		return nil, contacts.Errorf(contacts.EINVALID, "backup %s: %v", abs, err)
	}
	info := &contacts.BackupInfo{}
	err = b.db.QueryRowContext(ctx, `SELECT count(*) FROM contacts`).Scan(&info.Contacts)
	var theirs string
	if err == nil {
		theirs, info.LastChange, err = lastChange(ctx, b.db)
	}
	b.Close()
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", abs, err)
	}
	if db.pend == nil {
		op, mine, err := lastChange(ctx, db.db)
		if err != nil {
			return nil, err
		}
		newer := op > theirs || op == "" && mine.After(info.LastChange)
		if newer && !force {
			return nil, contacts.Errorf(contacts.ECONFLICT, "%s was changed at %s, after the backup's last change (%s): restoring would lose that; --force restores anyway (the book as it is is kept aside)",
				db.path, mine.Format(contacts.TimeFormat), info.LastChange.Format(contacts.TimeFormat))
		}
		if err := db.Backup(ctx, aside, false); err != nil {
			return nil, fmt.Errorf("keep the book aside: %w", err)
		}
	}
	if db.pend != nil {
		// A new book is put in place by a first write, which the backup's
		// pages then replace.
		if err := db.write(ctx, "restore-backup", func(w *writer) error { return w.beginOp() }); err != nil {
			return nil, err
		}
	}
	if err := db.restorePages(ctx, abs); err != nil {
		return nil, err
	}
	// A backup of an older version is brought up to this one's schema,
	// and the restore is recorded in the history it brought.
	if err := db.initSchema(ctx); err != nil {
		return nil, err
	}
	info.Aside = aside
	err = db.write(contacts.WithOperation(ctx, contacts.OpInfo{Summary: "restore " + abs}), "restore-backup", func(w *writer) error {
		return w.beginOp()
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// restorePages copies the backup's pages over the book's, on a connection
// with no transaction open (the backup API takes SQLite's locks itself,
// waiting for other processes' writers), holding this process's turn to
// write so that none of its writers runs meanwhile.
func (db *DB) restorePages(ctx context.Context, src string) error {
	select {
	case db.writeTurn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.writeTurn }()
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	u := (&url.URL{Scheme: "file", Path: src, RawQuery: "mode=ro"}).String()
	return conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("this SQLite driver cannot restore a backup")
		}
		bk, err := r.NewRestore(u)
		if err != nil {
			return err
		}
		for more := true; more; {
			if more, err = bk.Step(256); err != nil {
				bk.Finish()
				return err
			}
			if err := ctx.Err(); err != nil {
				bk.Finish()
				return err
			}
		}
		return bk.Finish()
	})
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Inventory describes the books of the data directory dir, by company
// name; a file that is not a readable book is listed with the reason. A
// missing directory has no books. Nothing is created.
func Inventory(ctx context.Context, dir string) ([]contacts.BookInfo, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.db"))
	if err != nil {
		return nil, err
	}
	var out []contacts.BookInfo
	for _, p := range paths {
		company := strings.TrimSuffix(filepath.Base(p), ".db")
		if contacts.ValidateCompany(company) != nil {
			continue
		}
		info := contacts.BookInfo{Company: company, Path: p}
		db, err := Open(ctx, p, Options{})
		if err == nil {
			err = db.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM history_changes)`).Scan(&info.Contacts, &info.Changes)
			if err == nil {
				var t time.Time
				if _, t, err = lastChange(ctx, db.db); err == nil && !t.IsZero() {
					info.LastChange = &t
				}
			}
			db.Close()
		}
		if err != nil {
			info.Error = oneLine(err.Error())
		}
		for _, side := range []string{"", "-wal"} {
			if fi, err := os.Lstat(p + side); err == nil && fi.Mode().IsRegular() {
				info.Bytes += fi.Size()
			}
		}
		out = append(out, info)
	}
	return out, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
