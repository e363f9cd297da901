// Package httpapi is the HTTP adapter of the address book: a Server that
// serves the Phone.inc Contacts API of the seed over the per-company books
// of a data directory, with API keys, plus a plain-text caller-ID endpoint
// for phone systems; and a Client that implements contacts.Service against
// any server of the seed's shape, so that the CLI's commands run unchanged
// against a server.
//
// # Routes
//
// Every route is served under /api/v1 (the seed's curl paths) and /v1:
//
//	GET    /api/v1/contacts[?phone=P][&limit=N]   200, a JSON array, newest first
//	POST   /api/v1/contacts                       201, the contact
//	GET    /api/v1/contacts/{id}                  200, the contact
//	PATCH  /api/v1/contacts/{id}                  200, the contact
//	DELETE /api/v1/contacts/{id}                  204
//	GET    /api/v1/callerid?phone=P[&key=K][&max=N]   200, text/plain display name
//	GET    /healthz                               200 "ok", no key needed
//
// The contact routes need the X-Api-Key header. Errors are JSON, the shape
// the CLI prints with -o json:
//
//	{"error":{"code":"invalid","field":"phone","message":"phone: too short"}}
//
// with "contact_id" added for a conflict. Statuses: 400 usage (bad JSON, an
// unknown field, a bad ?limit=), 401 unauthorized, 404 not_found (also
// another company's id, and unknown routes), 405 with Allow, 413 past the
// body limit, 422 invalid or conflict, 500 internal.
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
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// DefaultMaxBody bounds a request body when Config.MaxBody is 0. A contact
// is at most about 45 KB of JSON (a 10,000-character note of 4-byte
// characters), so 1 MiB refuses nothing real and bounds what a client can
// make the server buffer.
const DefaultMaxBody = 1 << 20

// Config configures a Server.
type Config struct {
	// DataDir holds the books, one "<company>.db" file per company.
	DataDir string
	// Region is the default region for national numbers (ISO 3166
	// alpha-2), "" for none.
	Region string
	// Log receives one access-log line per request; nil discards them.
	Log io.Writer
	// MaxBody bounds request bodies, in bytes (413 past it); 0 means
	// DefaultMaxBody.
	MaxBody int64
}

// Server serves the API over every company's book in a data directory.
// Each request reaches the book of the company its API key belongs to,
// and no other. It is safe for concurrent use.
type Server struct {
	cfg     Config
	books   *books
	log     *accessLog
	handler http.Handler
}

// NewServer returns a server of cfg. It opens no book until a request
// needs one, and never creates one: a book is made by the CLI, with the
// company's first API key.
func NewServer(cfg Config) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	s := &Server{
		cfg:   cfg,
		books: &books{dir: cfg.DataDir, region: cfg.Region, open: map[string]*bookEntry{}},
		log:   &accessLog{w: cfg.Log},
	}
	s.handler = s.log.wrap(s.limitBody(s.routes()))
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the books the server opened. Requests after Close fail.
func (s *Server) Close() error { return s.books.close() }

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// A method-less pattern on the same path is less specific than the
	// method ones, so it gets exactly the other methods: a JSON 405 with
	// Allow, where the mux's own would be plain text.
	for _, p := range []string{"/api/v1", "/v1"} {
		mux.HandleFunc("GET "+p+"/contacts", s.listContacts)
		mux.HandleFunc("POST "+p+"/contacts", s.createContact)
		mux.HandleFunc(p+"/contacts", methodNotAllowed("GET, HEAD, POST"))
		mux.HandleFunc("GET "+p+"/contacts/{id}", s.getContact)
		mux.HandleFunc("PATCH "+p+"/contacts/{id}", s.patchContact)
		mux.HandleFunc("DELETE "+p+"/contacts/{id}", s.deleteContact)
		mux.HandleFunc(p+"/contacts/{id}", methodNotAllowed("GET, HEAD, PATCH, DELETE"))
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
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, contacts.Errorf(contacts.ENOTFOUND, "no such route: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, withStatus(http.StatusMethodNotAllowed, contacts.EUSAGE,
			"method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
	}
}

// limitBody caps every request body, so that no handler can be made to
// read more than MaxBody bytes whatever it does with the body. It also
// marks every response not to be cached: they hold personal data, and a
// caller-ID URL holds a key.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		next.ServeHTTP(w, r)
	})
}

// Errors of authentication. They say nothing of why a key failed, so a
// caller probing keys or company names learns nothing.
var (
	errNoKey       = contacts.Errorf(contacts.EUNAUTHORIZED, "missing API key: send it in the X-Api-Key header")
	errKeyRejected = contacts.Errorf(contacts.EUNAUTHORIZED, "API key rejected")
)

// authenticate returns the book of the company that key belongs to.
//
// A key names its company (see contacts.NewAPIKeySecret), and is checked
// against that company's own file, where its hash was stored: a key can
// only open the book that holds it, so it never reaches another company's
// contacts. A company with no file is a rejected key, and no file is made.
func (s *Server) authenticate(r *http.Request, key string) (*store.DB, error) {
	if key == "" {
		return nil, errNoKey
	}
	company, ok := contacts.APIKeyCompany(key)
	if !ok {
		return nil, errKeyRejected
	}
	db, err := s.books.get(r.Context(), company)
	if errors.Is(err, store.ErrNoBook) {
		return nil, errKeyRejected
	} else if err != nil {
		return nil, err
	}
	// The store remembers a key that passed until the book changes
	// (store.DB.CheckKey), so this is a query only after a write.
	if _, err := db.CheckKey(r.Context(), key); err != nil {
		return nil, err
	}
	noteCompany(r, company)
	return db, nil
}

// books opens each company's book once and shares it between requests: a
// store.DB is a connection pool, safe for concurrent use.
type books struct {
	dir, region string

	mu     sync.Mutex
	open   map[string]*bookEntry
	closed bool
}

// bookEntry is one company's book, or the opening of it in progress:
// requests that want it meanwhile wait on ready rather than open it again.
type bookEntry struct {
	ready chan struct{}
	db    *store.DB
	err   error
}

var errClosed = errors.New("the server is shut down")

// bookConns is how many connections the server holds to each book: a few
// per core, enough to keep the cores busy while some requests wait on the
// disk or on the writer. Without a bound, a burst of requests would each
// open a connection (and read the schema) only to close most of them
// again, which costs more than the lookups themselves.
func bookConns() int { return 4 * runtime.GOMAXPROCS(0) }

// get returns company's book, opening it on first use. A failure is not
// kept: a company whose book is made later, or whose file was briefly
// busy, is found on the next request.
func (b *books) get(ctx context.Context, company string) (*store.DB, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errClosed
	}
	e, ok := b.open[company]
	if !ok {
		e = &bookEntry{ready: make(chan struct{})}
		b.open[company] = e
		b.mu.Unlock()
		b.load(ctx, company, e)
	} else {
		b.mu.Unlock()
	}
	select {
	case <-e.ready:
		return e.db, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *books) load(ctx context.Context, company string, e *bookEntry) {
	defer close(e.ready)
	path, err := store.Path(b.dir, company)
	if err == nil {
		// Others may be waiting on this entry: the first request going
		// away must not fail their open.
		e.db, err = store.Open(context.WithoutCancel(ctx), path, store.Options{Region: b.region, MaxConns: bookConns()})
	}
	if err != nil && !errors.Is(err, store.ErrNoBook) {
		err = fmt.Errorf("open the book of %s: %w", company, err)
	}
	e.err = err
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed && e.db != nil {
		e.db.Close()
		e.db, e.err = nil, errClosed
	}
	if e.err != nil && b.open[company] == e {
		delete(b.open, company)
	}
}

func (b *books) close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	var errs []error
	for company, e := range b.open {
		select {
		case <-e.ready:
			if e.db != nil {
				errs = append(errs, e.db.Close())
			}
		default: // still opening: load closes it, seeing closed
		}
		delete(b.open, company)
	}
	return errors.Join(errs...)
}
