package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// syncBuffer is a log that requests running at once may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a server over a data directory with two companies, acme and
// beta, each with a book and a key.
type env struct {
	t      *testing.T
	dir    string
	server *httpapi.Server
	ts     *httptest.Server
	log    *syncBuffer
	key    map[string]string // company → secret
}

func newEnv(t *testing.T, cfg httpapi.Config, region ...string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), log: &syncBuffer{}, key: map[string]string{}}
	for _, company := range []string{"acme", "beta"} {
		_, secret := storetest.Key(t, e.dir, company, "test")
		e.key[company] = secret
	}
	r := "DK"
	if len(region) > 0 {
		r = region[0]
	}
	cfg.Books, cfg.Log = store.NewBooks(e.dir, store.BooksOptions{Region: r}), e.log
	e.server = httpapi.NewServer(cfg)
	e.ts = httptest.NewServer(e.server.Handler())
	t.Cleanup(func() {
		e.ts.Close()
		e.server.Close()
	})
	return e
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with key in X-Api-Key (none when "").
func (e *env) do(method, path, key, body string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// create adds a contact for company and returns it.
func (e *env) create(company, body string) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/api/v1/contacts", e.key[company], body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create %s: %d %s", body, r.status, r.body)
	}
	return object(e.t, r.body)
}

func object(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %q", err, s)
	}
	return m
}

func array(t *testing.T, s string) []map[string]any {
	t.Helper()
	var a []map[string]any
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		t.Fatalf("%v: %q", err, s)
	}
	return a
}

func (r response) want(t *testing.T, status int, contentType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status=%d, want %d; body %s", r.status, status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type=%q, want %q", got, contentType)
	}
}

// wantError checks an error response: its status and its exact body.
func (r response) wantError(t *testing.T, status int, body string) {
	t.Helper()
	r.want(t, status, "application/json")
	if got := strings.TrimSuffix(r.body, "\n"); got != body {
		t.Errorf("body\n got %s\nwant %s", got, body)
	}
}

var seedFields = `^\{"id":"[0-9A-Z]{26}","name":.*,"email":.*,"phone":"\+\d+","phone_formatted":".*","company_name":.*,"note":.*,"created_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","updated_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}\n$`

// TestSeedExamples runs the Phone.inc Contacts API's curl examples, in order.
func TestSeedExamples(t *testing.T) {
	for _, prefix := range []string{"/api/v1", "/v1"} {
		t.Run(strings.TrimPrefix(prefix, "/"), func(t *testing.T) {
			e := newEnv(t, httpapi.Config{})
			key := e.key["acme"]

			// POST /v1/contacts
			r := e.do("POST", prefix+"/contacts", key, `{
    "name": "Niklas Stephenson",
    "email": "niklas@stephenson.dk",
    "phone": "+4520123456",
    "company_name": "Stephenson ApS",
    "note": "Always asks for the engineering team."
  }`)
			r.want(t, http.StatusCreated, "application/json")
			if !regexp.MustCompile(seedFields).MatchString(r.body) {
				t.Errorf("not the contact's nine keys in their order: %s", r.body)
			}
			c := object(t, r.body)
			id := c["id"].(string)
			for k, want := range map[string]any{"name": "Niklas Stephenson", "email": "niklas@stephenson.dk", "phone": "+4520123456",
				"phone_formatted": "+45 20 12 34 56", "company_name": "Stephenson ApS", "note": "Always asks for the engineering team."} {
				if c[k] != want {
					t.Errorf("%s=%v, want %v", k, c[k], want)
				}
			}
			if got, want := r.header.Get("Location"), prefix+"/contacts/"+id; got != want {
				t.Errorf("Location=%q, want %q", got, want)
			}

			// GET /v1/contacts
			r = e.do("GET", prefix+"/contacts", key, "")
			r.want(t, http.StatusOK, "application/json")
			if list := array(t, r.body); len(list) != 1 || list[0]["id"] != id {
				t.Errorf("list=%s", r.body)
			}

			// GET /v1/contacts/:id
			r = e.do("GET", prefix+"/contacts/"+id, key, "")
			r.want(t, http.StatusOK, "application/json")
			if got := object(t, r.body); got["id"] != id || got["note"] != c["note"] {
				t.Errorf("show=%s", r.body)
			}

			// PATCH /v1/contacts/:id
			r = e.do("PATCH", prefix+"/contacts/"+id, key, `{"note": "Prefers email follow-ups."}`)
			r.want(t, http.StatusOK, "application/json")
			got := object(t, r.body)
			if got["note"] != "Prefers email follow-ups." || got["name"] != "Niklas Stephenson" || got["created_at"] != c["created_at"] {
				t.Errorf("patched=%s", r.body)
			}
			if got["updated_at"].(string) <= c["updated_at"].(string) {
				t.Errorf("updated_at %v did not move past %v", got["updated_at"], c["updated_at"])
			}

			// DELETE /v1/contacts/:id
			r = e.do("DELETE", prefix+"/contacts/"+id, key, "")
			if r.status != http.StatusNoContent || r.body != "" {
				t.Errorf("delete: %d %q", r.status, r.body)
			}
			e.do("GET", prefix+"/contacts/"+id, key, "").wantError(t, http.StatusNotFound,
				`{"error":{"code":"not_found","field":null,"message":"no contact with id `+id+`"}}`)
			if r := e.do("GET", prefix+"/contacts", key, ""); r.body != "[]\n" {
				t.Errorf("empty list=%q", r.body)
			}
		})
	}
}

func TestCreateContact(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	t.Run("Normalized", func(t *testing.T) {
		c := e.create("acme", `{"phone":"20 12 34 51","name":"  Ann  ","email":"","note":null,"company_name":"Acme"}`)
		if c["phone"] != "+4520123451" || c["name"] != "Ann" || c["email"] != nil || c["note"] != nil || c["company_name"] != "Acme" {
			t.Errorf("got %v", c)
		}
	})
	t.Run("ReadOnlyKeysIgnored", func(t *testing.T) {
		c := e.create("acme", `{"phone":"+4520123452","id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","phone_formatted":"x","created_at":"1999-01-01T00:00:00Z","updated_at":"x"}`)
		if c["id"] == "01ARZ3NDEKTSV4RRFFQ69G5FAV" || c["phone_formatted"] != "+45 20 12 34 52" || c["created_at"] == "1999-01-01T00:00:00Z" {
			t.Errorf("read-only keys were taken: %v", c)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		first := e.create("acme", `{"phone":"+4520123453"}`)
		e.do("POST", "/api/v1/contacts", key, `{"phone":"+45 20 12 34 53","name":"Dup"}`).wantError(t, 422,
			fmt.Sprintf(`{"error":{"code":"conflict","field":"phone","contact_id":"%s","message":"phone: +4520123453 already belongs to contact %s"}}`, first["id"], first["id"]))
	})
	for name, tc := range map[string]struct {
		body   string
		status int
		want   string
	}{
		"ErrInvalidEmail":   {`{"phone":"+4520123454","email":"nope"}`, 422, `{"error":{"code":"invalid","field":"email","message":"email: \"nope\" is not a valid address: it has no @"}}`},
		"ErrPhoneMissing":   {`{"name":"Ann"}`, 422, `{"error":{"code":"invalid","field":"phone","message":"phone: required"}}`},
		"ErrPhoneNull":      {`{"phone":null}`, 422, `{"error":{"code":"invalid","field":"phone","message":"phone: required"}}`},
		"ErrPhoneNumber":    {`{"phone":4520123454}`, 422, `{"error":{"code":"invalid","field":"phone","message":"phone: must be a string or null, not a number"}}`},
		"ErrNameObject":     {`{"phone":"+4520123454","name":{"first":"Ann"}}`, 422, `{"error":{"code":"invalid","field":"name","message":"name: must be a string or null, not an object"}}`},
		"ErrUnknownField":   {`{"phone":"+4520123454","company":"Acme"}`, 400, `{"error":{"code":"usage","field":"company","message":"unknown field \"company\" (the fields are name, email, phone, company_name and note)"}}`},
		"ErrBadJSON":        {`{"phone":"+4520123454",}`, 400, `{"error":{"code":"usage","field":null,"message":"invalid JSON: invalid character '}' looking for beginning of object key string"}}`},
		"ErrTruncatedJSON":  {`{"phone":"+45`, 400, `{"error":{"code":"usage","field":null,"message":"invalid JSON: unexpected EOF"}}`},
		"ErrNotAnObject":    {`["+4520123454"]`, 400, `{"error":{"code":"usage","field":null,"message":"the request body must be a JSON object"}}`},
		"ErrNullBody":       {`null`, 400, `{"error":{"code":"usage","field":null,"message":"the request body must be a JSON object"}}`},
		"ErrTrailingData":   {`{"phone":"+4520123454"} {}`, 400, `{"error":{"code":"usage","field":null,"message":"invalid JSON: more data after the object"}}`},
		"ErrControlChar":    {`{"phone":"+4520123454","name":"A\u0007B"}`, 422, `{"error":{"code":"invalid","field":"name","message":"name: contains the control character U+0007, which is not allowed"}}`},
		"ErrNoteTooLong":    {`{"phone":"+4520123454","note":"` + strings.Repeat("é", contacts.MaxNoteLen+1) + `"}`, 422, `{"error":{"code":"invalid","field":"note","message":"note: too long: 10001 characters, at most 10000"}}`},
		"ErrPhoneNotNumber": {`{"phone":"hello"}`, 422, ""},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/contacts", key, tc.body)
			if tc.want == "" {
				r.want(t, tc.status, "application/json")
				if got := object(t, r.body)["error"].(map[string]any); got["code"] != "invalid" || got["field"] != "phone" {
					t.Errorf("body %s", r.body)
				}
				return
			}
			r.wantError(t, tc.status, tc.want)
		})
	}
	t.Run("ErrEmptyBody", func(t *testing.T) {
		e.do("POST", "/api/v1/contacts", key, "").wantError(t, 400,
			`{"error":{"code":"usage","field":null,"message":"the request body is empty: send a JSON object"}}`)
	})
	t.Run("NothingWrittenOnError", func(t *testing.T) {
		list := array(t, e.do("GET", "/api/v1/contacts", key, "").body)
		if len(list) != 3 {
			t.Errorf("%d contacts, want the 3 created", len(list))
		}
	})
	t.Run("FormContentType", func(t *testing.T) {
		// curl -d without -H sends a form type: the body is JSON all the same.
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/contacts", strings.NewReader(`{"phone":"+4520123459"}`))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Api-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Errorf("status=%d", resp.StatusCode)
		}
	})
}

func TestPatchContact(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	c := e.create("acme", `{"phone":"+4520123456","name":"Ann","email":"ann@example.com","company_name":"Acme","note":"n"}`)
	other := e.create("acme", `{"phone":"+4520123457"}`)
	path := "/api/v1/contacts/" + c["id"].(string)

	t.Run("OnlyKeysPresent", func(t *testing.T) {
		r := e.do("PATCH", path, key, `{"name":"Ann Jensen"}`)
		r.want(t, 200, "application/json")
		got := object(t, r.body)
		if got["name"] != "Ann Jensen" || got["email"] != "ann@example.com" || got["company_name"] != "Acme" || got["note"] != "n" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("NullAndEmptyClear", func(t *testing.T) {
		got := object(t, e.do("PATCH", path, key, `{"email":null,"note":""}`).body)
		if got["email"] != nil || got["note"] != nil || got["name"] != "Ann Jensen" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("LowerCaseID", func(t *testing.T) {
		r := e.do("PATCH", strings.ToLower(path), key, `{"note":"x"}`)
		r.want(t, 200, "application/json")
	})
	t.Run("EmptyPatchChangesNothing", func(t *testing.T) {
		before := e.do("GET", path, key, "").body
		r := e.do("PATCH", path, key, `{"id":"ignored","updated_at":"ignored"}`)
		r.want(t, 200, "application/json")
		if r.body != before {
			t.Errorf("an empty PATCH changed the contact:\n%s\n%s", before, r.body)
		}
	})
	t.Run("ErrPhoneNull", func(t *testing.T) {
		e.do("PATCH", path, key, `{"phone":null,"name":"X"}`).wantError(t, 422,
			`{"error":{"code":"invalid","field":"phone","message":"phone: cannot be cleared: a contact needs a phone number"}}`)
	})
	t.Run("ErrPhoneEmpty", func(t *testing.T) {
		r := e.do("PATCH", path, key, `{"phone":""}`)
		r.want(t, 422, "application/json")
		if got := object(t, r.body)["error"].(map[string]any); got["field"] != "phone" {
			t.Errorf("body %s", r.body)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		e.do("PATCH", path, key, `{"phone":"20 12 34 57","name":"Changed"}`).wantError(t, 422,
			fmt.Sprintf(`{"error":{"code":"conflict","field":"phone","contact_id":"%[1]s","message":"phone: +4520123457 already belongs to contact %[1]s"}}`, other["id"]))
		if got := object(t, e.do("GET", path, key, "").body); got["name"] != "Ann Jensen" {
			t.Errorf("a failed PATCH changed the name: %v", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		id := contacts.NewID()
		e.do("PATCH", "/api/v1/contacts/"+id, key, `{"name":"x"}`).wantError(t, 404,
			`{"error":{"code":"not_found","field":null,"message":"no contact with id `+id+`"}}`)
		e.do("PATCH", "/api/v1/contacts/nope", key, `{"name":"x"}`).wantError(t, 404,
			`{"error":{"code":"not_found","field":null,"message":"no contact with id \"nope\""}}`)
	})
	t.Run("ErrUnknownField", func(t *testing.T) {
		e.do("PATCH", path, key, `{"nmae":"x"}`).wantError(t, 400,
			`{"error":{"code":"usage","field":"nmae","message":"unknown field \"nmae\" (the fields are name, email, phone, company_name and note)"}}`)
	})
}

func TestDeleteContact(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	c := e.create("acme", `{"phone":"+4520123456"}`)
	id := c["id"].(string)
	r := e.do("DELETE", "/v1/contacts/"+strings.ToLower(id), key, "")
	if r.status != 204 || r.body != "" {
		t.Fatalf("delete: %d %q", r.status, r.body)
	}
	e.do("DELETE", "/v1/contacts/"+id, key, "").wantError(t, 404,
		`{"error":{"code":"not_found","field":null,"message":"no contact with id `+id+`"}}`)
}

func TestListContacts(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	a := e.create("acme", `{"phone":"+4520123451"}`)
	b := e.create("acme", `{"phone":"+4520123452"}`)
	c := e.create("acme", `{"phone":"+14155552671"}`)
	ids := func(r response) string {
		t.Helper()
		r.want(t, 200, "application/json")
		var s []string
		for _, c := range array(t, r.body) {
			s = append(s, c["id"].(string))
		}
		return strings.Join(s, ",")
	}
	id := func(m ...map[string]any) string {
		var s []string
		for _, c := range m {
			s = append(s, c["id"].(string))
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		query, want string
	}{
		{"", id(c, b, a)},
		{"?limit=2", id(c, b)},
		{"?limit=99", id(c, b, a)},
		{"?phone=%2B45%2020%2012%2034%2052", id(b)},
		{"?phone=+4520123452", id(b)}, // an unescaped + is the + of the number
		{"?phone=%2B4520123452", id(b)},
		{"?phone=20123452", id(b)}, // national, in the server's region DK
		{"?phone=004520123452", id(b)},
		{"?phone=tel:%2B1-415-555-2671", id(c)},
		{"?phone=not+a+number", ""},
		{"?phone=%2B4520999999", ""},
		{"?phone=", id(c, b, a)},
		{"?phone=20123452&limit=1&other=ignored", id(b)},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := e.do("GET", "/api/v1/contacts"+tc.query, key, "")
			if got := ids(r); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if tc.want == "" && r.body != "[]\n" {
				t.Errorf("empty list is %q, want []", r.body)
			}
		})
	}
	for _, bad := range []string{"0", "-1", "x", "1.5"} {
		e.do("GET", "/api/v1/contacts?limit="+bad, key, "").wantError(t, 400,
			`{"error":{"code":"usage","field":"limit","message":"limit: \"`+bad+`\" is not a positive whole number"}}`)
	}
}

// TestListStreams lists more than one chunk of the stream: the array is
// whole, in order, and arrives without a Content-Length.
func TestListStreams(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	path, _ := store.Path(e.dir, "acme")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1500
	note := strings.Repeat("x", 100)
	i := 0
	storetest.Fill(t, db, func() (*contacts.Contact, error) {
		if i == n {
			return nil, nil
		}
		i++
		return storetest.Contact(t, contacts.NewContact{Phone: fmt.Sprintf("+45201%05d", i), Note: note},
			time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute)), nil
	})
	db.Close()
	r := e.do("GET", "/api/v1/contacts", e.key["acme"], "")
	r.want(t, 200, "application/json")
	if len(r.body) < 128<<10 {
		t.Fatalf("body of %d bytes: not several chunks", len(r.body))
	}
	if r.header.Get("Content-Length") != "" {
		t.Errorf("a streamed listing has Content-Length %s", r.header.Get("Content-Length"))
	}
	list := array(t, r.body)
	if len(list) != n {
		t.Fatalf("%d contacts, want %d", len(list), n)
	}
	if list[0]["phone"] != fmt.Sprintf("+45201%05d", n) || list[n-1]["phone"] != "+4520100001" {
		t.Errorf("not newest first: %v … %v", list[0]["phone"], list[n-1]["phone"])
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	c := e.create("acme", `{"phone":"+4520123456","name":"Ann"}`)
	id := c["id"].(string)
	const rejected = `{"error":{"code":"unauthorized","field":null,"message":"API key rejected"}}`

	t.Run("ErrMissingKey", func(t *testing.T) {
		r := e.do("GET", "/api/v1/contacts", "", "")
		r.wantError(t, 401, `{"error":{"code":"unauthorized","field":null,"message":"missing API key: send it in the X-Api-Key header"}}`)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("a 401 without WWW-Authenticate")
		}
	})
	t.Run("ErrWrongKey", func(t *testing.T) {
		forged, _ := contacts.NewAPIKeySecret("acme")
		for name, key := range map[string]string{
			"Garbage":       "hello",
			"Forged":        forged,
			"Truncated":     e.key["acme"][:len(e.key["acme"])-1],
			"OtherCompanys": "ck_beta_" + e.key["acme"][len("ck_acme_"):],
		} {
			t.Run(name, func(t *testing.T) {
				e.do("GET", "/api/v1/contacts/"+id, key, "").wantError(t, 401, rejected)
				e.do("POST", "/api/v1/contacts", key, `{"phone":"+4520999999"}`).wantError(t, 401, rejected)
			})
		}
	})
	t.Run("ErrKeyInQuery", func(t *testing.T) {
		// Only the caller-ID endpoint takes ?key=: a URL is logged and
		// kept in histories.
		e.do("GET", "/api/v1/contacts?key="+e.key["acme"], "", "").want(t, 401, "application/json")
	})
	t.Run("ErrCompanyWithoutBook", func(t *testing.T) {
		// A well-formed key of a company that has no file: 401, and no
		// file is made.
		ghost, _ := contacts.NewAPIKeySecret("ghost")
		e.do("GET", "/api/v1/contacts", ghost, "").wantError(t, 401, rejected)
		e.do("POST", "/api/v1/contacts", ghost, `{"phone":"+4520999999"}`).wantError(t, 401, rejected)
		if _, err := os.Stat(filepath.Join(e.dir, "ghost.db")); !os.IsNotExist(err) {
			t.Errorf("a request made ghost.db: %v", err)
		}
		entries, _ := os.ReadDir(e.dir)
		for _, de := range entries {
			if n := de.Name(); !strings.HasPrefix(n, "acme.db") && !strings.HasPrefix(n, "beta.db") {
				t.Errorf("unexpected file %s", n)
			}
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		k, secret := storetest.Key(t, e.dir, "acme", "test")
		e.do("GET", "/api/v1/contacts", secret, "").want(t, 200, "application/json")
		// Revoked by another process (the CLI) while the server has the
		// book open: the next request is refused.
		path, _ := store.Path(e.dir, "acme")
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeKey(context.Background(), k.ID); err != nil {
			t.Fatal(err)
		}
		db.Close()
		e.do("GET", "/api/v1/contacts", secret, "").wantError(t, 401, rejected)
	})
	t.Run("BookMadeAfterStart", func(t *testing.T) {
		_, secret := storetest.Key(t, e.dir, "gamma", "test")
		e.do("GET", "/api/v1/contacts", secret, "").want(t, 200, "application/json")
	})
}

// TestCrossCompany: a key never reaches another company's contacts.
func TestCrossCompany(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	a := e.create("acme", `{"phone":"+4520123456","name":"Acme's"}`)
	id := a["id"].(string)
	beta := e.key["beta"]
	notFound := `{"error":{"code":"not_found","field":null,"message":"no contact with id ` + id + `"}}`

	e.do("GET", "/api/v1/contacts/"+id, beta, "").wantError(t, 404, notFound)
	e.do("PATCH", "/api/v1/contacts/"+id, beta, `{"name":"hijacked"}`).wantError(t, 404, notFound)
	e.do("DELETE", "/api/v1/contacts/"+id, beta, "").wantError(t, 404, notFound)
	if r := e.do("GET", "/api/v1/contacts", beta, ""); r.body != "[]\n" {
		t.Errorf("beta lists %s", r.body)
	}
	if r := e.do("GET", "/api/v1/contacts?phone=%2B4520123456", beta, ""); r.body != "[]\n" {
		t.Errorf("beta finds acme's number: %s", r.body)
	}
	if r := e.do("GET", "/api/v1/callerid?phone=%2B4520123456&key="+beta, "", ""); r.status != 200 || r.body != "" {
		t.Errorf("beta's caller ID names acme's contact: %d %q", r.status, r.body)
	}
	// The same number is free in beta's book: phones are unique per company.
	b := e.create("beta", `{"phone":"+4520123456","name":"Beta's"}`)
	if b["id"] == id {
		t.Error("same id")
	}
	got := object(t, e.do("GET", "/api/v1/contacts/"+id, e.key["acme"], "").body)
	if got["name"] != "Acme's" {
		t.Errorf("acme's contact is now %v", got)
	}
}

func TestRoutes(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	for _, tc := range []struct {
		method, path, allow string
	}{
		{"PUT", "/api/v1/contacts", "GET, HEAD, POST"},
		{"DELETE", "/v1/contacts", "GET, HEAD, POST"},
		{"POST", "/api/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV", "GET, HEAD, PATCH, DELETE"},
		{"PUT", "/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV", "GET, HEAD, PATCH, DELETE"},
	} {
		t.Run("ErrMethod/"+tc.method+tc.path, func(t *testing.T) {
			r := e.do(tc.method, tc.path, key, "")
			r.wantError(t, 405, `{"error":{"code":"usage","field":null,"message":"method `+tc.method+` is not allowed on `+tc.path+` (allowed: `+tc.allow+`)"}}`)
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow=%q, want %q", got, tc.allow)
			}
		})
	}
	for _, path := range []string{"/", "/api/v2/contacts", "/api/v1/contacts/", "/api/v1/contacts/a/b", "/api/v1/contact", "/contacts"} {
		t.Run("ErrNoRoute"+path, func(t *testing.T) {
			e.do("GET", path, key, "").wantError(t, 404,
				`{"error":{"code":"not_found","field":null,"message":"no such route: GET `+path+`"}}`)
		})
	}
	t.Run("Healthz", func(t *testing.T) {
		r := e.do("GET", "/healthz", "", "")
		r.want(t, 200, "text/plain; charset=utf-8")
		if r.body != "ok\n" {
			t.Errorf("body %q", r.body)
		}
		if r := e.do("POST", "/healthz", "", ""); r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST /healthz: %d %v", r.status, r.header)
		}
	})
	t.Run("Head", func(t *testing.T) {
		r := e.do("HEAD", "/api/v1/contacts", key, "")
		if r.status != 200 || r.body != "" {
			t.Errorf("HEAD: %d %q", r.status, r.body)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, httpapi.Config{MaxBody: 1024})
	key := e.key["acme"]
	big := `{"phone":"+4520123456","note":"` + strings.Repeat("x", 2000) + `"}`
	want := `{"error":{"code":"usage","field":null,"message":"the request body is larger than 1024 bytes"}}`
	e.do("POST", "/api/v1/contacts", key, big).wantError(t, 413, want)

	// Without a Content-Length (chunked), the limit stops the read.
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/contacts", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("X-Api-Key", key)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || strings.TrimSpace(string(b)) != want {
		t.Errorf("chunked: %d %s", resp.StatusCode, b)
	}
	if r := e.do("GET", "/api/v1/contacts", key, ""); r.body != "[]\n" {
		t.Errorf("a refused body was stored: %s", r.body)
	}
	// Under the limit is fine.
	e.create("acme", `{"phone":"+4520123456","note":"`+strings.Repeat("x", 900)+`"}`)
}

func TestAccessLog(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	e.create("acme", `{"phone":"+4520123456","name":"Ann"}`)
	e.do("GET", "/api/v1/contacts?phone=%2B4520123456", key, "")
	e.do("GET", "/api/v1/callerid?phone=%2B4520123456&key="+key, "", "")
	e.do("GET", "/api/v1/callerid?key="+key+"&phone=%2B4520123456", "", "")
	e.do("GET", "/api/v1/callerid?api_key="+key+";key="+key+"&phone=1", "", "")
	e.do("GET", "/api/v1/contacts/"+key, key, "")
	e.do("GET", "/api/v1/contacts?phone="+key, "wrong"+key, "")
	e.do("GET", "/nowhere", "", "")

	log := e.log.String()
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines for 8 requests:\n%s", len(lines), log)
	}
	secret := key[len("ck_acme_"):]
	if strings.Contains(log, secret) {
		t.Errorf("the log holds the key:\n%s", log)
	}
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1:\d+ [A-Z]+ /\S* (\d{3}|aborted) \d+B \d+\.\d{3}ms( company=\w+)?( error=".*")?$`)
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("line does not match the format: %s", l)
		}
	}
	for i, want := range []string{
		"POST /api/v1/contacts 201 ",
		"GET /api/v1/contacts?phone=%2B4520123456 200 ",
		"GET /api/v1/callerid?phone=%2B4520123456&key=REDACTED 200 3B ",
		"GET /api/v1/callerid?key=REDACTED&phone=%2B4520123456 200 3B ",
		"GET /api/v1/callerid?api_key=REDACTED&key=REDACTED&phone=1 401 0B ", // Go reads no pair with a ';'
		"GET /api/v1/contacts/REDACTED 404 ",
		"GET /api/v1/contacts?phone=REDACTED 401 ",
		"GET /nowhere 404 ",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %s\nwant it to contain %q", i, lines[i], want)
		}
	}
	if !strings.HasSuffix(lines[1], " company=acme") {
		t.Errorf("line 1 does not name the company: %s", lines[1])
	}
}

// TestConcurrent hammers a fresh server from many goroutines over two
// companies, so that the first opening of each book races, and the
// books are written and read at once. Run it with -race.
func TestConcurrent(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	const workers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			company := []string{"acme", "beta"}[w%2]
			for i := 0; i < each; i++ {
				body := fmt.Sprintf(`{"phone":"+45201%02d%03d","name":"w%d"}`, w, i, w)
				req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/contacts", strings.NewReader(body))
				req.Header.Set("X-Api-Key", e.key[company])
				resp, err := e.ts.Client().Do(req)
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					errs <- fmt.Errorf("create: %d", resp.StatusCode)
				}
				req, _ = http.NewRequest("GET", e.ts.URL+"/api/v1/callerid?phone=%2B45201"+fmt.Sprintf("%02d%03d", w, i), nil)
				req.Header.Set("X-Api-Key", e.key[company])
				resp, err = e.ts.Client().Do(req)
				if err != nil {
					errs <- err
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != fmt.Sprintf("w%d", w) {
					errs <- fmt.Errorf("callerid: %d %q", resp.StatusCode, b)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, company := range []string{"acme", "beta"} {
		if n := len(array(t, e.do("GET", "/api/v1/contacts", e.key[company], "").body)); n != workers/2*each {
			t.Errorf("%s has %d contacts, want %d", company, n, workers/2*each)
		}
	}
}

func TestKeyCache(t *testing.T) {
	revoke := func(t *testing.T, e *env, id string) {
		t.Helper()
		path, _ := store.Path(e.dir, "acme")
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.RevokeKey(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	// The store remembers a key that passed until the book changes: a
	// revocation by another process takes effect at the next request.
	e := newEnv(t, httpapi.Config{})
	k, secret := storetest.Key(t, e.dir, "acme", "test")
	e.do("GET", "/api/v1/contacts", secret, "").want(t, 200, "application/json")
	e.do("GET", "/api/v1/contacts", secret, "").want(t, 200, "application/json")
	revoke(t, e, k.ID)
	e.do("GET", "/api/v1/contacts", secret, "").want(t, 401, "application/json")
	// A wrong key never passes.
	e.do("GET", "/api/v1/contacts", secret+"x", "").want(t, 401, "application/json")
}

func TestServerClose(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	e.do("GET", "/api/v1/contacts", e.key["acme"], "").want(t, 200, "application/json")
	if err := e.server.Close(); err != nil {
		t.Fatal(err)
	}
	// After Close no book is reopened: requests fail, and the log says why.
	e.do("GET", "/api/v1/contacts", e.key["acme"], "").wantError(t, 500,
		`{"error":{"code":"internal","field":null,"message":"internal error"}}`)
	if !strings.Contains(e.log.String(), `error="the books are closed"`) {
		t.Errorf("log:\n%s", e.log.String())
	}
}

// TestRegionHeader: the CLI in client mode sends what the user typed and
// its region; the server reads national numbers in that region, where
// its own has none, for writes and lookups alike.
func TestRegionHeader(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	send := func(method, path, region, body string) response {
		t.Helper()
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		req.Header.Set("X-Api-Key", key)
		if region != "" {
			req.Header.Set(httpapi.RegionHeader, region)
		}
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return response{resp.StatusCode, resp.Header, string(b)}
	}
	// The server's own region is DK.
	if r := send("POST", "/api/v1/contacts", "", `{"phone":"(415) 555-2671"}`); r.status != 422 || !strings.Contains(r.body, `"field":"phone"`) {
		t.Errorf("a US number read in DK: %d %s", r.status, r.body)
	}
	r := send("POST", "/api/v1/contacts", "us", `{"phone":"(415) 555-2671"}`)
	if r.status != 201 || !strings.Contains(r.body, `"phone":"+14155552671"`) {
		t.Fatalf("with the header: %d %s", r.status, r.body)
	}
	if r := send("GET", "/api/v1/contacts?phone=4155552671", "US", ""); r.status != 200 || !strings.Contains(r.body, "+14155552671") {
		t.Errorf("lookup with the header: %d %s", r.status, r.body)
	}
	if r := send("GET", "/api/v1/contacts?phone=4155552671", "", ""); r.status != 200 || strings.Contains(r.body, "+14155552671") {
		t.Errorf("lookup without it: %d %s", r.status, r.body)
	}
	if r := send("GET", "/api/v1/contacts", "Denmark", ""); r.status != 400 || !strings.Contains(r.body, `"field":"region"`) {
		t.Errorf("a bad region: %d %s", r.status, r.body)
	}
}

// TestETagIfMatch: a contact's answers carry its ETag; PATCH and DELETE
// with an If-Match of an older version change nothing and answer 412.
func TestETagIfMatch(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	c := e.create("acme", `{"phone":"+4520123456","name":"Ann"}`)
	id := c["id"].(string)
	send := func(method, etag, body string) response {
		t.Helper()
		req, _ := http.NewRequest(method, e.ts.URL+"/api/v1/contacts/"+id, strings.NewReader(body))
		req.Header.Set("X-Api-Key", key)
		if etag != "" {
			req.Header.Set("If-Match", etag)
		}
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return response{resp.StatusCode, resp.Header, string(b)}
	}
	first := send("GET", "", "")
	v1 := first.header.Get("ETag")
	if first.status != 200 || !strings.HasPrefix(v1, `"`) {
		t.Fatalf("GET: %d ETag %q", first.status, v1)
	}
	second := send("PATCH", v1, `{"name":"Anna"}`)
	v2 := second.header.Get("ETag")
	if second.status != 200 || v2 == "" || v2 == v1 {
		t.Fatalf("PATCH with the current ETag: %d %q", second.status, v2)
	}
	// A second agent who read v1 loses, with a JSON error, and nothing changes.
	stale := send("PATCH", v1, `{"name":"Annie"}`)
	stale.wantError(t, 412, `{"error":{"code":"precondition_failed","field":null,"contact_id":"`+id+`","message":"contact `+id+` changed since it was read (version `+strings.Trim(v1, `"`)+`, now `+strings.Trim(v2, `"`)+`): nothing was written"}}`)
	send("DELETE", v1, "").want(t, 412, "application/json")
	if got := send("GET", "", ""); !strings.Contains(got.body, `"name":"Anna"`) || got.header.Get("ETag") != v2 {
		t.Errorf("after the refused writes: %s %s", got.header.Get("ETag"), got.body)
	}
	send("PATCH", `W/"weak"`, `{"name":"x"}`).want(t, 400, "application/json")
	if r := send("DELETE", v2, ""); r.status != 204 {
		t.Errorf("DELETE with the current ETag: %d %s", r.status, r.body)
	}
}

// TestHistoryAPI: the operations are listed and undone through the API,
// a contact's history read, and a deleted contact restored; the server's
// writes are recorded with the key.
func TestHistoryAPI(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	c := e.create("acme", `{"phone":"+4520123456","name":"Ann"}`)
	id := c["id"].(string)
	e.do("PATCH", "/api/v1/contacts/"+id, key, `{"name":"Anna"}`).want(t, 200, "application/json")
	r := e.do("GET", "/api/v1/operations", key, "")
	r.want(t, 200, "application/json")
	var ops []contacts.Operation
	if err := json.Unmarshal([]byte(r.body), &ops); err != nil || len(ops) != 2 {
		t.Fatalf("operations: %v %s", err, r.body)
	}
	if ops[0].Kind != "update" || ops[0].Actor.Via != "server" || ops[0].Actor.KeyID == "" {
		t.Errorf("operation %+v", ops[0])
	}
	e.do("GET", "/api/v1/operations?limit=1", key, "").want(t, 200, "application/json")
	e.do("GET", "/api/v1/operations?limit=0", key, "").want(t, 400, "application/json")
	// Undo the last: the name is back.
	r = e.do("POST", "/api/v1/operations/last/undo", key, "")
	r.want(t, 200, "application/json")
	if got := e.do("GET", "/api/v1/contacts/"+id, key, ""); !strings.Contains(got.body, `"name":"Ann"`) {
		t.Errorf("after undo: %s", got.body)
	}
	e.do("POST", "/api/v1/operations/01JVWX3G8K9Q2M4N5P6R7S8T9V/undo", key, "").want(t, 404, "application/json")
	// History of the contact, then of it deleted, by id and by number.
	e.do("DELETE", "/api/v1/contacts/"+id, key, "")
	for _, ref := range []string{id, url.PathEscape("+4520123456")} {
		r = e.do("GET", "/api/v1/contacts/"+ref+"/history", key, "")
		r.want(t, 200, "application/json")
		var revs []contacts.Revision
		if err := json.Unmarshal([]byte(r.body), &revs); err != nil || len(revs) != 4 || revs[3].Kind != "delete" {
			t.Errorf("history %s: %v %s", ref, err, r.body)
		}
	}
	// Restore it.
	r = e.do("POST", "/api/v1/contacts/"+id+"/restore", key, "")
	r.want(t, 201, "application/json")
	if !strings.Contains(r.body, `"id":"`+id+`"`) {
		t.Errorf("restore: %s", r.body)
	}
	e.do("POST", "/api/v1/contacts/"+id+"/restore", key, "").want(t, 404, "application/json")
	// Another company's key sees nothing of it.
	e.do("GET", "/api/v1/contacts/"+id+"/history", e.key["beta"], "").want(t, 404, "application/json")
	e.do("GET", "/api/v1/operations", "", "").want(t, 401, "application/json")
}

func TestSearchRoute(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]
	for _, body := range []string{
		`{"phone":"+45 20 12 34 56","name":"Søren Kierkegaard","company_name":"Stephenson ApS"}`,
		`{"phone":"+45 30 12 34 56","name":"Ann Jensen"}`,
		`{"phone":"+45 40 12 34 56","name":"Anna Berg"}`,
	} {
		if r := e.do("POST", "/api/v1/contacts", key, body); r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
	}
	for _, tt := range []struct {
		query  string
		status int
		names  []string
	}{
		{"q=soren", 200, []string{"Søren Kierkegaard"}},
		{"q=ann", 200, []string{"Ann Jensen", "Anna Berg"}},
		{"q=ann&limit=1", 200, []string{"Ann Jensen"}},
		{"q=2012+34", 200, []string{"Søren Kierkegaard"}},
		{"q=nobody", 200, nil},
		{"q=", 200, []string{"Anna Berg", "Ann Jensen", "Søren Kierkegaard"}}, // the listing
		{"q=%2B%2B", 400, nil},
		{"q=ann&phone=20123456", 400, nil},
		{"q=ann&limit=0", 400, nil},
		{"q=" + strings.Repeat("ann+", 33), 400, nil}, // longer than a search box holds
		{"q=" + strings.Repeat("ann+", 32), 200, []string{"Ann Jensen", "Anna Berg"}},
		{"q=" + strings.Repeat("a", 1001), 400, nil},
	} {
		r := e.do("GET", "/api/v1/contacts?"+tt.query, key, "")
		if r.status != tt.status {
			t.Errorf("?%s: %d %s, want %d", tt.query, r.status, r.body, tt.status)
			continue
		}
		if r.status != 200 {
			continue
		}
		var got []contacts.Contact
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("?%s: %v: %s", tt.query, err, r.body)
		}
		var names []string
		for _, c := range got {
			names = append(names, *c.Name)
		}
		if fmt.Sprint(names) != fmt.Sprint(tt.names) {
			t.Errorf("?%s: %q, want %q", tt.query, names, tt.names)
		}
	}
}
