package store

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestSchemaObjectsListed: the objects Open checks a book for are every
// object the migrations make (but SQLite's own and FTS5's shadow tables),
// so that a new migration cannot be forgotten in the list.
func TestSchemaObjectsListed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.db")
	db, err := Open(context.Background(), path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	rows, err := db.db.Query(`SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'
		AND name NOT LIKE 'contacts_fts_%' AND name NOT LIKE 'contacts_phone_fts_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	var listed []string
	for _, o := range schemaObjects {
		if o.since > len(migrations) {
			t.Errorf("%s is listed since version %d, past the last migration", o.name, o.since)
		}
		listed = append(listed, o.name)
	}
	sort.Strings(listed)
	if got, want := strings.Join(names, " "), strings.Join(listed, " "); got != want {
		t.Errorf("the migrations make %s; Open checks for %s", got, want)
	}
}
