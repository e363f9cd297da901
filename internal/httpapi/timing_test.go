package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// TestMeasureWrongKeyTiming measures how long a wrong key takes to be
// refused when its company has a book and when it has none, through the
// handler and over loopback HTTP, and prints medians and 99th
// percentiles. It asserts nothing about time (tests never depend on it):
// docs/RELIABILITY.md records its figures. Run it with
//
//	CONTACTS_MEASURE=1 go test ./internal/httpapi -run TestMeasureWrongKeyTiming -v
func TestMeasureWrongKeyTiming(t *testing.T) {
	if os.Getenv("CONTACTS_MEASURE") == "" {
		t.Skip("a measurement: set CONTACTS_MEASURE=1 to run it")
	}
	const books, rounds = 200, 25
	dir := t.TempDir()
	copyBooks(t, dir, books)
	// Books made a while ago, as a server's books usually are: a key set
	// read within 2 s of a change to its book is read again at the next
	// miss (see store's keySet), which the last measurement shows.
	old := time.Now().Add(-time.Hour)
	for i := range books {
		if err := os.Chtimes(filepath.Join(dir, fmt.Sprintf("co%d.db", i)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	s := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{Region: "DK"})})
	defer s.Close()
	h := s.Handler()
	ts := httptest.NewServer(h)
	defer ts.Close()
	key := func(company string) string {
		k, _ := contacts.NewAPIKeySecret(company)
		return k
	}
	inHandler := func(k string) time.Duration {
		start := time.Now()
		rec := serveOnce(h, "GET", "/api/v1/contacts", k, nil)
		d := time.Since(start)
		if rec.Code != 401 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return d
	}
	overHTTP := func(k string) time.Duration {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/contacts", nil)
		req.Header.Set("X-Api-Key", k)
		start := time.Now()
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != 401 {
			t.Fatal(resp.Status)
		}
		return d
	}
	report := func(what string, ds []time.Duration) {
		slices.Sort(ds)
		t.Logf("%-58s n=%5d  median %9v  p99 %9v  max %9v", what, len(ds),
			ds[len(ds)/2], ds[len(ds)*99/100], ds[len(ds)-1])
	}

	// The first request for each company, right after the server started
	// (it reads the books' key sets in the background meanwhile).
	var coldBook, coldNone []time.Duration
	for i := range books {
		coldBook = append(coldBook, inHandler(key(fmt.Sprintf("co%d", i))))
		coldNone = append(coldNone, inHandler(key(fmt.Sprintf("none%d", i))))
	}
	report("first wrong key per company, book exists (handler)", coldBook)
	report("first wrong key per company, no book (handler)", coldNone)

	// Again and again, interleaved.
	for _, via := range []struct {
		name string
		f    func(string) time.Duration
	}{{"handler", inHandler}, {"loopback HTTP", overHTTP}} {
		var withBook, without []time.Duration
		for r := range rounds {
			for i := range books {
				withBook = append(withBook, via.f(key(fmt.Sprintf("co%d", (i+r)%books))))
				without = append(without, via.f(key(fmt.Sprintf("none%d", (i+r)%books))))
			}
		}
		report("wrong key, book exists ("+via.name+")", withBook)
		report("wrong key, no book ("+via.name+")", without)
	}

	// A book written to between probes (by another process): the first
	// wrong key after each write reads the key set again.
	path := filepath.Join(dir, "co0.db")
	other, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var afterWrite []time.Duration
	for i := range 500 {
		if _, err := other.CreateContact(context.Background(), contacts.NewContact{Phone: fmt.Sprintf("+45201%05d", i)}); err != nil {
			t.Fatal(err)
		}
		afterWrite = append(afterWrite, inHandler(key("co0")))
	}
	report("wrong key, first after another process wrote (handler)", afterWrite)

	// A book the server has open, written through the server.
	_, good := storetest.Key(t, dir, "served", "test")
	old = time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "served.db"), old, old)
	afterWrite = afterWrite[:0]
	for i := range 500 {
		rec := serveOnce(h, "POST", "/api/v1/contacts", good, []byte(fmt.Sprintf(`{"phone":"+45201%05d"}`, i)))
		if rec.Code != 201 {
			t.Fatal(rec.Code, rec.Body)
		}
		afterWrite = append(afterWrite, inHandler(key("served")))
	}
	report("wrong key, first after the server wrote (handler)", afterWrite)
}
