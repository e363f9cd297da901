package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	pathpkg "path"
	"strings"
	"testing"
	"unicode"

	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// acmeHandler serves a data directory with one book, acme's, and one key
// for it, with DK as the default region, for requests through serveOnce.
// It returns the handler and the key's secret; the server is closed when
// the test ends.
func acmeHandler(tb testing.TB) (http.Handler, string) {
	tb.Helper()
	dir := tb.TempDir()
	_, key := storetest.Key(tb, dir, "acme", "test")
	srv := httpapi.NewServer(httpapi.Config{Books: store.NewBooks(dir, store.BooksOptions{Region: "DK"})})
	tb.Cleanup(func() { srv.Close() })
	return srv.Handler(), key
}

// serveOnce runs one request through h and returns the recorded answer.
func serveOnce(h http.Handler, method, target, key string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	if i := strings.IndexByte(target, '?'); i >= 0 {
		req.URL.Path, req.URL.RawQuery = target[:i], target[i+1:]
	} else {
		req.URL.Path = target
	}
	req.RequestURI = ""
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The kinds of request FuzzRequest makes from its input.
const (
	fuzzPost     = iota // POST /api/v1/contacts with the input as body
	fuzzPatch           // PATCH /api/v1/contacts/{id} with the input as body
	fuzzList            // GET /api/v1/contacts?<input>
	fuzzCallerID        // GET /api/v1/callerid?<input>&key=…
	fuzzPath            // GET /api/v1/contacts/<input>
	fuzzKinds
)

// FuzzRequest sends the real handler arbitrary request bodies (POST and
// PATCH), query strings (the listing and the caller-ID endpoint) and ids:
// the answer is never a 5xx and never a panic; error answers are the JSON
// error shape; a contact that was created or changed reads back exactly
// as it was answered; a caller-ID body is one line with no control
// character.
//
//	go test ./internal/httpapi -run '^$' -fuzz '^FuzzRequest$' -fuzztime 60s -fuzzminimizetime 0
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"phone":"+4520123456","name":"Ann"}`, `{"phone":"20 12 34 57","email":"a@b.dk","company_name":"X","note":"n\nm"}`,
		`{"name":null}`, `{"phone":null}`, `{"phone":""}`, `{"phone":1}`, `{"phone":["+4520123456"]}`, `{"phone":{}}`,
		`{"id":"x","created_at":"y","phone_formatted":"z","updated_at":null}`, `{"company":"typo"}`, `{}`, `[]`, `null`,
		`"x"`, `1`, ``, ` `, `{`, `{"phone":"+4520123456"}{}`, `{"phone":"+4520123456"} x`, `{"phone":"\ud800"}`,
		`{"name":"\u001b[2J"}`, `{"note":"` + strings.Repeat("x", 10001) + `"}`, `{"a":1,"a":2}`, `{"name":"a","name":null}`,
		"\xef\xbb\xbf{}", "{\"name\":\"\xff\"}", `{"__proto__":{}}`, `{"phone":"'; DROP TABLE contacts; --"}`,
		`phone=%2B4520123456`, `phone=+4520123456&limit=1`, `limit=0`, `limit=-1`, `limit=99999999999999999999`, `phone=%zz`,
		`phone=ck_acme_x;key=1`, `max=0`, `max=3&phone=%2B4520123456`, `length=x`, `01ARZ3NDEKTSV4RRFFQ69G5FAV`, `..%2F..%2Fx`,
	} {
		for k := uint8(0); k < fuzzKinds; k++ {
			f.Add(k, []byte(s))
		}
	}
	h, key := acmeHandler(f)
	rec := serveOnce(h, "POST", "/api/v1/contacts", key, []byte(`{"phone":"+4570121212","name":"Target"}`))
	if rec.Code != http.StatusCreated {
		f.Fatalf("create the contact to patch: %d %s", rec.Code, rec.Body)
	}
	var target struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &target); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		var method, path string
		var body []byte
		switch kind % fuzzKinds {
		case fuzzPost:
			method, path, body = "POST", "/api/v1/contacts", data
		case fuzzPatch:
			method, path, body = "PATCH", "/api/v1/contacts/"+target.ID, data
		case fuzzList:
			method, path = "GET", "/api/v1/contacts?"+string(data)
		case fuzzCallerID:
			method, path = "GET", "/api/v1/callerid?"+string(data)+"&key="+key
		case fuzzPath:
			method, path = "GET", "/api/v1/contacts/"+string(data)
		}
		rec := serveOnce(h, method, path, key, body)
		got := rec.Body.Bytes()
		if p, _, _ := strings.Cut(path, "?"); rec.Code >= 300 && rec.Code < 400 && pathpkg.Clean(p) != p {
			return // the mux redirects an unclean path ("//", "/../") to its clean form
		}
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %q %q: status %d: %s", method, path, body, rec.Code, got)
		}
		if kind%fuzzKinds == fuzzCallerID {
			if rec.Code == http.StatusOK && strings.ContainsFunc(string(got), unicode.IsControl) {
				t.Fatalf("caller ID %q: a control character in the body %q", path, got)
			}
			return
		}
		if !json.Valid(got) {
			t.Fatalf("%s %q %q: status %d, body not JSON: %q", method, path, body, rec.Code, got)
		}
		if rec.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(got, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %q: status %d with a body that is not the error shape: %s", method, path, rec.Code, got)
			}
			return
		}
		if method == "GET" {
			return
		}
		// A write that was answered reads back as answered.
		var c struct{ ID string }
		if err := json.Unmarshal(got, &c); err != nil || c.ID == "" {
			t.Fatalf("%s: status %d, not a contact: %s", method, rec.Code, got)
		}
		back := serveOnce(h, "GET", "/api/v1/contacts/"+c.ID, key, nil)
		if back.Code != http.StatusOK || !bytes.Equal(back.Body.Bytes(), got) {
			t.Fatalf("%s %q answered\n%s\nbut reads back as %d\n%s", method, body, got, back.Code, back.Body)
		}
		if method == "POST" { // keep the book small and the numbers free
			if del := serveOnce(h, "DELETE", "/api/v1/contacts/"+c.ID, key, nil); del.Code != http.StatusNoContent {
				t.Fatalf("delete %s: %d %s", c.ID, del.Code, del.Body)
			}
		}
	})
}
