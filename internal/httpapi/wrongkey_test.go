package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// The second round of the server's security review (docs/RELIABILITY.md,
// "Hardening, round two: the server"): wrong keys, and what error bodies
// and headers give away.

// copyBooks makes n books in dir, co0.db … co<n-1>.db, as copies of one
// made as `contacts keys create` makes it.
func copyBooks(tb testing.TB, dir string, n int) {
	tb.Helper()
	storetest.Key(tb, dir, "co0", "test")
	template, err := os.ReadFile(filepath.Join(dir, "co0.db"))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 1; i < n; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("co%d.db", i)), template, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// openFiles counts this process's open file descriptors.
func openFiles(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}

// answer is a response as a client sees it, but for its Date.
func answer(tb testing.TB, c *http.Client, req *http.Request) string {
	tb.Helper()
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Header.Del("Date")
	var h strings.Builder
	resp.Header.Write(&h)
	return resp.Status + "\n" + h.String() + "\n" + string(b)
}

// TestSecurityWrongKeysOpenNoBook: wrong keys naming 150 companies that
// have books, in the header and in the caller-ID query, open no book,
// create no file and hold no descriptor, and every one is answered with
// exactly the bytes of a wrong key to a company that has no book; so are
// keys to a book that is a symbolic link, a directory, a FIFO or not a
// book at all, which used to be 500. A good key still works after.
func TestSecurityWrongKeysOpenNoBook(t *testing.T) {
	const n = 150
	dir := t.TempDir()
	copyBooks(t, dir, n)
	_, good := storetest.Key(t, dir, "acme", "test")
	if err := os.Symlink(filepath.Join(dir, "acme.db"), filepath.Join(dir, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.db"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.db"), []byte("not a database, and long enough not to be empty"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	s := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{Region: "DK"}), Log: log})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); s.Close() })
	client := ts.Client()
	get := func(key string) *http.Request {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/contacts", nil)
		req.Header.Set("X-Api-Key", key)
		return req
	}
	callerID := func(key string) *http.Request {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/callerid?phone=%2B4520123456&key="+key, nil)
		return req
	}
	forged := func(company string) string {
		k, err := contacts.NewAPIKeySecret(company)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}

	// The answers to a company that has no book, and the state after one
	// request (the client's connection open).
	want, wantCallerID := answer(t, client, get(forged("ghost"))), answer(t, client, callerID(forged("ghost")))
	if !strings.HasPrefix(want, "401 ") || !strings.HasPrefix(wantCallerID, "401 ") {
		t.Fatalf("a key to a company with no book:\n%s\n%s", want, wantCallerID)
	}
	before, fds := strings.Join(storetest.Listing(t, dir), "\n"), openFiles(t)

	companies := []string{"link", "folder", "fifo", "junk", "ghost2"}
	for i := range n {
		companies = append(companies, fmt.Sprintf("co%d", i))
	}
	for _, company := range companies {
		if got := answer(t, client, get(forged(company))); got != want {
			t.Fatalf("a wrong key to %s:\n%s\nwant, as for a company with no book:\n%s", company, got, want)
		}
		if got := answer(t, client, callerID(forged(company))); got != wantCallerID {
			t.Fatalf("a wrong caller-ID key to %s:\n%s\nwant, as for a company with no book:\n%s", company, got, wantCallerID)
		}
	}
	if after := strings.Join(storetest.Listing(t, dir), "\n"); after != before {
		t.Errorf("wrong keys changed the data directory:\nbefore\n%s\nafter\n%s", before, after)
	}
	// A few descriptors of slack: the server reads its books' key sets in
	// the background, one at a time.
	if grown := openFiles(t) - fds; grown > 8 {
		t.Errorf("wrong keys to %d books left %d more files open", n, grown)
	}
	if !strings.Contains(log.String(), "link.db is a symbolic link") {
		t.Errorf("the log does not say why the key to link.db was refused:\n%s", log)
	}
	if got := answer(t, client, get(good)); !strings.HasPrefix(got, "200 ") {
		t.Errorf("a good key after the wrong ones:\n%s", got)
	}
}

// TestSecurityJSONNoSniff: every JSON response, answers and errors alike,
// tells a browser not to guess another type.
func TestSecurityJSONNoSniff(t *testing.T) {
	e := newEnv(t, httpapi.Config{MaxBody: 1024})
	key := e.key["acme"]
	c := e.create("acme", `{"phone":"+4520123456"}`)
	for _, tc := range []struct{ method, path, key, body string }{
		{"GET", "/api/v1/contacts", key, ""},
		{"GET", "/api/v1/contacts/" + c["id"].(string), key, ""},
		{"POST", "/api/v1/contacts", key, `{"phone":"+4520123457"}`},
		{"PATCH", "/api/v1/contacts/" + c["id"].(string), key, `{"name":"x"}`},
		{"GET", "/api/v1/contacts", "", ""},
		{"GET", "/api/v1/contacts", "wrong", ""},
		{"GET", "/api/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV", key, ""},
		{"PUT", "/api/v1/contacts", key, ""},
		{"POST", "/api/v1/contacts", key, `{"phone":"` + strings.Repeat("1", 2000) + `"}`},
		{"POST", "/api/v1/contacts", key, `{"nope":1}`},
		{"GET", "/nowhere", "", ""},
	} {
		r := e.do(tc.method, tc.path, tc.key, tc.body)
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: %d with X-Content-Type-Options %q, want nosniff", tc.method, tc.path, r.status, got)
		}
	}
}

// TestSecurityErrorExcerpts: an error body quotes what a client sent by a
// short excerpt, escaped, never whole: a 900 KB unknown key came back
// twice, in "field" and in "message".
func TestSecurityErrorExcerpts(t *testing.T) {
	e := newEnv(t, httpapi.Config{MaxBody: 2 << 20})
	key := e.key["acme"]
	big := strings.Repeat("k", 900<<10)
	cut40 := `\"` + strings.Repeat("k", 40) + `\"…`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		want                     string // in the body
	}{
		{"UnknownKey", "POST", "/api/v1/contacts", `{"` + big + `":1}`, 400, `"field":"` + strings.Repeat("k", 40) + `…","message":"unknown field ` + cut40},
		{"UnknownKeyEscaped", "POST", "/api/v1/contacts", `{"\u202e\u001b[2J` + big + `":1}`, 400, `"field":"\\u202e\\x1b[2J` + strings.Repeat("k", 35) + `…","message":"unknown field \"\\u202e\\x1b[2J` + strings.Repeat("k", 35) + `\"…`},
		{"Limit", "GET", "/api/v1/contacts?limit=" + big[:5000], "", 400, `limit: ` + cut40 + ` is not`},
		{"Phone", "POST", "/api/v1/contacts", `{"phone":"+45` + strings.Repeat("9", 240) + `"}`, 422, `phone: \"+45` + strings.Repeat("9", 37) + `\"… is too long`},
		{"Email", "POST", "/api/v1/contacts", `{"phone":"+4520123456","email":"` + strings.Repeat("a", 60) + `"}`, 422, `email: \"` + strings.Repeat("a", 40) + `\"… is not a valid address`},
		{"ID", "GET", "/api/v1/contacts/" + big[:5000], "", 404, `no contact with id ` + cut40},
		{"Route", "GET", "/" + big[:5000], "", 404, `no such route: GET /` + strings.Repeat("k", 79) + `…`},
		{"Method", "PUT", "/api/v1/contacts/" + big[:5000], "", 405, `on /api/v1/contacts/` + strings.Repeat("k", 63) + `… (allowed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, key, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if len(r.body) > 400 {
				t.Errorf("a body of %d bytes: %.300s…", len(r.body), r.body)
			}
			if !strings.Contains(r.body, tc.want) {
				t.Errorf("body %s\nwant it to contain %s", r.body, tc.want)
			}
		})
	}
}

// TestSecurityReadTimeoutMessage: a body cut off by the read timeout is a
// 400 that says so plainly, without the socket's addresses ("read tcp
// 127.0.0.1:…->127.0.0.1:…: i/o timeout").
func TestSecurityReadTimeoutMessage(t *testing.T) {
	dir := t.TempDir()
	_, key := storetest.Key(t, dir, "acme", "test")
	addr := slowServer(t, &http.Server{ReadTimeout: 500 * time.Millisecond}, dir, io.Discard)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers and the start of the body; the rest never comes.
	fmt.Fprintf(conn, "POST /api/v1/contacts HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"phone\":", addr, key)
	conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a body cut off by the read timeout: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := strings.TrimSpace(string(b))
	if resp.StatusCode != 400 || body != `{"error":{"code":"usage","field":null,"message":"the request body did not arrive in time"}}` {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	host, _, _ := net.SplitHostPort(addr)
	if strings.Contains(body, host) || strings.Contains(body, "tcp") {
		t.Errorf("the body names the socket: %s", body)
	}
}
