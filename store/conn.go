package store

import (
	"context"
	"database/sql"
)

// maxIdleConns is how many connections a book keeps open between uses:
// more than the requests a server on a small machine has in the book at
// once, so that a busy server does not open and close connections all day.
const maxIdleConns = 8

// stmt returns query prepared once for the book. database/sql prepares it
// again, lazily, on each connection that runs it, and keeps it there.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.stmts[query]; ok {
		return st, nil
	}
	if db.stmts == nil {
		return nil, sql.ErrConnDone
	}
	st, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.stmts[query] = st
	return st, nil
}

// writeTx is a write transaction that holds this process's turn to write
// the book until it commits or rolls back.
type writeTx struct {
	*sql.Tx
	turn chan struct{}
}

// beginWrite starts a write transaction (BEGIN IMMEDIATE, as every
// transaction of the book). The writers of one process first take turns
// here, in the order they came: SQLite has one writer at a time, and
// goroutines that instead all went to SQLite's busy handler would poll it
// with growing sleeps, so that under a steady load of writes one of them
// could wait for seconds while later ones got through. The busy handler
// is left for writers in other processes.
func (db *DB) beginWrite(ctx context.Context) (*writeTx, error) {
	select {
	case db.writeTurn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		<-db.writeTurn
		return nil, err
	}
	return &writeTx{Tx: tx, turn: db.writeTurn}, nil
}

// Commit commits the transaction and gives the turn to the next writer.
func (t *writeTx) Commit() error {
	err := t.Tx.Commit()
	t.release()
	return err
}

// Rollback rolls the transaction back, if it is still open, and gives the
// turn to the next writer. After Commit it does nothing, so that it can
// be deferred.
func (t *writeTx) Rollback() error {
	err := t.Tx.Rollback()
	t.release()
	return err
}

func (t *writeTx) release() {
	if t.turn != nil {
		<-t.turn
		t.turn = nil
	}
}

// write runs fn in a write transaction with the book's one writer (its
// changes are one operation of the history, of kind when the context
// names none), brings the search indexes up to date with what fn wrote,
// and commits; a failure
// names the book and says what is wrong (a full disk, a read-only file).
// The first write to a new book (see Options.Create) puts the book in
// place; if another process made the book meanwhile, fn runs again, on
// that book, so fn must do the same when run twice.
func (db *DB) write(ctx context.Context, kind string, fn func(w *writer) error) (err error) {
	defer db.explain(&err)
	for {
		if err := db.writable(); err != nil {
			return err
		}
		tx, err := db.beginWrite(ctx)
		if err != nil {
			return err
		}
		w := newWriter(ctx, db, tx, kind)
		err = fn(w)
		if err == nil {
			err = w.finishOp()
		}
		if err == nil {
			err = indexQueued(ctx, tx)
		}
		w.close()
		if err != nil {
			tx.Rollback()
			return err
		}
		lost, err := db.commit(ctx, tx)
		if lost == nil || err != nil {
			return err
		}
		lost.remove()
	}
}

// commit commits tx and, when it is the first write to a new book, puts the
// book in place (publish), holding the turn to write until it is done.
// When another process made the book meanwhile, it returns this write's
// new book, for the caller to carry the write over to theirs, which the
// DB now uses, and then remove.
func (db *DB) commit(ctx context.Context, tx *writeTx) (*pending, error) {
	defer tx.release()
	if err := tx.Tx.Commit(); err != nil {
		return nil, err
	}
	if db.pend == nil {
		return nil, nil
	}
	return db.publish(ctx)
}
