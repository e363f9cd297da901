// Package httpapi is the HTTP adapter of the address book: a Server that
// serves the Phone.inc Contacts API over the per-company books
// of a data directory, with API keys, plus a plain-text caller-ID endpoint
// for phone systems; and a Client that implements contacts.Service against
// any server of the API's shape, so that the CLI's commands run unchanged
// against a server.
//
// # Routes
//
// Every route is served under /api/v1 (the API's curl paths) and /v1:
//
//	GET    /api/v1/contacts[?phone=P][&limit=N]   200, a JSON array, newest first
//	GET    /api/v1/contacts?q=QUERY[&limit=N]     200, the search's answers, best first (20 by default)
//	POST   /api/v1/contacts                       201, the contact
//	GET    /api/v1/contacts/{id}                  200, the contact
//	PATCH  /api/v1/contacts/{id}                  200, the contact
//	DELETE /api/v1/contacts/{id}                  204
//	GET    /api/v1/callerid?phone=P[&key=K][&max=N]   200, text/plain display name
//	GET    /api/v1/operations[?limit=N][&since=T]  200, the history's operations, newest first
//	POST   /api/v1/operations/{id}/undo[?force=true]  200, the undo ({id} "last": the last operation)
//	GET    /api/v1/contacts/{id}/history           200, the contact's revisions
//	POST   /api/v1/contacts/{id}/restore           201, the deleted contact, back
//	GET    /healthz                               200 "ok", no key needed
//
// The contact routes need the X-Api-Key header, or the session cookie of
// the web page (Config.Sessions) with, on a request that changes
// something, its CSRF token in X-CSRF-Token (403 without it). Errors are JSON, the shape
// the CLI prints with -o json:
//
//	{"error":{"code":"invalid","field":"phone","message":"phone: too short"}}
//
// with "contact_id" added for a conflict. Statuses: 400 usage (bad JSON, an
// unknown field, a bad ?limit=), 401 unauthorized, 404 not_found (also
// another company's id, and unknown routes), 405 with Allow, 412 when an
// If-Match no longer holds, 413 past the body limit, 422 invalid or
// conflict, 500 internal.
//
// # No lost updates
//
// A contact's answers carry its ETag (a hash of what it holds). PATCH and
// DELETE honour If-Match with it: when the contact changed since the
// client read it, they change nothing and answer 412, code
// "precondition_failed". The CLI in client mode sends it.
//
// # Request bodies
//
// POST and PATCH take a JSON object whose values are strings or null. The
// writable keys are name, email, phone, company_name and note. The
// read-only keys id, phone_formatted, created_at and updated_at are
// ignored, so a contact as GET returns it can be sent back as it is. Any
// other key is 400 naming it: a misspelt key ("company" for
// "company_name") would otherwise drop its value without a word. The body
// is read as JSON whatever its Content-Type says, as curl -d sends a form
// type by default; a cross-site form cannot send the X-Api-Key header, so
// this opens nothing to other sites.
//
// In a POST an empty or null optional value means not set; in a PATCH it
// clears the field, and only the keys present change. The phone cannot be
// cleared: "phone": null or "" is 422. A PATCH that changes nothing answers
// the contact unchanged.
package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/phoneinc/contacts"
)

// DefaultMaxBody bounds a request body when Config.MaxBody is 0. A contact
// is at most about 45 KB of JSON (a 10,000-character note of 4-byte
// characters), so 1 MiB refuses nothing real and bounds what a client can
// make the server buffer.
const DefaultMaxBody = 1 << 20

// Config configures a Server.
type Config struct {
	// Books are the books the server serves: each request reaches the
	// book of the company its API key belongs to (the store's Books, in
	// the CLI). The server closes them when it is closed.
	Books contacts.Library
	// Log receives one access-log line per request; nil discards them.
	Log io.Writer
	// MaxBody bounds request bodies, in bytes (413 past it); 0 means
	// DefaultMaxBody.
	MaxBody int64
	// Sessions, when set, lets a signed-in browser (the web page's
	// session cookie, with its CSRF token on writes) stand in for the
	// X-Api-Key header.
	Sessions Sessions
	// Web, when set, serves every path outside the API (/api/, /v1/ and
	// /healthz): the web page. Without it they are JSON 404s.
	Web http.Handler
}

// Sessions are the signed-in browsers of the web page.
type Sessions interface {
	// Key returns the API key r's session stands for: "" and no error
	// when r carries no session; an error when its session has ended, or
	// when r changes something without the session's CSRF token or from
	// another site's page.
	Key(r *http.Request) (string, error)
	// End ends r's session: the key it stands for was refused.
	End(r *http.Request)
}

// Server serves the API over every company's book in a data directory.
// Each request reaches the book of the company its API key belongs to,
// and no other. It is safe for concurrent use.
type Server struct {
	cfg     Config
	books   contacts.Library
	log     *accessLog
	handler http.Handler
}

// NewServer returns a server of cfg's books. It never creates a book: a
// book is made by the CLI, with the company's first API key.
func NewServer(cfg Config) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	s := &Server{
		cfg:   cfg,
		books: cfg.Books,
		log:   &accessLog{w: cfg.Log},
	}
	s.handler = s.log.wrap(s.limitBody(s.routes()))
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the books the server opened. Requests after Close fail.
func (s *Server) Close() error { return s.books.Close() }

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// A method-less pattern on the same path is less specific than the
	// method ones, so it gets exactly the other methods: a JSON 405 with
	// Allow, where the mux's own would be plain text.
	for _, p := range []string{"/api/v1", "/v1"} {
		mux.HandleFunc("GET "+p+"/contacts", s.withBook(s.listContacts))
		mux.HandleFunc("POST "+p+"/contacts", s.withBook(s.createContact))
		mux.HandleFunc(p+"/contacts", methodNotAllowed("GET, HEAD, POST"))
		mux.HandleFunc("GET "+p+"/contacts/{id}", s.withContact(s.getContact))
		mux.HandleFunc("PATCH "+p+"/contacts/{id}", s.withContact(s.patchContact))
		mux.HandleFunc("DELETE "+p+"/contacts/{id}", s.withContact(s.deleteContact))
		mux.HandleFunc(p+"/contacts/{id}", methodNotAllowed("GET, HEAD, PATCH, DELETE"))
		s.historyRoutes(mux, p)
		mux.HandleFunc("GET "+p+"/callerid", s.callerID)
		mux.HandleFunc(p+"/callerid", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			plain(w, http.StatusMethodNotAllowed, "")
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("/healthz", methodNotAllowed("GET, HEAD"))
	noRoute := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, contacts.Errorf(contacts.ENOTFOUND, "no such route: %s %s", cut(r.Method, contacts.MaxExcerpt), pathExcerpt(r)))
	}
	// The API's unknown routes stay JSON 404s when the web page has the
	// rest.
	mux.HandleFunc("/api/", noRoute)
	mux.HandleFunc("/v1/", noRoute)
	if s.cfg.Web != nil {
		mux.Handle("/", s.cfg.Web)
	} else {
		mux.HandleFunc("/", noRoute)
	}
	return mux
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, withStatus(http.StatusMethodNotAllowed, contacts.EUSAGE,
			"method %s is not allowed on %s (allowed: %s)", cut(r.Method, contacts.MaxExcerpt), pathExcerpt(r), allow))
	}
}

// pathExcerpt is r's path for an error message: as it is written in a URL
// (escaped, so that it holds no control character), and cut to a line.
func pathExcerpt(r *http.Request) string {
	return cut(r.URL.EscapedPath(), 2*contacts.MaxExcerpt)
}

// limitBody caps every request body, so that no handler can be made to
// read more than MaxBody bytes whatever it does with the body. It also
// marks every response not to be cached (they hold personal data, and a
// caller-ID URL holds a key) and not to be sniffed: a browser must take a
// JSON error that quotes what a client sent as JSON, never as HTML.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		if v := r.Header.Get(RegionHeader); v != "" {
			region, err := contacts.NormalizeRegion(v)
			if err != nil {
				writeError(w, r, &contacts.Error{Code: contacts.EUSAGE, Field: "region",
					Message: RegionHeader + ": " + contacts.Excerpt(v) + " is not a region (an ISO 3166 alpha-2 code such as DK)"})
				return
			}
			r = r.WithContext(contacts.WithRegion(r.Context(), region))
		}
		next.ServeHTTP(w, r)
	})
}

// RegionHeader carries the default region for the national numbers of a
// request (ISO 3166 alpha-2), where the server's own --region would
// otherwise apply: the CLI in client mode sends its --region, so that a
// number typed nationally reads as it does locally.
const RegionHeader = "X-Contacts-Region"

// Errors of authentication. They say nothing of why a key failed, so a
// caller probing keys or company names learns nothing.
var (
	errNoKey       = contacts.Errorf(contacts.EUNAUTHORIZED, "missing API key: send it in the X-Api-Key header")
	errKeyRejected = contacts.Errorf(contacts.EUNAUTHORIZED, "API key rejected")
	errClosed      = errors.New("the server is shut down")
)

// requestBook authenticates r, by its X-Api-Key header or else by its
// web session, and returns the book of its company and the function to
// call when the request is done with it: the one authentication of the
// API's routes.
func (s *Server) requestBook(r *http.Request) (contacts.Book, func(), error) {
	key := r.Header.Get("X-Api-Key")
	session := false
	if key == "" && s.cfg.Sessions != nil {
		k, err := s.cfg.Sessions.Key(r)
		if err != nil {
			return nil, nil, err
		}
		key, session = k, k != ""
	}
	book, done, err := s.authenticate(r, key)
	if err != nil && session && contacts.ErrorCode(err) == contacts.EUNAUTHORIZED {
		s.cfg.Sessions.End(r) // its key was revoked
	}
	return book, done, err
}

// authenticate returns the book of the company that key belongs to, and
// the function to call when the request is done with it.
//
// The books check the key (contacts.Library): against its company's own
// book, so that a key never reaches another company's contacts, and (the
// store's) before that book is opened, against the key hashes held in
// memory, so that a wrong key opens no book, creates no file, and is
// refused in the same time whether or not its company exists. Every
// refusal is the same 401; why (a book that is a symbolic link, a
// directory) goes to the access log only.
func (s *Server) authenticate(r *http.Request, key string) (contacts.Book, func(), error) {
	if key == "" {
		return nil, nil, errNoKey
	}
	book, _, done, err := s.books.Authenticate(r.Context(), key)
	if err != nil {
		if contacts.ErrorCode(err) == contacts.EUNAUTHORIZED {
			if err.Error() != errKeyRejected.Error() {
				noteError(r, err) // why, for the log only
			}
			return nil, nil, errKeyRejected
		}
		return nil, nil, err
	}
	company, _ := contacts.APIKeyCompany(key)
	noteCompany(r, company)
	return book, done, nil
}
