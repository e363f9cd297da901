// Command sqlq is a benchtool baseline: a Go process that opens a book with
// modernc.org/sqlite, as the store does, and runs the one indexed query a
// lookup needs.
//
//	sqlq BOOK.db +4520123456
package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sqlq BOOK.db +E164")
		os.Exit(2)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(60000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: os.Args[1], RawQuery: q.Encode()}).String())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	var id, phone, formatted, created, updated string
	var name, email, company, note sql.NullString
	err = db.QueryRow(`SELECT id, name, email, phone, phone_formatted, company_name, note, created_at, updated_at
		FROM contacts WHERE phone = ?`, os.Args[2]).Scan(&id, &name, &email, &phone, &formatted, &company, &note, &created, &updated)
	if err == sql.ErrNoRows {
		os.Exit(3)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s\t%s\t%s\t%s\t%s\n", id, name.String, formatted, company.String, note.String)
}
