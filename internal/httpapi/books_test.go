package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// TestBooksBoundedByServer: good keys of more companies than the server
// keeps books open: it never has more than MaxBooks open.
func TestBooksBoundedByServer(t *testing.T) {
	dir := t.TempDir()
	keys := map[string]string{}
	for i := range 12 {
		company := fmt.Sprintf("co%d", i)
		_, keys[company] = storetest.Key(t, dir, company, "test")
	}
	books := store.NewBooks(dir, store.BooksOptions{Region: "DK", MaxOpen: 3, ConnsPerBook: 2})
	s := httpapi.NewServer(httpapi.Config{Books: books})
	defer s.Close()
	for round := range 2 {
		for company, key := range keys {
			if rec := serveOnce(s.Handler(), "GET", "/api/v1/contacts", key, nil); rec.Code != 200 {
				t.Fatalf("%s: %d %s", company, rec.Code, rec.Body)
			}
			if n := books.Len(); n > 3 {
				t.Fatalf("round %d: %d books open, want at most 3", round, n)
			}
		}
	}
	// Wrong keys open none.
	for company := range keys {
		k, _ := contacts.NewAPIKeySecret(company)
		serveOnce(s.Handler(), "GET", "/api/v1/contacts", k, nil)
	}
	if n := books.Len(); n > 3 {
		t.Errorf("%d books open after wrong keys", n)
	}
}
