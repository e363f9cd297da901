// Package web is the web page of `contacts serve`: a small application for
// support desks, at / beside the API, with a screen pop at /pop?number=N
// for phone systems to open when a call arrives.
//
// Everything it serves is embedded in the binary (go:embed): two HTML
// templates, one stylesheet and one JavaScript module, with no build step
// and nothing from another host. The page talks to the JSON API with the
// session cookie the sign-in sets (Sessions), and every write goes through
// the API, so that the page shows the API's own field messages and never
// validates anything itself.
//
// # Routes
//
//	GET  /                 the page (sign-in first, when there is no session)
//	GET  /pop?number=N     the page, opened on the caller N: the card, or
//	                       "Unknown caller — Denmark, mobile" and a form to add
//	GET  /signin[?next=P]  the sign-in form
//	POST /signin           key=K[&next=P]: a session, then P (/ by default)
//	POST /signout          csrf_token=T: the session ends
//	GET  /assets/NAME      the stylesheet, the script, the icon
//
// # Safety
//
// Every answer carries a Content-Security-Policy that allows scripts,
// styles, images and requests from the server itself only, with no inline
// script or style and no framing (also X-Frame-Options: DENY), and
// Referrer-Policy: same-origin, as a pop's URL holds a caller's number (with
// no-referrer a browser sends "Origin: null", which the CSRF check refuses).
// The page writes every value with textContent, and shows invisible
// characters (bidi controls, zero-width spaces) as escapes, as the CLI
// does.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
)

//go:embed assets templates
var files embed.FS

var templates = template.Must(template.ParseFS(files, "templates/*.html"))

// Config configures the page.
type Config struct {
	// Books authenticate the sign-in's key and every session's.
	Books contacts.Library
	// Sessions hold the signed-in browsers; the API takes them too.
	Sessions *Sessions
	// Region is the default region for national numbers at /pop, the
	// server's --region.
	Region string
}

// App is the web page.
type App struct {
	cfg     Config
	handler http.Handler
}

// New returns the page over cfg's books.
func New(cfg Config) *App {
	a := &App{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.page)
	mux.HandleFunc("GET /pop", a.page)
	mux.HandleFunc("GET /signin", a.signinPage)
	mux.HandleFunc("POST /signin", a.signin)
	mux.HandleFunc("POST /signout", a.signout)
	assets, _ := fs.Sub(files, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", assetServer(assets)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/assets/icon.svg", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 page not found", http.StatusNotFound)
	})
	a.handler = secureHeaders(mux)
	return a
}

// Handler returns the page's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// ContentSecurityPolicy is the policy of every answer of the page.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secureHeaders sets the headers that keep the page from being framed,
// sniffed, cached or given scripts from elsewhere.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// assetServer serves the embedded assets. They hold no personal data, so
// the browser may keep them, asking each time whether they changed.
func assetServer(assets fs.FS) http.Handler {
	fsrv := http.FileServerFS(assets)
	start := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no listings
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		// embed.FS files have no modification time: the server's start
		// stands for it, so that a new binary's assets are fetched again.
		w.Header().Set("Last-Modified", start.UTC().Format(http.TimeFormat))
		fsrv.ServeHTTP(w, r)
	})
}

// pageData is what the page's template shows.
type pageData struct {
	Company string
	CSRF    string
	Pop     *popData
	Newest  string // the newest contacts, a JSON array; "" when unknown
}

// popData is the caller of a screen pop, as the server reads the number.
type popData struct {
	Raw         string // the number as the phone system sent it
	E164        string // "" when it is not a number
	Formatted   string
	Description string // "Denmark, mobile", as lookup says it
	Error       string // why it is not a number
	Contact     string // the contact who has it, as JSON; "" for none
}

// session returns r's session when it is signed in with a key that still
// opens its book, the book, and the function to call when done with it;
// otherwise it sends the browser to the sign-in, with the way back, and
// returns nil.
func (a *App) session(w http.ResponseWriter, r *http.Request) (*Session, contacts.Book, func()) {
	ss := a.cfg.Sessions.Lookup(r)
	if ss != nil {
		book, key, done, err := a.cfg.Books.Authenticate(r.Context(), ss.secret)
		if err == nil {
			if key.ID == ss.KeyID {
				return ss, book, done
			}
			done()
		}
		a.cfg.Sessions.End(r) // the key was revoked
	}
	next := r.URL.Path
	if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil, nil, nil
}

// newestShown is how many of the newest contacts the page lists when its
// search box is empty.
const newestShown = 20

func (a *App) page(w http.ResponseWriter, r *http.Request) {
	ss, book, done := a.session(w, r)
	if ss == nil {
		return
	}
	defer done()
	d := pageData{Company: ss.Company, CSRF: ss.CSRF}
	// What the page shows first comes with it, rather than after its
	// script's first requests: the caller of a pop, and the newest
	// contacts. The script asks the API when they are missing.
	if r.URL.Path == "/pop" {
		d.Pop = a.pop(httpapi.QueryNumber(r.URL.RawQuery, "number"))
		if d.Pop.E164 != "" {
			if c, err := book.FindContactByPhone(r.Context(), d.Pop.E164); err == nil {
				d.Pop.Contact = string(c.AppendJSON(nil))
			}
		}
	}
	b := []byte{'['}
	n := 0
	err := book.ListContacts(r.Context(), contacts.ContactFilter{Limit: newestShown}, func(c *contacts.Contact) error {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = c.AppendJSON(b)
		return nil
	})
	if err == nil {
		d.Newest = string(append(b, ']'))
	}
	render(w, "index.html", http.StatusOK, d)
}

// pop reads a caller's number as lookup does: any format the CLI takes,
// SIP and tel: URIs included, national numbers in the server's region.
func (a *App) pop(raw string) *popData {
	p := &popData{Raw: raw}
	if strings.TrimSpace(raw) == "" {
		p.Error = "no number: the URL needs ?number="
		return p
	}
	n, err := contacts.NormalizeCaller(raw, a.cfg.Region)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	p.E164, p.Formatted, p.Description = n.E164, n.Formatted, contacts.DescribePhone(n.E164)
	return p
}

func render(w http.ResponseWriter, name string, status int, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	templates.ExecuteTemplate(w, name, data)
}

// signinData is what the sign-in template shows.
type signinData struct {
	Next  string
	Error string
}

// localPath returns next when it is a path of this server (so that the
// sign-in cannot send the browser to another site), else "/".
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func (a *App) signinPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if a.cfg.Sessions.Lookup(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	render(w, "signin.html", http.StatusOK, signinData{Next: next})
}

// signin takes an API key from the sign-in form and answers a session
// cookie. The key is checked as the API checks it: the same refusal, for
// whatever reason.
func (a *App) signin(w http.ResponseWriter, r *http.Request) {
	if !SameOrigin(r) {
		// A sign-in from another site's page would sign the browser in
		// with the other site's key.
		http.Error(w, "403 forbidden: a sign-in from another site", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	next := localPath(r.PostForm.Get("next"))
	secret := strings.TrimSpace(r.PostForm.Get("key"))
	if secret == "" {
		render(w, "signin.html", http.StatusUnauthorized, signinData{Next: next, Error: "key: enter an API key (contacts keys create makes one)"})
		return
	}
	_, key, done, err := a.cfg.Books.Authenticate(r.Context(), secret)
	if err != nil {
		status := http.StatusUnauthorized
		msg := "key: API key rejected"
		if contacts.ErrorCode(err) != contacts.EUNAUTHORIZED {
			status, msg = http.StatusInternalServerError, "the key could not be checked: try again"
		}
		render(w, "signin.html", status, signinData{Next: next, Error: msg})
		return
	}
	done()
	a.cfg.Sessions.End(r) // a sign-in replaces the session the browser had
	id, ss := a.cfg.Sessions.Create(secret, key)
	setCookie(w, r, id, ss.Expires)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signout ends the session: a form post with the session's CSRF token.
func (a *App) signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	token := r.Header.Get(CSRFHeader)
	if token == "" {
		_ = r.ParseForm()
		token = r.PostForm.Get("csrf_token")
	}
	ss := a.cfg.Sessions.Lookup(r)
	if ss != nil {
		if !a.cfg.Sessions.CheckCSRF(r, ss, token) {
			http.Error(w, "403 forbidden: the sign-out lacks this session's CSRF token", http.StatusForbidden)
			return
		}
		a.cfg.Sessions.End(r)
	}
	setCookie(w, r, "", time.Time{})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
