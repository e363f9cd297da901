package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/build"
)

// Client is an address book behind a server of the Phone.inc Contacts API's shape: this
// package's Server, or Phone.inc's API itself. It implements
// contacts.Service with the same errors as the store, so commands do not
// know which one they talk to. It is safe for concurrent use.
type Client struct {
	// Region is the default region for national numbers. When a number
	// can be read with it, the client sends the E.164 form, so the
	// caller's region applies rather than the server's; a number it
	// cannot read is sent as given, for the server to judge.
	Region string

	base    *url.URL // the API root: the contacts are at base + "/contacts"
	display string   // the server as messages name it
	err     error    // a bad base URL, returned by every call
	key     string
	hc      *http.Client
}

var _ contacts.Service = (*Client)(nil)

// NewClient returns a client of the API at baseURL with apiKey, sent in
// the X-Api-Key header. httpClient nil means a client that waits at most
// 30 seconds for a response to start (a listing may then stream for
// longer); the caller's context bounds the whole.
//
// baseURL is the server's address, "http://127.0.0.1:8080", or the API's
// root, as in "https://app.phone.inc/api" or ".../api/v1". With no path the
// API's /api/v1 is used; with a path not ending in /v1, "/v1" is added.
//
// A baseURL that is not an http(s) URL makes every call return EUSAGE.
// Redirects are not followed: the X-Api-Key header would go along to
// wherever the redirect points.
func NewClient(baseURL, apiKey string, httpClient *http.Client) *Client {
	c := &Client{key: apiKey}
	c.base, c.err = apiRoot(baseURL)
	if c.base != nil {
		c.display = (&url.URL{Scheme: c.base.Scheme, Host: c.base.Host}).String()
	}
	var hc http.Client
	if httpClient != nil {
		hc = *httpClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 30 * time.Second
		hc.Transport = t
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	return c
}

func apiRoot(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, contacts.Errorf(contacts.EUSAGE, "server URL %q is not an http:// or https:// URL", redactURL(s))
	}
	if u.User != nil {
		return nil, contacts.Errorf(contacts.EUSAGE, "server URL %s must not hold a user name or password: give the API key on its own", u.Redacted())
	}
	u.RawQuery, u.Fragment = "", ""
	p := strings.TrimRight(u.Path, "/")
	switch {
	case p == "":
		p = "/api/v1"
	case !strings.HasSuffix(p, "/v1"):
		p += "/v1"
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

func userAgent() string {
	v := build.Version
	if v == "" {
		v = "dev"
	}
	return "contacts/" + v
}

// redactURL drops a password from a URL that failed to parse, for an
// error message.
func redactURL(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			return s[:i+3] + "…" + s[at:]
		}
	}
	return s
}

// Server returns the server's address, as error messages name it.
func (c *Client) Server() string { return c.display }

func (c *Client) contactsURL(id string, q url.Values) string {
	u := *c.base
	u.Path += "/contacts"
	if id != "" {
		u.Path += "/" + id
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// do sends a request and returns a response with a 2xx status; any other
// status is returned as a domain error, read from the body where the
// server sent one.
func (c *Client) do(ctx context.Context, method, id string, q url.Values, body any) (*http.Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	return c.doPath(ctx, method, c.contactsURL(id, q), body)
}

// pathURL is the URL of path below the API's base, with query q.
func (c *Client) pathURL(path string, q url.Values) string {
	if c.base == nil {
		return ""
	}
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	return u.String()
}

// doPath sends a request to target (see do).
func (c *Client) doPath(ctx context.Context, method, target string, body any) (*http.Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent())
	if c.key != "" {
		req.Header.Set("X-Api-Key", c.key)
	}
	if c.Region != "" {
		req.Header.Set(RegionHeader, c.Region)
	}
	if etag, ok := contacts.IfMatchFrom(ctx); ok && (method == http.MethodPatch || method == http.MethodDelete) {
		req.Header.Set("If-Match", etag)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot reach %s: %w", c.scrub(target), c.wrapNetErr(err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, c.responseError(resp)
}

// wrapNetErr keeps a network error as it is, unless its text would repeat
// the key; none does, but this is the one place to be sure.
func (c *Client) wrapNetErr(err error) error {
	if c.key != "" && strings.Contains(err.Error(), c.key) {
		return errors.New(c.scrub(err.Error()))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}

// scrub removes the key from a text that is to be shown.
func (c *Client) scrub(s string) string {
	if c.key == "" {
		return s
	}
	return strings.ReplaceAll(s, c.key, "[API key]")
}

// statusCode is the domain code that an HTTP status alone stands for,
// when the body does not say. A 400 is read as invalid input: a server of
// the API's shape answers 400 for a value it refuses, and what the user
// can do is fix the value.
func statusCode(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return contacts.EUNAUTHORIZED
	case status == http.StatusNotFound || status == http.StatusGone:
		return contacts.ENOTFOUND
	case status == http.StatusConflict:
		return contacts.ECONFLICT
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity || status == http.StatusRequestEntityTooLarge:
		return contacts.EINVALID
	}
	return contacts.EINTERNAL
}

// errorBody is the error body of this package's server; other servers'
// bodies are read as far as they fit it.
type errorBody struct {
	Error json.RawMessage `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Field     string `json:"field"`
	ContactID string `json:"contact_id"`
	Message   string `json:"message"`
}

// responseError turns a non-2xx response into a domain error: the body's
// code, field, contact id and message when it is this server's shape
// (where the code agrees with the status), else the status's code with
// whatever message the body has ({"error":"…"}, {"message":"…"}, or a
// line of plain text).
func (c *Client) responseError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var d errorDetail
	var eb errorBody
	if json.Unmarshal(raw, &eb) == nil && len(eb.Error) > 0 {
		if json.Unmarshal(eb.Error, &d) != nil {
			var s string
			if json.Unmarshal(eb.Error, &s) == nil {
				d.Message = s
			}
		}
	} else {
		var m struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		}
		if json.Unmarshal(raw, &m) == nil {
			d.Message = m.Message
			if d.Message == "" {
				d.Message = m.Detail
			}
		} else if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/plain") || ct == "" && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("<")) {
			d.Message, _, _ = strings.Cut(string(raw), "\n")
		}
	}
	d.Message = c.scrub(cleanMessage(d.Message))

	status := resp.StatusCode
	code := statusCode(status)
	if s, ok := codeStatus[d.Code]; ok && s == status && status < 500 {
		code = d.Code // the body says which 422 it is: invalid or conflict
	} else if d.Code == contacts.EUSAGE && status == http.StatusBadRequest {
		code = contacts.EUSAGE
	}
	statusText := strconv.Itoa(status) + " " + http.StatusText(status)
	switch code {
	case contacts.EUNAUTHORIZED:
		// The server's words are not repeated: some echo what they got.
		if c.key == "" {
			return contacts.Errorf(code, "%s requires an API key, and none was given", c.display)
		}
		return contacts.Errorf(code, "API key rejected by %s", c.display)
	case contacts.EINTERNAL:
		if loc := resp.Header.Get("Location"); status >= 300 && status < 400 && loc != "" {
			return contacts.Errorf(code, "%s answered %s, to %s: use that address as the server URL", c.display, statusText, c.scrub(cleanMessage(loc)))
		}
		msg := fmt.Sprintf("%s answered %s", c.display, statusText)
		if d.Message != "" {
			msg += ": " + d.Message
		}
		return contacts.Errorf(code, "%s", msg)
	}
	if d.Message == "" {
		d.Message = fmt.Sprintf("%s answered %s", c.display, statusText)
	}
	e := &contacts.Error{Code: code, Message: d.Message}
	if d.Field != "" {
		e.Field = d.Field
	}
	if code == contacts.ECONFLICT {
		if id, ok := contacts.ParseID(d.ContactID); ok {
			e.ContactID = id
		}
	}
	return e
}

// cleanMessage keeps a server's message to one printable line of sane
// length: it is shown to a person as it is.
func cleanMessage(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = contacts.EscapeInvisible(strings.Join(strings.Fields(s), " "), "")
	if len(s) > 500 {
		cut := 500
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// decodeContact reads one contact of the API's model.
func (c *Client) decodeContact(dec *json.Decoder) (*contacts.Contact, error) {
	var ct contacts.Contact
	if err := dec.Decode(&ct); err != nil {
		return nil, c.badResponse(err)
	}
	if ct.ID == "" || ct.Phone == "" {
		return nil, c.badResponse(errors.New("a contact without id or phone"))
	}
	if ct.PhoneFormatted == "" {
		ct.PhoneFormatted = contacts.FormatPhone(ct.Phone)
	}
	ct.CreatedAt, ct.UpdatedAt = ct.CreatedAt.UTC(), ct.UpdatedAt.UTC()
	return &ct, nil
}

func (c *Client) badResponse(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("unexpected response from %s: %w", c.display, err)
}

func (c *Client) readContact(resp *http.Response) (*contacts.Contact, error) {
	defer resp.Body.Close()
	return c.decodeContact(json.NewDecoder(resp.Body))
}

// notFoundID is the store's message for an unknown id, word for word.
func notFoundID(id string) error {
	if canon, ok := contacts.ParseID(id); ok {
		return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", canon)
	}
	return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %q", id)
}

// FindContactByID implements contacts.Service.
func (c *Client) FindContactByID(ctx context.Context, id string) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		// Not sent: nothing that is not an id goes into a URL path.
		return nil, notFoundID(id)
	}
	resp, err := c.do(ctx, http.MethodGet, canon, nil, nil)
	if err != nil {
		return nil, err
	}
	return c.readContact(resp)
}

// FindContactByPhone implements contacts.Service, by the API's
// GET /contacts?phone=. A number that does not read is EINVALID, as from
// the store, unless the client has no region and the server may have one.
func (c *Client) FindContactByPhone(ctx context.Context, phone string) (*contacts.Contact, error) {
	p, err := contacts.NormalizeCaller(phone, c.Region)
	q, normalized := phone, err == nil
	if normalized {
		q = p.E164
	} else if c.Region != "" || strings.HasPrefix(strings.TrimSpace(phone), "+") {
		return nil, err
	}
	var found *contacts.Contact
	err = c.list(ctx, url.Values{"phone": {q}}, 0, func(ct *contacts.Contact) error {
		// A server that ignored the filter would list everyone.
		if normalized && ct.Phone != q {
			return nil
		}
		found = ct
		return errStopList
	})
	if err != nil && err != errStopList {
		return nil, err
	}
	if found == nil {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s", q)
	}
	return found, nil
}

var errStopList = errors.New("stop")

// ListContacts implements contacts.Service. The array is decoded as it
// arrives, so a listing of any length takes constant memory. The limit is
// also applied here, for a server that ignores ?limit=.
func (c *Client) ListContacts(ctx context.Context, f contacts.ContactFilter, fn func(*contacts.Contact) error) error {
	q := url.Values{}
	want := "" // the E.164 number the listing must hold, when known
	if f.Phone != "" {
		p, err := contacts.NormalizeCaller(f.Phone, c.Region)
		switch {
		case err == nil:
			want = p.E164
			q.Set("phone", want)
		case c.Region != "" || strings.HasPrefix(strings.TrimSpace(f.Phone), "+"):
			return nil // as the store: input that is not a number matches nothing
		default:
			q.Set("phone", f.Phone) // national, and the server may know a region
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.IDPrefix != "" || f.PhonePrefix != "" {
		// The API has no prefix filter: the listing is read whole and
		// filtered here, the limit counting what passes.
		next, n, limit := fn, 0, f.Limit
		fn = func(ct *contacts.Contact) error {
			if !f.Prefixed(ct) {
				return nil
			}
			if n++; limit > 0 && n > limit {
				return errStopList
			}
			return next(ct)
		}
		q.Del("limit")
		f.Limit = 0
	}
	if want != "" {
		// A server that ignored the filter would list everyone.
		next := fn
		fn = func(ct *contacts.Contact) error {
			if ct.Phone != want {
				return nil
			}
			return next(ct)
		}
	}
	err := c.list(ctx, q, f.Limit, fn)
	if err == errStopList {
		err = nil
	}
	return err
}

func (c *Client) list(ctx context.Context, q url.Values, limit int, fn func(*contacts.Contact) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := c.do(ctx, http.MethodGet, "", q, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	if t, err := dec.Token(); err != nil {
		return c.badResponse(err)
	} else if t != json.Delim('[') {
		return c.badResponse(fmt.Errorf("expected a JSON array, got %v", t))
	}
	n := 0
	for dec.More() {
		if limit > 0 && n >= limit {
			return nil
		}
		ct, err := c.decodeContact(dec)
		if err != nil {
			return err
		}
		n++
		if err := fn(ct); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return c.badResponse(err)
	}
	return nil
}

// CreateContact implements contacts.Service. Empty optional fields are not
// sent.
func (c *Client) CreateContact(ctx context.Context, in contacts.NewContact) (*contacts.Contact, error) {
	// What the user typed goes to the server, which is the gate; national
	// numbers are read in the client's region (RegionHeader).
	body := map[string]string{"phone": in.Phone}
	for k, v := range map[string]string{"name": in.Name, "email": in.Email, "company_name": in.CompanyName, "note": in.Note} {
		if strings.TrimSpace(v) != "" {
			body[k] = v
		}
	}
	for k, v := range body {
		if err := sendable(k, &v); err != nil {
			return nil, err
		}
	}
	resp, err := c.do(ctx, http.MethodPost, "", nil, body)
	if err != nil {
		return nil, err
	}
	return c.readContact(resp)
}

// UpdateContact implements contacts.Service, by the API's PATCH: the keys
// given change, null clears.
func (c *Client) UpdateContact(ctx context.Context, id string, upd contacts.ContactUpdate) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return nil, notFoundID(id)
	}
	body := map[string]*string{}
	for k, v := range map[string]*string{"name": upd.Name, "email": upd.Email, "company_name": upd.CompanyName, "note": upd.Note, "phone": upd.Phone} {
		switch {
		case v == nil:
		case k != "phone" && strings.TrimSpace(*v) == "":
			body[k] = nil
		default:
			if err := sendable(k, v); err != nil {
				return nil, err
			}
			body[k] = v
		}
	}
	resp, err := c.do(ctx, http.MethodPatch, canon, nil, body)
	if err != nil {
		return nil, err
	}
	return c.readContact(resp)
}

// sendable refuses text that JSON cannot carry: bytes that are not UTF-8
// would arrive as U+FFFD, a different text from the one the user gave.
func sendable(field string, v *string) error {
	if v != nil && !utf8.ValidString(*v) {
		return contacts.FieldErrorf(field, "not valid UTF-8 text")
	}
	return nil
}

func (c *Client) DeleteContacts(ctx context.Context, ids []string) error {
	var canon []string
	seen := map[string]bool{}
	for _, id := range ids {
		cid, ok := contacts.ParseID(id)
		if !ok {
			return notFoundID(id)
		}
		if !seen[cid] {
			seen[cid] = true
			canon = append(canon, cid)
		}
	}
	for _, id := range canon {
		if _, err := c.FindContactByID(ctx, id); err != nil {
			return err
		}
	}
	for _, id := range canon {
		resp, err := c.do(ctx, http.MethodDelete, id, nil, nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	return nil
}

// Operations implements contacts.History, by GET /operations.
func (c *Client) Operations(ctx context.Context, f contacts.OperationFilter, fn func(*contacts.Operation) error) error {
	q := url.Values{}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339))
	}
	var list []*contacts.Operation
	if err := c.getJSON(ctx, c.pathURL("/operations", q), &list); err != nil {
		return err
	}
	for _, op := range list {
		if err := fn(op); err != nil {
			return err
		}
	}
	return nil
}

// ContactHistory implements contacts.History, by GET /contacts/{ref}/history
// (the server reads ref as an id or a phone number).
func (c *Client) ContactHistory(ctx context.Context, ref string) ([]*contacts.Revision, error) {
	if id, ok := contacts.ParseID(ref); ok {
		ref = id
	}
	var revs []*contacts.Revision
	err := c.getJSON(ctx, c.pathURL("/contacts/"+url.PathEscape(ref)+"/history", nil), &revs)
	return revs, err
}

// Undo implements contacts.History, by POST /operations/{id}/undo.
func (c *Client) Undo(ctx context.Context, id string, force bool) (*contacts.Operation, error) {
	if id == "" {
		id = "last"
	} else if canon, ok := contacts.ParseID(id); ok {
		id = canon
	} else {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no operation with id %s in the book's history", contacts.Excerpt(id))
	}
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	resp, err := c.doPath(ctx, http.MethodPost, c.pathURL("/operations/"+id+"/undo", q), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var op contacts.Operation
	if err := json.NewDecoder(resp.Body).Decode(&op); err != nil {
		return nil, c.badResponse(err)
	}
	return &op, nil
}

// Restore implements contacts.History, by POST /contacts/{id}/restore.
func (c *Client) Restore(ctx context.Context, id string) (*contacts.Contact, error) {
	canon, ok := contacts.ParseID(id)
	if !ok {
		return nil, contacts.Errorf(contacts.ENOTFOUND, "no deleted contact with id %s", contacts.Excerpt(id))
	}
	resp, err := c.doPath(ctx, http.MethodPost, c.pathURL("/contacts/"+canon+"/restore", nil), nil)
	if err != nil {
		return nil, err
	}
	return c.readContact(resp)
}

// HistoryStats implements contacts.History: the API has no such route.
func (c *Client) HistoryStats(context.Context) (contacts.HistoryStats, error) {
	return contacts.HistoryStats{}, contacts.Errorf(contacts.EUSAGE, "history --stats works on the local books only: run it where the books are, with --server \"\"")
}

var _ contacts.History = (*Client)(nil)

// getJSON GETs target and decodes its JSON into v.
func (c *Client) getJSON(ctx context.Context, target string, v any) error {
	resp, err := c.doPath(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return c.badResponse(err)
	}
	return nil
}

// Close implements contacts.Service: it lets go of idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}
