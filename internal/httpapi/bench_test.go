package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// BenchmarkLookup measures GET ?phone= over loopback, requests in
// parallel, on a book of 10,000 contacts: key check, lookup, encoding
// and the access log included.
func BenchmarkLookup(b *testing.B) {
	dir := b.TempDir()
	_, key := storetest.Key(b, dir, "acme", "test")
	path, _ := store.Path(dir, "acme")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	i := 0
	storetest.Fill(b, db, func() (*contacts.Contact, error) {
		if i == n {
			return nil, nil
		}
		i++
		return storetest.Contact(b, contacts.NewContact{Phone: fmt.Sprintf("+45201%05d", i), Name: fmt.Sprintf("Contact %d", i)}, db.Now()), nil
	})
	db.Close()
	srv := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{}), Log: io.Discard})
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tr := ts.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 64

	b.SetParallelism(16) // enough requests in flight to keep both cores busy
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		j := 0
		for pb.Next() {
			j++
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/contacts?phone=%%2B45201%05d", ts.URL, j%n+1), nil)
			req.Header.Set("X-Api-Key", key)
			resp, err := ts.Client().Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
