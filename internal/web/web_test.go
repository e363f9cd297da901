package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/internal/web"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// site is contacts serve in-process: the API with the web page at /, over
// a data directory whose company acme has a book and a key.
type site struct {
	t        *testing.T
	dir      string
	url      string
	key      string
	keyID    string
	sessions *web.Sessions
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{t: t, dir: t.TempDir(), sessions: &web.Sessions{}}
	k, secret := storetest.Key(t, s.dir, "acme", "front desk")
	s.key, s.keyID = secret, k.ID
	books := store.NewBooks(s.dir, store.BooksOptions{Region: "DK"})
	page := web.New(web.Config{Books: books, Sessions: s.sessions, Region: "DK"})
	api := httpapi.NewServer(httpapi.Config{Books: books, Sessions: s.sessions, Web: page.Handler()})
	ts := httptest.NewServer(api.Handler())
	t.Cleanup(func() {
		ts.Close()
		api.Close()
	})
	s.url = ts.URL
	return s
}

// revoke revokes the key with id in company's book, as `contacts keys
// revoke` does from another process.
func revoke(tb testing.TB, dir, company, id string) {
	tb.Helper()
	path, _ := store.Path(dir, company)
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.RevokeKey(context.Background(), id); err != nil {
		tb.Fatal(err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects.
func (s *site) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (s *site) do(c *http.Client, method, path, body string, header map[string]string) answer {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

var form = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

// signIn signs c in and returns the page's CSRF token.
func (s *site) signIn(c *http.Client) string {
	s.t.Helper()
	a := s.do(c, "POST", "/signin", "key="+url.QueryEscape(s.key)+"&next=/", form)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/" {
		s.t.Fatalf("sign-in: %d %s %q", a.status, a.header.Get("Location"), a.body)
	}
	page := s.do(c, "GET", "/", "", nil)
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		s.t.Fatalf("no CSRF token in the page: %d %s", page.status, page.body)
	}
	return m[1]
}

func TestSignInCookie(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	a := s.do(c, "POST", "/signin", "key="+url.QueryEscape(s.key)+"&next=%2Fpop%3Fnumber%3D20123456", form)
	if got, want := a.status, http.StatusSeeOther; got != want {
		t.Fatalf("status %d, want %d: %s", got, want, a.body)
	}
	if got, want := a.header.Get("Location"), "/pop?number=20123456"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	cookie := a.header.Get("Set-Cookie")
	for _, want := range []string{"contacts_session=", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=", "Expires="} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP", cookie)
	}
	if strings.Contains(cookie, s.key) {
		t.Errorf("the cookie holds the key")
	}
	page := s.do(c, "GET", "/", "", nil)
	if page.status != 200 || strings.Contains(page.body, s.key) {
		t.Errorf("page: %d, holds the key: %v", page.status, strings.Contains(page.body, s.key))
	}
}

func TestSignInUnderTLS(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	h := map[string]string{"Content-Type": form["Content-Type"], "X-Forwarded-Proto": "https"}
	a := s.do(c, "POST", "/signin", "key="+url.QueryEscape(s.key), h)
	cookie := a.header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-contacts_session=") || !strings.Contains(cookie, "; Secure") {
		t.Errorf("Set-Cookie %q: want a Secure __Host- cookie behind TLS", cookie)
	}
}

func TestSignInRefused(t *testing.T) {
	s := newSite(t)
	for _, tt := range []struct {
		name, body string
		header     map[string]string
		status     int
		want       string
	}{
		{"wrong key", "key=ck_acme_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", form, 401, "key: API key rejected"},
		{"no key", "key=", form, 401, "key: enter an API key"},
		{"not a key", "key=%3Cscript%3E", form, 401, "key: API key rejected"},
		{"another site", "key=" + url.QueryEscape(s.key), map[string]string{"Content-Type": form["Content-Type"], "Origin": "http://evil.example"}, 403, "another site"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := s.do(s.browser(), "POST", "/signin", tt.body, tt.header)
			if a.status != tt.status || !strings.Contains(a.body, tt.want) {
				t.Errorf("%d %q, want %d with %q", a.status, a.body, tt.status, tt.want)
			}
			if a.header.Get("Set-Cookie") != "" {
				t.Errorf("a refused sign-in set a cookie")
			}
		})
	}
	if n := s.sessions.Len(); n != 0 {
		t.Errorf("%d sessions after refused sign-ins", n)
	}
}

func TestRedirectToSignInAndBack(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	for path, next := range map[string]string{
		"/":                          "/",
		"/pop?number=%2B4520123456":  "/pop?number=%2B4520123456",
		"/pop?number=sip:20@pbx&x=1": "/pop?number=sip:20@pbx&x=1",
	} {
		a := s.do(c, "GET", path, "", nil)
		if got, want := a.header.Get("Location"), "/signin?next="+url.QueryEscape(next); a.status != 303 || got != want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", path, a.status, got, want)
		}
		page := s.do(c, "GET", a.header.Get("Location"), "", nil)
		if !strings.Contains(page.body, `name="next" value="`+strings.ReplaceAll(next, "&", "&amp;")+`"`) {
			t.Errorf("the sign-in form of %s does not go back: %s", path, page.body)
		}
	}
	// The way back is a path of this server, never another site.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		a := s.do(s.browser(), "POST", "/signin", "key="+url.QueryEscape(s.key)+"&next="+url.QueryEscape(next), form)
		if got := a.header.Get("Location"); got != "/" {
			t.Errorf("next=%s: Location %q, want /", next, got)
		}
	}
}

func TestHeaders(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	s.signIn(c)
	for _, path := range []string{"/", "/signin", "/pop?number=20123456", "/assets/app.js", "/assets/app.css", "/nope"} {
		a := s.do(c, "GET", path, "", nil)
		h := a.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q allows inline code", path, csp)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", path, k, got, want)
			}
		}
	}
	// No inline script or style in the pages.
	for _, path := range []string{"/", "/signin"} {
		body := s.do(c, "GET", path, "", nil).body
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|style=|onclick=|onload=`).MatchString(body) {
			t.Errorf("%s holds inline script or style", path)
		}
	}
	// The API's unknown routes are still JSON.
	a := s.do(c, "GET", "/api/v1/nope", "", nil)
	if a.status != 404 || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /api/v1/nope: %d %s", a.status, a.header.Get("Content-Type"))
	}
}

func TestSessionOnTheAPI(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	token := s.signIn(c)
	body := `{"phone":"+45 20 12 34 56","name":"Niklas"}`
	for _, tt := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no token", nil, 403},
		{"wrong token", map[string]string{web.CSRFHeader: "x" + token}, 403},
		{"another site", map[string]string{web.CSRFHeader: token, "Origin": "http://evil.example"}, 403},
		{"origin null", map[string]string{web.CSRFHeader: token, "Origin": "null"}, 403},
		{"token", map[string]string{web.CSRFHeader: token, "Origin": s.url}, 201},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := s.do(c, "POST", "/api/v1/contacts", body, tt.header)
			if a.status != tt.status {
				t.Errorf("POST: %d %s, want %d", a.status, a.body, tt.status)
			}
		})
	}
	// Reads need no token; the search answers.
	a := s.do(c, "GET", "/api/v1/contacts?q=niklas", "", nil)
	if a.status != 200 || !strings.Contains(a.body, `"name":"Niklas"`) {
		t.Errorf("search: %d %s", a.status, a.body)
	}
	// Without the cookie, nothing.
	if a := s.do(s.browser(), "GET", "/api/v1/contacts", "", nil); a.status != 401 {
		t.Errorf("without a session: %d", a.status)
	}
}

func TestRevokedKeyEndsSessions(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	s.signIn(c)
	if a := s.do(c, "GET", "/api/v1/contacts", "", nil); a.status != 200 {
		t.Fatalf("before: %d", a.status)
	}
	revoke(t, s.dir, "acme", s.keyID)
	if a := s.do(c, "GET", "/api/v1/contacts", "", nil); a.status != 401 {
		t.Errorf("API after the revoke: %d, want 401", a.status)
	}
	if n := s.sessions.Len(); n != 0 {
		t.Errorf("%d sessions after the revoke, want 0", n)
	}
	if a := s.do(c, "GET", "/", "", nil); a.status != 303 {
		t.Errorf("page after the revoke: %d, want 303 to the sign-in", a.status)
	}
}

func TestRevokedKeyEndsPageSession(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	s.signIn(c)
	revoke(t, s.dir, "acme", s.keyID)
	a := s.do(c, "GET", "/pop?number=20123456", "", nil)
	if a.status != 303 || !strings.HasPrefix(a.header.Get("Location"), "/signin?") {
		t.Errorf("page after the revoke: %d %s", a.status, a.header.Get("Location"))
	}
	if n := s.sessions.Len(); n != 0 {
		t.Errorf("%d sessions after the revoke, want 0", n)
	}
}

func TestSignOut(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	token := s.signIn(c)
	// Without the token (a cross-site form), the session stays.
	if a := s.do(c, "POST", "/signout", "", form); a.status != 403 {
		t.Errorf("sign-out without the token: %d", a.status)
	}
	if s.sessions.Len() != 1 {
		t.Fatalf("the session ended without its token")
	}
	a := s.do(c, "POST", "/signout", "csrf_token="+url.QueryEscape(token), form)
	if a.status != 303 || a.header.Get("Location") != "/signin" {
		t.Errorf("sign-out: %d %s", a.status, a.header.Get("Location"))
	}
	if !strings.Contains(a.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign-out does not clear the cookie: %q", a.header.Get("Set-Cookie"))
	}
	if s.sessions.Len() != 0 {
		t.Errorf("the session outlived the sign-out")
	}
	if a := s.do(c, "GET", "/api/v1/contacts", "", nil); a.status != 401 {
		t.Errorf("API after sign-out: %d", a.status)
	}
}

func TestSessionExpires(t *testing.T) {
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	ss := &web.Sessions{TTL: time.Hour, Now: func() time.Time { return now }}
	id, _ := ss.Create("ck_secret", &contacts.APIKey{ID: "K1"})
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: web.CookieName, Value: id})
	if key, err := ss.Key(req); err != nil || key != "ck_secret" {
		t.Fatalf("Key: %q %v", key, err)
	}
	now = now.Add(time.Hour)
	if key, err := ss.Key(req); err == nil || key != "" {
		t.Errorf("Key after the TTL: %q %v, want an error", key, err)
	}
	if ss.Len() != 0 {
		t.Errorf("an ended session is held")
	}
}

func TestSessionsBounded(t *testing.T) {
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	ss := &web.Sessions{Max: 3, Now: func() time.Time { return now }}
	var first string
	for i := range 5 {
		id, _ := ss.Create("ck_secret", &contacts.APIKey{ID: "K1"})
		if i == 0 {
			first = id
		}
		now = now.Add(time.Minute)
	}
	if got, want := ss.Len(), 3; got != want {
		t.Errorf("%d sessions, want %d", got, want)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: web.CookieName, Value: first})
	if ss.Lookup(req) != nil {
		t.Errorf("the oldest session outlived the bound")
	}
}

func TestPop(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	s.signIn(c)
	for _, tt := range []struct{ number, want string }{
		{"%2B45+20+12+34+56", `data-pop-e164="&#43;4520123456" data-pop-formatted="&#43;45 20 12 34 56" data-pop-description="Denmark, fixed line or mobile"`},
		{"20123456", `data-pop-e164="&#43;4520123456"`},
		{"004520123456", `data-pop-e164="&#43;4520123456"`},
		{"sip:%2B4520123456@pbx.example.com", `data-pop-e164="&#43;4520123456"`},
		{"tel:20123456;phone-context=%2B45", `data-pop-e164="&#43;4520123456"`},
		{"sip:alice@host", `data-pop-e164="" data-pop-formatted="" data-pop-description="" data-pop-error="phone: &#34;sip:alice@host&#34; is not a phone number`},
		{"%22%3E%3Cscript%3Ealert(1)%3C/script%3E", `data-pop-raw="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`},
	} {
		a := s.do(c, "GET", "/pop?number="+tt.number, "", nil)
		if a.status != 200 || !strings.Contains(a.body, tt.want) {
			t.Errorf("pop %s: %d, want %s in\n%s", tt.number, a.status, tt.want, a.body)
		}
	}
}

func TestRoutesBesideTheAPI(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	for _, tt := range []struct {
		method, path string
		status       int
		typ          string
	}{
		{"GET", "/healthz", 200, "text/plain; charset=utf-8"},
		{"GET", "/api/v1/nope", 404, "application/json"},
		{"GET", "/v1/nope", 404, "application/json"},
		{"GET", "/api/v1/contacts", 401, "application/json"},
		{"GET", "/nope", 404, "text/plain; charset=utf-8"},
		{"GET", "/assets/", 404, "text/plain; charset=utf-8"},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8"},
		{"HEAD", "/signin", 200, "text/html; charset=utf-8"},
		{"GET", "/favicon.ico", 301, "text/html; charset=utf-8"},
		{"DELETE", "/", 404, "text/plain; charset=utf-8"},
	} {
		a := s.do(c, tt.method, tt.path, "", nil)
		if a.status != tt.status || a.header.Get("Content-Type") != tt.typ {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, a.status, a.header.Get("Content-Type"), tt.status, tt.typ)
		}
	}
}
