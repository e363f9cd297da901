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
