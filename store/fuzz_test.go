package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// FuzzSearch feeds search arbitrary text, as `contacts search` and its
// users do: SQL and FTS5 syntax ("'; DROP TABLE", NEAR(, "*", column
// filters, quotes), invalid UTF-8, any script. A search never fails but
// with a usage error, and exactly when ValidateSearch says the query has
// nothing to look for; it never panics; what it finds is in the book. And
// a contact is found by its own name, so the folding of the query and of
// the index agree.
//
//	go test ./store -run '^$' -fuzz '^FuzzSearch$' -fuzztime 60s -fuzzminimizetime 0
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"stephen", "Stéphenson", "ØRSTED", "straße", "'; DROP TABLE contacts; --", `"`, `a"b`, "*", "a*", "NEAR(a b)",
		"a OR b", "a AND NOT b", "name:ann", "{name email}: ann", "^ann", "-ann", "+45 20 12", "(415) 555-2671", "2012 34",
		"tel:+45-20-12", "o'brien", "ann@acme.dk", "\xff\xfe", "ǅ", "İstanbul", "ﬁsh", "日本語", "x\x00y", "%", "_", "\\",
		"a b c d e f g h i j k l m n o p q r s t u v w x y z", "1", "12", "123",
	} {
		f.Add(s, s)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(f.TempDir(), "acme.db"), store.Options{Create: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	for _, in := range []contacts.NewContact{
		{Phone: "+4520123456", Name: "Niklas Stephenson", CompanyName: "Stephenson ApS", Email: "niklas@stephenson.dk", Note: "Engineering."},
		{Phone: "+14155552671", Name: "Ann O'Brien", Note: "NEAR(a b) 'quoted' \"double\""},
		{Phone: "+4570121212", Name: "Jens Ørsted", CompanyName: "Straße GmbH"},
	} {
		if _, err := db.CreateContact(ctx, in); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, name, query string) {
		var found []string
		err := db.SearchContacts(ctx, query, 20, func(c *contacts.Contact) error {
			found = append(found, c.ID)
			return nil
		})
		verr := store.ValidateSearch(query)
		switch {
		case err != nil && contacts.ErrorCode(err) != contacts.EUSAGE:
			t.Fatalf("search %q: %v (code %s), want no error or a usage error", query, err, contacts.ErrorCode(err))
		case (err == nil) != (verr == nil):
			t.Fatalf("search %q: %v, but ValidateSearch says %v", query, err, verr)
		}
		for _, id := range found {
			if _, err := db.FindContactByID(ctx, id); err != nil {
				t.Fatalf("search %q found %s, which is not in the book: %v", query, id, err)
			}
		}

		c, err := db.CreateContact(ctx, contacts.NewContact{Phone: "+4526000001", Name: name})
		if err != nil || c.Name == nil || store.ValidateSearch(*c.Name) != nil {
			return
		}
		defer func() {
			if err := db.DeleteContacts(ctx, []string{c.ID}); err != nil {
				t.Fatal(err)
			}
		}()
		hit := false
		err = db.SearchContacts(ctx, *c.Name, 0, func(got *contacts.Contact) error {
			hit = hit || got.ID == c.ID
			return nil
		})
		if err != nil {
			t.Fatalf("search for the name %q: %v", *c.Name, err)
		}
		if !hit {
			t.Fatalf("a contact named %q is not found by searching %q", *c.Name, *c.Name)
		}
	})
}
