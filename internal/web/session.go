package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/phoneinc/contacts"
)

// CookieName is the session cookie's name. Under TLS the cookie is
// "__Host-" + CookieName, which a browser keeps only when it is Secure,
// set by this host and for every path.
const CookieName = "contacts_session"

// CSRFHeader carries a session's CSRF token on every request that changes
// something: a page of another site can make the browser send the cookie,
// but cannot read the token nor set a header on a cross-site form post.
const CSRFHeader = "X-CSRF-Token"

// DefaultSessionTTL is how long a sign-in lasts: a working day and then
// some, so that a support desk signs in once a shift.
const DefaultSessionTTL = 12 * time.Hour

// DefaultMaxSessions bounds the sessions held in memory: past it, signing
// in ends the session closest to its end.
const DefaultMaxSessions = 10000

// Sessions are the signed-in browsers, held in the server's memory only:
// a restart signs everyone out. A session stands for the API key it was
// opened with; the key stays in the server's memory and never reaches the
// page. Every request with a session authenticates its key again, so a
// revoked key ends its sessions at their next request. Safe for concurrent
// use.
type Sessions struct {
	TTL time.Duration    // how long a session lasts; DefaultSessionTTL when 0
	Max int              // the most sessions held; DefaultMaxSessions when 0
	Now func() time.Time // the clock; time.Now when nil

	mu sync.Mutex
	m  map[[32]byte]*Session // by the hash of the cookie's value
}

// Session is one signed-in browser.
type Session struct {
	KeyID   string    // the id of the API key it was opened with
	Company string    // the key's company
	CSRF    string    // the token its requests that change something send
	Expires time.Time // when it ends

	secret string   // the API key
	hash   [32]byte // its place in Sessions.m
}

func (s *Sessions) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sessions) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultSessionTTL
}

// randomToken returns 32 random bytes in URL-safe base64.
func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on the systems Go supports
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Create opens a session for an API key that has just been authenticated
// and returns the value of its cookie.
func (s *Sessions) Create(secret string, key *contacts.APIKey) (string, *Session) {
	id := randomToken()
	company, _ := contacts.APIKeyCompany(secret)
	ss := &Session{KeyID: key.ID, Company: company, CSRF: randomToken(),
		Expires: s.now().Add(s.ttl()), secret: secret, hash: sha256.Sum256([]byte(id))}
	max := s.Max
	if max <= 0 {
		max = DefaultMaxSessions
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[32]byte]*Session{}
	}
	if len(s.m) >= max {
		now := s.now()
		var first *Session
		for h, o := range s.m {
			if !now.Before(o.Expires) {
				delete(s.m, h)
			} else if first == nil || o.Expires.Before(first.Expires) {
				first = o
			}
		}
		if len(s.m) >= max && first != nil {
			delete(s.m, first.hash)
		}
	}
	s.m[ss.hash] = ss
	return id, ss
}

// Lookup returns the session of r's cookie, nil when r has none or it has
// ended.
func (s *Sessions) Lookup(r *http.Request) *Session {
	c := sessionCookie(r)
	if c == "" {
		return nil
	}
	h := sha256.Sum256([]byte(c))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[h]
	if ss == nil {
		return nil
	}
	if !s.now().Before(ss.Expires) {
		delete(s.m, h)
		return nil
	}
	return ss
}

// End ends the session of r's cookie, if any.
func (s *Sessions) End(r *http.Request) {
	c := sessionCookie(r)
	if c == "" {
		return
	}
	h := sha256.Sum256([]byte(c))
	s.mu.Lock()
	delete(s.m, h)
	s.mu.Unlock()
}

// EndKey ends every session of the API key with id keyID.
func (s *Sessions) EndKey(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, ss := range s.m {
		if ss.KeyID == keyID {
			delete(s.m, h)
		}
	}
}

// Len is the number of sessions held.
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Errors of a session. They are EUNAUTHORIZED: the page answers them by
// going to the sign-in.
var (
	errNoSession = contacts.Errorf(contacts.EUNAUTHORIZED, "not signed in, or the session has ended: sign in again")
	errCSRF      = &forbidden{contacts.Errorf(contacts.EUNAUTHORIZED, "the request lacks this session's CSRF token, or comes from another site: reload the page")}
)

// forbidden is a refusal that answers 403, not 401: the session is good,
// the request is not.
type forbidden struct{ err *contacts.Error }

func (f *forbidden) Error() string   { return f.err.Error() }
func (f *forbidden) HTTPStatus() int { return http.StatusForbidden }
func (f *forbidden) Unwrap() error   { return f.err }

// Key returns the API key of r's session: "" and no error when r carries
// no session cookie, an error when the session has ended, or when r
// changes something (any method but GET, HEAD and OPTIONS) without the
// session's CSRF token in the X-CSRF-Token header, or from another origin.
// It is how the API takes a signed-in browser in place of an X-Api-Key.
func (s *Sessions) Key(r *http.Request) (string, error) {
	if sessionCookie(r) == "" {
		return "", nil
	}
	ss := s.Lookup(r)
	if ss == nil {
		return "", errNoSession
	}
	if !safeMethod(r.Method) && !s.CheckCSRF(r, ss, r.Header.Get(CSRFHeader)) {
		return "", errCSRF
	}
	return ss.secret, nil
}

// Secret is the API key of ss, for the server's own authentication.
func (ss *Session) Secret() string { return ss.secret }

// CheckCSRF reports whether token is ss's CSRF token and r's Origin, when
// it has one, is r's own.
func (s *Sessions) CheckCSRF(r *http.Request, ss *Session, token string) bool {
	if !SameOrigin(r) {
		return false
	}
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(ss.CSRF)) == 1
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// SameOrigin reports whether r's Origin header, when it has one, names the
// host r was sent to; a browser sends it on every request that changes
// something. Without the header (a client that is not a browser) it is
// true: the CSRF token decides.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if o == "null" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host) && (u.Scheme == "https") == isTLS(r)
}

// isTLS reports whether r reached the server over TLS, itself or through
// a reverse proxy that says so.
func isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func cookieName(r *http.Request) string {
	if isTLS(r) {
		return "__Host-" + CookieName
	}
	return CookieName
}

func sessionCookie(r *http.Request) string {
	c, err := r.Cookie(cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie sets (or, with value "", clears) r's session cookie: HttpOnly
// so that no script reads it, SameSite=Strict so that no other site's
// page sends it, Secure under TLS, and ending with the session.
func setCookie(w http.ResponseWriter, r *http.Request, value string, expires time.Time) {
	c := &http.Cookie{
		Name:     cookieName(r),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   isTLS(r),
		SameSite: http.SameSiteStrictMode,
	}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires.UTC()
		c.MaxAge = max(1, int(time.Until(expires).Seconds()))
	}
	http.SetCookie(w, c)
}
