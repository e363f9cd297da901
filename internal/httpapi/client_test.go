package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
)

func ptr(s string) *string { return &s }

// newClient is a client of e's server with company's key.
func (e *env) newClient(company string) *httpapi.Client {
	c := httpapi.NewClient(e.ts.URL, e.key[company], e.ts.Client())
	c.Region = "DK"
	e.t.Cleanup(func() { c.Close() })
	return c
}

func wantCode(t *testing.T, err error, code string) *contacts.Error {
	t.Helper()
	var de *contacts.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("err=%#v (%v), want code %s", err, err, code)
	}
	return de
}

func listAll(t *testing.T, svc contacts.Service, f contacts.ContactFilter) []*contacts.Contact {
	t.Helper()
	var out []*contacts.Contact
	if err := svc.ListContacts(context.Background(), f, func(c *contacts.Contact) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestClient runs every Service method against the server.
func TestClient(t *testing.T) {
	ctx := context.Background()
	// The server reads national numbers as US ones, the client as Danish:
	// the client's region wins, as the CLI user expects.
	e := newEnv(t, httpapi.Config{}, "US")
	c := e.newClient("acme")

	ann, err := c.CreateContact(ctx, contacts.NewContact{Phone: "20 12 34 56", Name: "Ann", Email: "ann@example.com", Note: "line 1\nline 2"})
	if err != nil {
		t.Fatal(err)
	}
	if ann.Phone != "+4520123456" || ann.PhoneFormatted != "+45 20 12 34 56" || *ann.Name != "Ann" || *ann.Note != "line 1\nline 2" || ann.CompanyName != nil {
		t.Errorf("created %s", ann.AppendJSON(nil))
	}
	bob, err := c.CreateContact(ctx, contacts.NewContact{Phone: "+4520123457", Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CreateContact/ErrConflict", func(t *testing.T) {
		_, err := c.CreateContact(ctx, contacts.NewContact{Phone: "+45 20 12 34 56"})
		de := wantCode(t, err, contacts.ECONFLICT)
		if de.Field != "phone" || de.ContactID != ann.ID || de.Message != "phone: +4520123456 already belongs to contact "+ann.ID {
			t.Errorf("err=%#v", de)
		}
	})
	t.Run("CreateContact/ErrInvalid", func(t *testing.T) {
		_, err := c.CreateContact(ctx, contacts.NewContact{Phone: "+4520123458", Email: "nope"})
		de := wantCode(t, err, contacts.EINVALID)
		if de.Field != "email" || !strings.HasPrefix(de.Message, "email: ") {
			t.Errorf("err=%#v", de)
		}
		_, err = c.CreateContact(ctx, contacts.NewContact{Phone: "12"})
		if de := wantCode(t, err, contacts.EINVALID); de.Field != "phone" {
			t.Errorf("err=%#v", de)
		}
	})
	t.Run("FindContactByID", func(t *testing.T) {
		got, err := c.FindContactByID(ctx, strings.ToLower(ann.ID))
		if err != nil {
			t.Fatal(err)
		}
		if string(got.AppendJSON(nil)) != string(ann.AppendJSON(nil)) {
			t.Errorf("got %s\nwant %s", got.AppendJSON(nil), ann.AppendJSON(nil))
		}
		id := contacts.NewID()
		_, err = c.FindContactByID(ctx, id)
		if de := wantCode(t, err, contacts.ENOTFOUND); de.Message != "no contact with id "+id {
			t.Errorf("message %q", de.Message)
		}
		_, err = c.FindContactByID(ctx, "../../healthz")
		if de := wantCode(t, err, contacts.ENOTFOUND); de.Message != `no contact with id "../../healthz"` {
			t.Errorf("message %q", de.Message)
		}
	})
	t.Run("FindContactByPhone", func(t *testing.T) {
		for _, in := range []string{"+45 20 12 34 57", "20123457", "tel:+45-20-12-34-57"} {
			got, err := c.FindContactByPhone(ctx, in)
			if err != nil || got.ID != bob.ID {
				t.Errorf("%s: got %v, %v", in, got, err)
			}
		}
		_, err := c.FindContactByPhone(ctx, "+4520999999")
		if de := wantCode(t, err, contacts.ENOTFOUND); de.Message != "no contact with phone +4520999999" {
			t.Errorf("message %q", de.Message)
		}
		_, err = c.FindContactByPhone(ctx, "hello")
		if de := wantCode(t, err, contacts.EINVALID); de.Field != "phone" {
			t.Errorf("err=%#v", de)
		}
	})
	t.Run("ListContacts", func(t *testing.T) {
		all := listAll(t, c, contacts.ContactFilter{})
		if len(all) != 2 || all[0].ID != bob.ID || all[1].ID != ann.ID {
			t.Fatalf("list %v", all)
		}
		if got := listAll(t, c, contacts.ContactFilter{Limit: 1}); len(got) != 1 || got[0].ID != bob.ID {
			t.Errorf("limit 1: %v", got)
		}
		if got := listAll(t, c, contacts.ContactFilter{Phone: "20 12 34 56"}); len(got) != 1 || got[0].ID != ann.ID {
			t.Errorf("phone filter: %v", got)
		}
		if got := listAll(t, c, contacts.ContactFilter{Phone: "not a number"}); len(got) != 0 {
			t.Errorf("bad phone filter: %v", got)
		}
		stop := errors.New("stop")
		n := 0
		err := c.ListContacts(ctx, contacts.ContactFilter{}, func(*contacts.Contact) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("fn's error: err=%v after %d", err, n)
		}
	})
	t.Run("UpdateContact", func(t *testing.T) {
		got, err := c.UpdateContact(ctx, ann.ID, contacts.ContactUpdate{Name: ptr("Ann Jensen"), Email: ptr(""), Note: ptr("  ")})
		if err != nil {
			t.Fatal(err)
		}
		if *got.Name != "Ann Jensen" || got.Email != nil || got.Note != nil || got.Phone != ann.Phone {
			t.Errorf("got %s", got.AppendJSON(nil))
		}
		if !got.UpdatedAt.After(ann.UpdatedAt) || !got.CreatedAt.Equal(ann.CreatedAt) {
			t.Errorf("timestamps %v %v", got.CreatedAt, got.UpdatedAt)
		}
		got, err = c.UpdateContact(ctx, ann.ID, contacts.ContactUpdate{Phone: ptr("20 12 34 50")})
		if err != nil || got.Phone != "+4520123450" {
			t.Errorf("national phone in the client's region: %v, %v", got, err)
		}
	})
	t.Run("UpdateContact/Errors", func(t *testing.T) {
		_, err := c.UpdateContact(ctx, ann.ID, contacts.ContactUpdate{Phone: ptr("+4520123457"), Name: ptr("x")})
		if de := wantCode(t, err, contacts.ECONFLICT); de.ContactID != bob.ID || de.Field != "phone" {
			t.Errorf("err=%#v", de)
		}
		_, err = c.UpdateContact(ctx, ann.ID, contacts.ContactUpdate{Phone: ptr("")})
		if de := wantCode(t, err, contacts.EINVALID); de.Field != "phone" {
			t.Errorf("err=%#v", de)
		}
		_, err = c.UpdateContact(ctx, ann.ID, contacts.ContactUpdate{Email: ptr("a b@c.d")})
		if de := wantCode(t, err, contacts.EINVALID); de.Field != "email" {
			t.Errorf("err=%#v", de)
		}
		_, err = c.UpdateContact(ctx, contacts.NewID(), contacts.ContactUpdate{Name: ptr("x")})
		wantCode(t, err, contacts.ENOTFOUND)
		_, err = c.UpdateContact(ctx, "nope", contacts.ContactUpdate{Name: ptr("x")})
		wantCode(t, err, contacts.ENOTFOUND)
	})
	t.Run("DeleteContacts", func(t *testing.T) {
		missing := contacts.NewID()
		err := c.DeleteContacts(ctx, []string{ann.ID, missing})
		if de := wantCode(t, err, contacts.ENOTFOUND); de.Message != "no contact with id "+missing {
			t.Errorf("message %q", de.Message)
		}
		if n := len(listAll(t, c, contacts.ContactFilter{})); n != 2 {
			t.Fatalf("a failed delete deleted: %d left", n)
		}
		wantCode(t, c.DeleteContacts(ctx, []string{"nope"}), contacts.ENOTFOUND)
		if err := c.DeleteContacts(ctx, []string{strings.ToLower(ann.ID), bob.ID, ann.ID}); err != nil {
			t.Fatal(err)
		}
		if n := len(listAll(t, c, contacts.ContactFilter{})); n != 0 {
			t.Errorf("%d left", n)
		}
	})
	t.Run("CrossCompany", func(t *testing.T) {
		a, err := c.CreateContact(ctx, contacts.NewContact{Phone: "+4520123459"})
		if err != nil {
			t.Fatal(err)
		}
		b := e.newClient("beta")
		_, err = b.FindContactByID(ctx, a.ID)
		wantCode(t, err, contacts.ENOTFOUND)
		wantCode(t, b.DeleteContacts(ctx, []string{a.ID}), contacts.ENOTFOUND)
		if _, err := c.FindContactByID(ctx, a.ID); err != nil {
			t.Errorf("acme lost its contact: %v", err)
		}
	})
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, httpapi.Config{})
	key := e.key["acme"]

	t.Run("ErrUnauthorized", func(t *testing.T) {
		c := httpapi.NewClient(e.ts.URL, key+"x", nil)
		_, err := c.FindContactByID(ctx, contacts.NewID())
		de := wantCode(t, err, contacts.EUNAUTHORIZED)
		if de.Message != "API key rejected by "+e.ts.URL {
			t.Errorf("message %q", de.Message)
		}
		if strings.Contains(de.Message, key) {
			t.Error("the message holds the key")
		}
		c = httpapi.NewClient(e.ts.URL+"/api/v1/", "", nil)
		err = c.ListContacts(ctx, contacts.ContactFilter{}, func(*contacts.Contact) error { return nil })
		if de := wantCode(t, err, contacts.EUNAUTHORIZED); de.Message != e.ts.URL+" requires an API key, and none was given" {
			t.Errorf("message %q", de.Message)
		}
	})
	t.Run("ErrNetwork", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		url := dead.URL
		dead.Close()
		c := httpapi.NewClient(url, key, nil)
		_, err := c.FindContactByPhone(ctx, "+4520123456")
		if err == nil || contacts.ErrorCode(err) != contacts.EINTERNAL {
			t.Fatalf("err=%v", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "cannot reach "+url+"/api/v1/contacts?phone=%2B4520123456") || strings.Contains(msg, key) {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		c := httpapi.NewClient(e.ts.URL, key, nil)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := c.FindContactByID(cctx, contacts.NewID())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err=%v", err)
		}
	})
	t.Run("ErrBadURL", func(t *testing.T) {
		for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "http://user:hunter2@host"} {
			c := httpapi.NewClient(u, key, nil)
			_, err := c.FindContactByID(ctx, contacts.NewID())
			if de := wantCode(t, err, contacts.EUSAGE); strings.Contains(de.Message, "hunter2") {
				t.Errorf("%q: message %q", u, de.Message)
			}
		}
	})
}

// foreign is a server of the API's shape that is not ours: each test
// sets how it answers.
func foreign(t *testing.T, h http.HandlerFunc) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func TestClientForeignServer(t *testing.T) {
	ctx := context.Background()
	const key = "ck_acme_secretsecretsecret"
	id := contacts.NewID()
	seedContact := `{
    "id": "` + id + `",
    "name": "Niklas Stephenson",
    "email": "niklas@stephenson.dk",
    "phone": "+4520123456",
    "phone_formatted": "+45 20 12 34 56",
    "company_name": "Stephenson ApS",
    "note": "Always asks for the engineering team.",
    "created_at": "2026-06-10T10:00:00Z",
    "updated_at": "2026-06-10T10:00:00Z"
  }`
	other := strings.Replace(strings.Replace(seedContact, id, contacts.NewID(), 1), "+4520123456", "+4520123457", 1)

	t.Run("SeedShape", func(t *testing.T) {
		var paths []string
		ts := foreign(t, func(w http.ResponseWriter, r *http.Request) {
			paths = append(paths, r.Method+" "+r.URL.RequestURI())
			if r.Header.Get("X-Api-Key") != key {
				w.WriteHeader(401)
				return
			}
			// A server that ignores ?phone= and ?limit=, and pretty-prints.
			io.WriteString(w, "[\n  "+other+",\n  "+seedContact+"\n]")
		})
		c := httpapi.NewClient(ts.URL+"/api", key, nil)
		got, err := c.FindContactByPhone(ctx, "+45 20 12 34 56")
		if err != nil || got.ID != id || *got.Name != "Niklas Stephenson" || got.CreatedAt.Format(contacts.TimeFormat) != "2026-06-10T10:00:00Z" {
			t.Fatalf("got %v, %v", got, err)
		}
		if n := len(listAll(t, c, contacts.ContactFilter{Limit: 1})); n != 1 {
			t.Errorf("limit 1 listed %d", n)
		}
		if n := len(listAll(t, c, contacts.ContactFilter{Phone: "+4520123457"})); n != 1 {
			t.Errorf("phone filter listed %d", n)
		}
		if want := "GET /api/v1/contacts?phone=%2B4520123456"; paths[0] != want {
			t.Errorf("request %q, want %q", paths[0], want)
		}
	})
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		code        string
		message     string
	}{
		{"StringError422", 422, "application/json", `{"error":"Phone has already been taken"}`, contacts.EINVALID, "Phone has already been taken"},
		{"MessageConflict409", 409, "application/json", `{"message":"duplicate phone"}`, contacts.ECONFLICT, "duplicate phone"},
		{"PlainText404", 404, "text/plain", "Not Found\nmore", contacts.ENOTFOUND, "Not Found"},
		{"Empty404", 404, "", "", contacts.ENOTFOUND, "%s answered 404 Not Found"},
		{"Bare400", 400, "application/json", `{}`, contacts.EINVALID, "%s answered 400 Bad Request"},
		{"HTML500", 500, "text/html", "<html><body>Oops</body></html>", contacts.EINTERNAL, "%s answered 500 Internal Server Error"},
		{"Text503", 503, "text/plain", "down for maintenance", contacts.EINTERNAL, "%s answered 503 Service Unavailable: down for maintenance"},
		{"Echoes401", 401, "application/json", `{"error":"bad key ` + key + `"}`, contacts.EUNAUTHORIZED, "API key rejected by %s"},
		{"Forbidden403", 403, "", "", contacts.EUNAUTHORIZED, "API key rejected by %s"},
		{"KeyInMessage422", 422, "application/json", `{"error":{"code":"invalid","field":"note","message":"got ` + key + `"}}`, contacts.EINVALID, "got [API key]"},
		{"CodeDisagrees", 404, "application/json", `{"error":{"code":"conflict","message":"odd"}}`, contacts.ENOTFOUND, "odd"},
		{"ControlChars", 422, "text/plain", "bad\x1b[31m\u200b input\n", contacts.EINVALID, `bad\x1b[31m\u200b input`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := foreign(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := httpapi.NewClient(ts.URL, key, nil)
			_, err := c.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456"})
			de := wantCode(t, err, tc.code)
			want := tc.message
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, ts.URL)
			}
			if de.Message != want {
				t.Errorf("message %q, want %q", de.Message, want)
			}
			if strings.Contains(de.Error(), key) {
				t.Error("the error holds the key")
			}
		})
	}
	t.Run("ErrRedirectNotFollowed", func(t *testing.T) {
		var reached atomic.Bool
		elsewhere := foreign(t, func(w http.ResponseWriter, r *http.Request) {
			reached.Store(true)
			io.WriteString(w, "[]")
		})
		ts := foreign(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
		})
		c := httpapi.NewClient(ts.URL, key, nil)
		err := c.ListContacts(ctx, contacts.ContactFilter{}, func(*contacts.Contact) error { return nil })
		de := wantCode(t, err, contacts.EINTERNAL)
		if !strings.Contains(de.Message, "301 Moved Permanently, to "+elsewhere.URL) {
			t.Errorf("message %q", de.Message)
		}
		if reached.Load() {
			t.Error("the client followed the redirect, key and all")
		}
	})
	t.Run("ErrNotAnArray", func(t *testing.T) {
		ts := foreign(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"data":[]}`)
		})
		c := httpapi.NewClient(ts.URL, key, nil)
		err := c.ListContacts(ctx, contacts.ContactFilter{}, func(*contacts.Contact) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "unexpected response from "+ts.URL) {
			t.Errorf("err=%v", err)
		}
	})
	t.Run("ErrCutShort", func(t *testing.T) {
		ts := foreign(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "["+seedContact+",")
		})
		c := httpapi.NewClient(ts.URL, key, nil)
		n := 0
		err := c.ListContacts(ctx, contacts.ContactFilter{}, func(*contacts.Contact) error { n++; return nil })
		if err == nil || n != 1 {
			t.Errorf("a list cut short: err=%v after %d", err, n)
		}
	})
}

// TestClientStreamAbort: when the server fails part way through a
// listing, the client gets an error, not a short list.
func TestClientStreamAbort(t *testing.T) {
	ts := foreign(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		io.WriteString(w, `[{"id":"`+contacts.NewID()+`","phone":"+4520123456","created_at":"2026-06-10T10:00:00Z","updated_at":"2026-06-10T10:00:00Z"}`)
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	})
	c := httpapi.NewClient(ts.URL, "k", nil)
	n := 0
	err := c.ListContacts(context.Background(), contacts.ContactFilter{}, func(*contacts.Contact) error { n++; return nil })
	if err == nil || n != 1 {
		t.Errorf("err=%v after %d", err, n)
	}
}
