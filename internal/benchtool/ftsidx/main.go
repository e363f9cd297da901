// Command ftsidx is a benchtool baseline for the import (issue 3): it
// opens a book into which sqlite3's .import wrote contacts (its triggers
// queued every row for the search index) and indexes the queue with the
// store's own code (store.DB.IndexSearch, the statements an import runs
// before it commits), in one transaction. sqlite3 3.40 cannot do it
// itself: it does not know FTS5's contentless_delete option.
//
//	ftsidx BOOK.db
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/phoneinc/contacts/store"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ftsidx BOOK.db")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "ftsidx:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	ctx := context.Background()
	queued, err := countQueued(path)
	if err != nil {
		return err
	}
	if queued == 0 {
		return fmt.Errorf("%s: nothing is queued for the search index", path)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.IndexSearch(ctx); err != nil {
		return err
	}
	fmt.Printf("indexed %d queued contacts\n", queued)
	return db.Close()
}

func countQueued(path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM contacts_search_queue`).Scan(&n)
	return n, err
}
