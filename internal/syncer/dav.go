package syncer

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"
)

// Account is how to reach a CardDAV server.
type Account struct {
	URL      string // an address book, a home set, an account or a server
	Username string
	Password string
	// HTTP is the HTTP client; nil for one with a generous timeout.
	HTTP *http.Client
}

// HTTPError is a request the server refused, or could not be sent: it
// names the URL and the status (or the network error), never the password.
type HTTPError struct {
	Method string
	URL    string
	Status int    // 0 for a network error
	Text   string // the status line's text, or the network error
}

func (e *HTTPError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s %s: %s", e.Method, e.URL, e.Text)
	}
	msg := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	switch e.Status {
	case http.StatusUnauthorized:
		msg += " (wrong user name or password)"
	case http.StatusForbidden:
		msg += " (the account may not do this)"
	}
	return msg
}

// errPrecondition is a conditional upload or delete the server refused
// (412): the card changed on the server, or a new card's href is taken.
var errPrecondition = errors.New("the card changed on the server")

// httpClient is the HTTP client go-webdav is given. It adds the
// credentials, turns every refusal into an *HTTPError with the URL and
// status, and keeps the body of each REPORT's answer: go-webdav decodes
// the cards of a multiget or a sync-collection into go-vcard's model and
// drops their text, and the sync needs the text byte for byte (see
// readCards).
type httpClient struct {
	c          *http.Client
	user, pass string

	mu     sync.Mutex
	report []byte // the body of the last REPORT answered 207
	// Requests counts the requests sent.
	requests int
}

func (h *httpClient) Do(req *http.Request) (*http.Response, error) {
	if h.user != "" || h.pass != "" {
		req.SetBasicAuth(h.user, h.pass)
	}
	h.mu.Lock()
	h.requests++
	h.mu.Unlock()
	resp, err := h.c.Do(req)
	if err != nil {
		return nil, netError(req, err)
	}
	if resp.StatusCode/100 != 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, &HTTPError{Method: req.Method, URL: redact(req.URL), Status: resp.StatusCode}
	}
	if req.Method == "REPORT" && resp.StatusCode == http.StatusMultiStatus {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, netError(req, err)
		}
		h.mu.Lock()
		h.report = body
		h.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// lastReport returns the body of the last REPORT answered and forgets it.
func (h *httpClient) lastReport() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.report
	h.report = nil
	return b
}

func netError(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	text := err.Error()
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		text = op.Err.Error()
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &HTTPError{Method: req.Method, URL: redact(req.URL), Text: text}
}

// redact writes a URL without its user information.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// Client is a CardDAV client for one account: discovery, and the remote
// side of a sync with one address book of it.
type Client struct {
	h      *httpClient
	dav    *carddav.Client
	origin *url.URL // scheme and host of the account's URL
	given  *url.URL
}

// NewClient returns a client for acct. It sends nothing yet.
func NewClient(acct Account) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(acct.URL))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an http or https URL", acct.URL)
	}
	user, pass := acct.Username, acct.Password
	if u.User != nil {
		if user == "" {
			user = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && pass == "" {
			pass = p
		}
		u.User = nil
	}
	if u.Path == "" {
		u.Path = "/"
	}
	hc := acct.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	h := &httpClient{c: hc, user: user, pass: pass}
	dav, err := carddav.NewClient(h, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String())
	if err != nil {
		return nil, err
	}
	return &Client{h: h, dav: dav, origin: &url.URL{Scheme: u.Scheme, Host: u.Host}, given: u}, nil
}

// Requests returns how many requests the client has sent.
func (c *Client) Requests() int {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	return c.h.requests
}

// URLOf returns the full URL of a path on the server.
func (c *Client) URLOf(p string) string {
	u := *c.origin
	u.Path = p
	return u.String()
}

// GivenURL is the account's URL as given, without user information.
func (c *Client) GivenURL() string { return redact(c.given) }

// Book is an address book of the account.
type Book struct {
	URL         string `json:"url"`
	Path        string `json:"path"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// FindBooks lists the account's address books: the given URL's own, when
// it is an address book or a home set; else those of the user's home set,
// found from the current user's principal at the given URL, or at the
// server's /.well-known/carddav.
func (c *Client) FindBooks(ctx context.Context) ([]Book, bool, error) {
	p := c.given.Path
	books, err := c.dav.FindAddressBooks(ctx, p)
	if err == nil {
		for _, b := range books {
			if samePath(b.Path, p) {
				return []Book{c.book(b)}, true, nil
			}
		}
		if len(books) > 0 {
			return c.books(books), false, nil
		}
	} else if !isStatus(err, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusForbidden, http.StatusBadRequest) {
		return nil, false, err
	}
	principal, perr := c.findPrincipal(ctx, p)
	if perr != nil && p != "/.well-known/carddav" {
		if wk, werr := c.wellKnown(ctx); werr == nil {
			principal, perr = c.findPrincipal(ctx, wk)
		}
	}
	if perr != nil {
		if err != nil {
			return nil, false, err
		}
		return nil, false, perr
	}
	home, err := c.dav.FindAddressBookHomeSet(ctx, principal)
	if err != nil {
		return nil, false, err
	}
	if books, err = c.dav.FindAddressBooks(ctx, home); err != nil {
		return nil, false, err
	}
	return c.books(books), false, nil
}

func (c *Client) findPrincipal(ctx context.Context, p string) (string, error) {
	wc, err := webdav.NewClient(c.h, c.URLOf(p))
	if err != nil {
		return "", err
	}
	return wc.FindCurrentUserPrincipal(ctx)
}

// wellKnown follows the server's /.well-known/carddav redirect (RFC 6764)
// by hand: the HTTP client would turn the PROPFIND into a GET.
func (c *Client) wellKnown(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "PROPFIND", c.URLOf("/.well-known/carddav"), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Depth", "0")
	if c.h.user != "" || c.h.pass != "" {
		req.SetBasicAuth(c.h.user, c.h.pass)
	}
	noFollow := *c.h.c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req)
	if err != nil {
		return "", netError(req, err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || resp.StatusCode/100 != 3 {
		return "", fmt.Errorf("no /.well-known/carddav redirect")
	}
	return loc.Path, nil
}

func (c *Client) book(b carddav.AddressBook) Book {
	return Book{URL: c.URLOf(b.Path), Path: b.Path, Name: b.Name, Description: b.Description}
}

func (c *Client) books(bs []carddav.AddressBook) []Book {
	out := make([]Book, 0, len(bs))
	for _, b := range bs {
		out = append(out, c.book(b))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func samePath(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// isStatus reports whether err is an *HTTPError with one of the statuses.
func isStatus(err error, statuses ...int) bool {
	var he *HTTPError
	if !errors.As(err, &he) {
		return false
	}
	for _, s := range statuses {
		if he.Status == s {
			return true
		}
	}
	return false
}

// Remote is the server's side of a sync with one address book.
type Remote interface {
	// URL is the address book's URL.
	URL() string
	// List returns what changed since token ("" for everything): with a
	// sync-token where the server offers one (and useToken), else every
	// card's ETag.
	List(ctx context.Context, token string, useToken bool) (*Listing, error)
	// Fetch returns the cards at hrefs, with their text.
	Fetch(ctx context.Context, hrefs []string) ([]RemoteCard, error)
	// Put uploads a card: to replace the one whose ETag is etag, or a new
	// card when etag is "". It returns the card's new ETag ("" when the
	// server does not say). errPrecondition when the server's card is not
	// that one (412).
	Put(ctx context.Context, href string, text []byte, etag string) (string, error)
	// Delete deletes the card whose ETag is etag (errPrecondition when it
	// changed); a card already gone is no error.
	Delete(ctx context.Context, href, etag string) error
	// NewHref is the href of a new card for a contact id.
	NewHref(id string) string
}

// Listing is the server's answer to List.
type Listing struct {
	Token string // the new sync-token; "" when the server offers none
	// Full is true when Cards holds every card of the address book (a
	// first sync, or ETags compared): a known card not in it is gone.
	Full    bool
	Cards   []RemoteCard // changed (or every) card; Text when the server sent it
	Deleted []string     // hrefs of cards deleted since token
}

// RemoteCard is one card on the server.
type RemoteCard struct {
	Href string
	ETag string
	Text []byte // nil when not fetched
}

// AddressBook is the remote side of a sync with the address book at path.
type AddressBook struct {
	c    *Client
	path string
	// noToken is set once the server refused sync-collection.
	noToken bool
}

// Open returns the address book at path (as FindBooks gives it).
func (c *Client) Open(path string) *AddressBook {
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return &AddressBook{c: c, path: path}
}

// URL implements Remote.
func (a *AddressBook) URL() string { return a.c.URLOf(a.path) }

// List implements Remote: a sync-collection REPORT (RFC 6578) that asks
// for the cards' text too, so that one request brings every change; when
// the server refuses it, a PROPFIND of every card's ETag.
func (a *AddressBook) List(ctx context.Context, token string, useToken bool) (*Listing, error) {
	if !useToken {
		a.noToken = true
	}
	if !a.noToken {
		l, err := a.syncCollection(ctx, token)
		if err == nil {
			return l, nil
		}
		switch {
		case token != "" && isStatus(err, http.StatusForbidden, http.StatusConflict, http.StatusPreconditionFailed, http.StatusBadRequest):
			// The token expired or is unknown (DAV:valid-sync-token):
			// start over, comparing every card's ETag.
			if l, err = a.syncCollection(ctx, ""); err == nil {
				return l, nil
			}
			if !unsupported(err) {
				return nil, err
			}
		case !unsupported(err):
			return nil, err
		}
		a.noToken = true
	}
	infos, err := a.c.dav.ReadDir(ctx, a.path, false)
	if err != nil {
		return nil, err
	}
	l := &Listing{Full: true}
	for _, fi := range infos {
		if fi.IsDir || samePath(fi.Path, a.path) {
			continue
		}
		l.Cards = append(l.Cards, RemoteCard{Href: fi.Path, ETag: fi.ETag})
	}
	return l, nil
}

// unsupported reports whether a refusal of sync-collection means the
// server does not offer it.
func unsupported(err error) bool {
	return isStatus(err, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed,
		http.StatusConflict, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity, http.StatusNotImplemented)
}

func (a *AddressBook) syncCollection(ctx context.Context, token string) (*Listing, error) {
	a.c.h.lastReport()
	resp, err := a.c.dav.SyncCollection(ctx, a.path, &carddav.SyncQuery{SyncToken: token})
	body := a.c.h.lastReport()
	if err != nil {
		return nil, err
	}
	texts, _ := readCards(body)
	l := &Listing{Token: resp.SyncToken, Full: token == "", Deleted: resp.Deleted}
	for _, o := range resp.Updated {
		rc := RemoteCard{Href: o.Path, ETag: o.ETag}
		if t, ok := texts[o.Path]; ok && t.ETag == o.ETag {
			rc.Text = t.Text
		}
		l.Cards = append(l.Cards, rc)
	}
	return l, nil
}

// fetchBatch is how many cards one multiget asks for.
const fetchBatch = 500

// Fetch implements Remote: addressbook-multiget REPORTs of fetchBatch
// cards each. A card the server no longer has is left out.
func (a *AddressBook) Fetch(ctx context.Context, hrefs []string) ([]RemoteCard, error) {
	var out []RemoteCard
	for len(hrefs) > 0 {
		n := min(fetchBatch, len(hrefs))
		batch := hrefs[:n]
		hrefs = hrefs[n:]
		a.c.h.lastReport()
		_, err := a.c.dav.MultiGetAddressBook(ctx, a.path, &carddav.AddressBookMultiGet{Paths: batch})
		body := a.c.h.lastReport()
		var he *HTTPError
		if errors.As(err, &he) || errors.Is(err, context.Canceled) || body == nil {
			if err == nil {
				err = fmt.Errorf("REPORT %s: no answer", a.URL())
			}
			return nil, err
		}
		// go-webdav's own error here is a card go-vcard cannot read: the
		// text is read from the answer anyway, and the sync reports the
		// card as invalid.
		texts, perr := readCards(body)
		if perr != nil {
			if err != nil {
				return nil, fmt.Errorf("REPORT %s: %w", a.URL(), err)
			}
			return nil, fmt.Errorf("REPORT %s: %w", a.URL(), perr)
		}
		for _, href := range batch {
			if t, ok := texts[href]; ok && t.Text != nil {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// Put implements Remote, with net/http: go-webdav's PutAddressObject
// re-encodes a card through go-vcard (reordered, unfolded) and sends no
// If-Match.
func (a *AddressBook) Put(ctx context.Context, href string, text []byte, etag string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, a.c.URLOf(href), bytes.NewReader(text))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/vcard; charset=utf-8")
	if etag == "" {
		req.Header.Set("If-None-Match", "*")
	} else {
		req.Header.Set("If-Match", quoteETag(etag))
	}
	resp, err := a.c.h.do(req)
	if err != nil {
		return "", err
	}
	return unquoteETag(resp.Header.Get("ETag")), nil
}

// Delete implements Remote.
func (a *AddressBook) Delete(ctx context.Context, href, etag string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, a.c.URLOf(href), nil)
	if err != nil {
		return err
	}
	if etag != "" {
		req.Header.Set("If-Match", quoteETag(etag))
	}
	_, err = a.c.h.do(req)
	if isStatus(err, http.StatusNotFound, http.StatusGone) {
		return nil
	}
	return err
}

// do sends a request of the sync's own (PUT, DELETE): a 412 is
// errPrecondition.
func (h *httpClient) do(req *http.Request) (*http.Response, error) {
	resp, err := h.Do(req)
	if isStatus(err, http.StatusPreconditionFailed) {
		return nil, errPrecondition
	}
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp, nil
}

// NewHref implements Remote: <address book>/<id>.vcf.
func (a *AddressBook) NewHref(id string) string { return path.Join(a.path, id+".vcf") }

func quoteETag(e string) string { return `"` + e + `"` }

func unquoteETag(e string) string {
	e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
	return strings.Trim(e, `"`)
}

// multistatus is the part of a REPORT's answer that go-webdav does not
// give: each card's text (CardDAV's address-data), by href.
type multistatus struct {
	Responses []struct {
		Hrefs     []string `xml:"DAV: href"`
		PropStats []struct {
			Prop struct {
				Data *string `xml:"urn:ietf:params:xml:ns:carddav address-data"`
				ETag string  `xml:"DAV: getetag"`
			} `xml:"DAV: prop"`
			Status string `xml:"DAV: status"`
		} `xml:"DAV: propstat"`
	} `xml:"DAV: response"`
}

// readCards reads each card's text and ETag from a REPORT's answer, by
// href (its path, as go-webdav gives it). Line ends are made CRLF, as
// vCard has them (an XML reader turns them into LF).
func readCards(body []byte) (map[string]RemoteCard, error) {
	var ms multistatus
	if err := xml.Unmarshal(body, &ms); err != nil {
		return nil, fmt.Errorf("malformed answer: %v", err)
	}
	out := map[string]RemoteCard{}
	for _, r := range ms.Responses {
		if len(r.Hrefs) != 1 {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(r.Hrefs[0]))
		if err != nil {
			continue
		}
		rc := RemoteCard{Href: u.Path}
		for _, ps := range r.PropStats {
			if ps.Prop.ETag != "" {
				rc.ETag = unquoteETag(ps.Prop.ETag)
			}
			if ps.Prop.Data != nil && strings.Contains(ps.Status, " 200") {
				rc.Text = crlf(*ps.Prop.Data)
			}
		}
		out[rc.Href] = rc
	}
	return out, nil
}

// crlf returns text with CRLF line ends and a final one.
func crlf(s string) []byte {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s) + len(s)/40)
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue // XML indentation, a last line end; never in a card
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}
