package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// The security review of the server, as tests (docs/RELIABILITY.md, "Server
// security"). TestAuth, TestCrossCompany, TestBodyLimit and TestAccessLog
// (server_test.go) cover the rest: unauthenticated and wrong-key requests,
// one company's key against another's ids, the body limit, the redaction
// of the access log.

// slowServer serves the real handler through httpapi.Serve, as `contacts
// serve` does, but with srv's shortened timeouts (Serve keeps timeouts
// that are set), on a free loopback port. It returns the address.
func slowServer(t *testing.T, srv *http.Server, dir string, log io.Writer) string {
	t.Helper()
	s := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{Region: "DK"}), Log: log})
	srv.Handler = s.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpapi.Serve(ctx, srv, ln) }()
	t.Cleanup(func() {
		cancel()
		srv.Close() // slow connections must not hold up the test
		<-done
		s.Close()
	})
	return ln.Addr().String()
}

// closedWithin reads conn until the server closes it and returns how long
// that took and what the server sent, or fails after limit.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	conn.SetReadDeadline(start.Add(limit))
	b, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v: read %q", limit, b)
	}
	return time.Since(start), string(b)
}

// TestSecuritySlowClients: a client that sends its headers slowly
// (slowloris) is cut off by the read-header timeout, many of them at once
// do not stop the server answering others, a body sent slowly is cut off
// by the read timeout without a 5xx or a stored contact, and oversized
// headers are refused.
func TestSecuritySlowClients(t *testing.T) {
	t.Parallel()
	const headerTimeout, readTimeout = 300 * time.Millisecond, 1500 * time.Millisecond
	dir := t.TempDir()
	_, key := storetest.Key(t, dir, "acme", "test")
	log := &syncBuffer{}
	addr := slowServer(t, &http.Server{ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout}, dir, log)

	// dribble writes the start of a request, then one header line every
	// interval, until the server stops it.
	dribble := func(conn net.Conn, interval time.Duration) {
		fmt.Fprintf(conn, "GET /api/v1/contacts HTTP/1.1\r\nHost: %s\r\n", addr)
		for i := 0; ; i++ {
			time.Sleep(interval)
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
				return
			}
		}
	}

	t.Run("Slowloris", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		go dribble(conn, 50*time.Millisecond)
		// A generous bound: a busy machine is slow, and only a server that
		// never cuts the client off fails.
		took, got := closedWithin(t, conn, headerTimeout+2*time.Minute)
		t.Logf("cut off after %v (ReadHeaderTimeout %v)", took.Round(time.Millisecond), headerTimeout)
		if strings.HasPrefix(got, "HTTP/1.1 200") || strings.HasPrefix(got, "HTTP/1.1 401") {
			t.Errorf("a request whose headers never ended was answered: %q", got)
		}
	})

	t.Run("ManySlowClientsDoNotBlockOthers", func(t *testing.T) {
		// A server that lets slow clients dribble for an hour: a normal
		// request answered while they are connected was not held up by
		// them, whatever the time it took on a busy machine.
		patient := slowServer(t, &http.Server{ReadHeaderTimeout: time.Hour}, dir, &syncBuffer{})
		var conns []net.Conn
		for range 50 {
			conn, err := net.Dial("tcp", patient)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			go dribble(conn, 100*time.Millisecond)
		}
		client := &http.Client{Timeout: 2 * time.Minute}
		req, _ := http.NewRequest("GET", "http://"+patient+"/api/v1/contacts", nil)
		req.Header.Set("X-Api-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("a normal request with 50 slow clients connected: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("a normal request with 50 slow clients connected: %d", resp.StatusCode)
		}
		for _, conn := range conns {
			conn.Close()
		}
	})

	t.Run("SlowBody", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		body := `{"phone":"+4520123456","name":"Slow Body","note":"` + strings.Repeat("x", 200) + `"}`
		fmt.Fprintf(conn, "POST /api/v1/contacts HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
			addr, key, len(body))
		go func() {
			for i := 0; i < len(body); i++ {
				time.Sleep(100 * time.Millisecond)
				if _, err := conn.Write([]byte{body[i]}); err != nil {
					return
				}
			}
		}()
		took, got := closedWithin(t, conn, readTimeout+2*time.Minute)
		t.Logf("cut off after %v (ReadTimeout %v)", took.Round(time.Millisecond), readTimeout)
		if got != "" {
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
			if err != nil || resp.StatusCode >= 500 || resp.StatusCode < 400 {
				t.Errorf("a body cut off by the read timeout was answered %q", got)
			}
		}
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/contacts?phone=%2B4520123456", nil)
		req.Header.Set("X-Api-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "[]\n" {
			t.Errorf("the contact of a body that never arrived was stored: %s", b)
		}
	})

	t.Run("HeaderTooLarge", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/contacts", nil)
		req.Header.Set("X-Api-Key", key)
		req.Header.Set("X-Big", strings.Repeat("x", 100<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("a 100 KiB header: %d, want 431", resp.StatusCode)
		}
	})

	if l := log.String(); strings.Contains(l, key[len("ck_acme_"):]) {
		t.Errorf("the log holds the key:\n%s", l)
	}
}

// TestSecurityTimeoutsBounded: the timeouts that `contacts serve` runs
// with (Serve's defaults) are set and bounded, so that the slow clients of
// TestSecuritySlowClients are cut off in production too; the CLI test
// TestSecuritySlowlorisServe checks the real process.
func TestSecurityTimeoutsBounded(t *testing.T) {
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": httpapi.ReadHeaderTimeout, "ReadTimeout": httpapi.ReadTimeout,
		"WriteTimeout": httpapi.WriteTimeout, "IdleTimeout": httpapi.IdleTimeout,
	} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v: want a bound of at most 2 minutes", name, d)
		}
	}
	if httpapi.ReadHeaderTimeout > 10*time.Second {
		t.Errorf("ReadHeaderTimeout = %v: a slowloris client holds a connection that long", httpapi.ReadHeaderTimeout)
	}
	if httpapi.DefaultMaxBody > 1<<20 {
		t.Errorf("DefaultMaxBody = %d", httpapi.DefaultMaxBody)
	}
}

// TestSecurityMalformedJSON: a body that is not one JSON object is 400 with
// the JSON error shape, and nothing is stored.
func TestSecurityMalformedJSON(t *testing.T) {
	h, key := acmeHandler(t)
	rec := serveOnce(h, "POST", "/api/v1/contacts", key, []byte(`{"phone":"+4570121212"}`))
	if rec.Code != http.StatusCreated {
		t.Fatal(rec.Code, rec.Body)
	}
	id := strings.Split(rec.Body.String(), `"`)[3]
	for _, body := range []string{
		``, ` `, `{`, `}`, `{"phone":"+4520123456"`, `{"phone":}`, `{"phone" "+4520123456"}`, `{phone:"+4520123456"}`,
		`{'phone':'+4520123456'}`, `{"phone":"+4520123456",}`, `{"phone":"+4520123456"}}`, `{"phone":"+4520123456"}{"phone":"+4520123457"}`,
		`{"phone":"+4520123456"} trailing`, `[{"phone":"+4520123456"}]`, `"+4520123456"`, `null`, `nul`, `true`, `42`,
		`{"phone":"+4520123456" /* comment */}`, `{"phone":"\x"}`, `{"phone":"+4520123456","name":"a` + "\n" + `"}`,
		"\x00", `{"company":"x","phone":"+4520123456"}`, `<?xml version="1.0"?><phone>+4520123456</phone>`,
		`phone=%2B4520123456&name=Form`,
	} {
		for _, target := range []string{"/api/v1/contacts", "/api/v1/contacts/" + id} {
			method := map[bool]string{true: "POST", false: "PATCH"}[target == "/api/v1/contacts"]
			rec := serveOnce(h, method, target, key, []byte(body))
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Body.String(), `{"error":{"code":"usage",`) {
				t.Errorf("%s %q: %d %s, want 400 with a usage error", method, body, rec.Code, rec.Body)
			}
		}
	}
	rec = serveOnce(h, "GET", "/api/v1/contacts", key, nil)
	if n := strings.Count(rec.Body.String(), `"id"`); n != 1 {
		t.Errorf("%d contacts after only malformed requests, want 1: %s", n, rec.Body)
	}

	// JSON must be UTF-8 (RFC 8259); the CLI refuses invalid UTF-8 ("not
	// valid UTF-8 text"), but encoding/json turns it into U+FFFD, so the
	// server stores text other than what was sent.
	rec = serveOnce(h, "POST", "/api/v1/contacts", key, []byte("{\"phone\":\"+4520123456\",\"name\":\"Bj\xf8rn\"}"))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a body that is not UTF-8: %d %s, want 400", rec.Code, rec.Body)
	}
}

// TestSecurityKeysNeverEchoed: the API key a client presents, in the
// X-Api-Key header or the caller-ID ?key=, never comes back in a response
// (status line, headers or body) and never reaches the access log, for
// good keys, wrong keys, another company's key and keys sent where no key
// belongs. A key sent as data (a contact's field) is the caller's data:
// it may come back to that caller in its contact or in a 422 that quotes
// the bad phone number, but it is not logged either.
func TestSecurityKeysNeverEchoed(t *testing.T) {
	dir := t.TempDir()
	_, acme := storetest.Key(t, dir, "acme", "test")
	_, beta := storetest.Key(t, dir, "beta", "test")
	log := &syncBuffer{}
	s := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{Region: "DK"}), Log: log})
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	var mu sync.Mutex
	var answers []string
	send := func(method, target string, header map[string]string, body string) (int, string) {
		req, err := http.NewRequest(method, ts.URL+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var hdr strings.Builder
		resp.Header.Write(&hdr)
		mu.Lock()
		answers = append(answers, resp.Status+"\n"+hdr.String()+"\n"+string(b))
		mu.Unlock()
		return resp.StatusCode, string(b)
	}
	status, body := send("POST", "/api/v1/contacts", map[string]string{"X-Api-Key": acme}, `{"phone":"+4520123456","name":"Ann"}`)
	if status != 201 {
		t.Fatal(status, body)
	}
	id := strings.Split(body, `"`)[3]
	wrong := acme[:len(acme)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(acme, "a")]
	upper := strings.ToUpper(acme)
	for _, key := range []string{acme, beta, wrong, upper, " " + acme + " ", acme + "\t"} {
		h := map[string]string{"X-Api-Key": key}
		q := url.QueryEscape(key)
		send("GET", "/api/v1/contacts", h, "")
		send("GET", "/api/v1/contacts/"+id, h, "")
		send("GET", "/api/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV", h, "")
		send("PATCH", "/api/v1/contacts/"+id, h, `{"note":"x"}`)
		send("PATCH", "/api/v1/contacts/"+id, h, `{"bad json`)
		send("DELETE", "/api/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV", h, "")
		send("POST", "/api/v1/contacts", h, `{"phone":"+4520123456"}`) // a conflict
		send("PUT", "/api/v1/contacts", h, "")
		send("GET", "/api/v1/callerid?phone=%2B4520123456&key="+q, nil, "")
		send("GET", "/api/v1/callerid?phone=%2B4520123456", h, "")
		send("GET", "/api/v1/callerid?phone=%2B4520123456&max=x&key="+q, nil, "")
		send("GET", "/api/v1/contacts?key="+q, nil, "")
		send("GET", "/api/v1/contacts?api_key="+q+"&token="+q, h, "")
		send("GET", "/nowhere?key="+q, h, "")
		send("GET", "/api/v1/contacts", map[string]string{"Authorization": "Bearer " + key}, "")
		send("GET", "/api/v1/contacts", map[string]string{"X-Api-Key": key, "Referer": "http://x/?key=" + q, "User-Agent": key}, "")
	}
	// A key as data: in a phone (422 quoting it) and as a name.
	send("POST", "/api/v1/contacts", map[string]string{"X-Api-Key": acme}, `{"phone":"`+beta+`"}`)
	send("GET", "/api/v1/contacts?phone="+beta, map[string]string{"X-Api-Key": acme}, "")

	secrets := map[string]string{"acme": acme, "beta": beta}
	for company, secret := range secrets {
		random := secret[len("ck_"+company+"_"):]
		for _, a := range answers {
			if strings.Contains(strings.ToLower(a), random[:20]) && !strings.Contains(a, `is not a number`) {
				t.Errorf("%s's key is in an answer:\n%s", company, a)
			}
		}
		if l := log.String(); strings.Contains(strings.ToLower(l), random[:20]) {
			t.Errorf("%s's key is in the access log:\n%s", company, l)
		}
	}
	if !strings.Contains(log.String(), "key=REDACTED") {
		t.Errorf("the log has no redacted key, so the requests were not logged:\n%s", log)
	}
}

// TestSecurityKeyHashesAtRest: a book holds a key's SHA-256 hash and
// nothing else of its secret: neither the secret, nor its random part
// (encoded, raw or in hex), in the database file, its WAL or its shared
// memory file, after keys were made, used and listed.
func TestSecurityKeyHashesAtRest(t *testing.T) {
	dir := t.TempDir()
	var secrets []string
	for range 3 {
		_, secret := storetest.Key(t, dir, "acme", "test")
		secrets = append(secrets, secret)
	}
	s := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{Region: "DK"})})
	for _, secret := range secrets[:2] { // used: last_used_at is written
		if rec := serveOnce(s.Handler(), "GET", "/api/v1/contacts", secret, nil); rec.Code != 200 {
			t.Fatal(rec.Code, rec.Body)
		}
	}
	// Read the files while the server still has the book open (the WAL
	// holds the last writes), then again after it closed it.
	check := func(when string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range secrets {
				random := secret[len("ck_acme_"):]
				raw, err := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding).DecodeString(random)
				if err != nil || len(raw) != 32 {
					t.Fatalf("the random part of %s is not 32 bytes of base32: %v", secret, err)
				}
				for what, needle := range map[string][]byte{
					"the secret": []byte(secret), "its random part": []byte(random[:16]), "its upper-cased random part": []byte(strings.ToUpper(random[:16])),
					"its raw random bytes": raw[:16], "its random bytes in hex": []byte(hex.EncodeToString(raw[:8])),
				} {
					if bytes.Contains(b, needle) {
						t.Errorf("%s: %s holds %s of a key", when, e.Name(), what)
					}
				}
			}
		}
	}
	check("open")
	s.Close()
	check("closed")

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "acme.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hashes := map[string]bool{}
	rows, err := db.Query(`SELECT hash FROM api_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hashes[hex.EncodeToString(h)] = true
	}
	rows.Close()
	for _, secret := range secrets {
		sum := sha256.Sum256([]byte(secret))
		if !hashes[hex.EncodeToString(sum[:])] {
			t.Errorf("no SHA-256 of a key in api_keys: %v", hashes)
		}
	}
}
