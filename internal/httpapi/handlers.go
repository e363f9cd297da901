package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

// DefaultSearchLimit is how many contacts a search (?q=) answers when it
// has no ?limit=, as `contacts search`.
const DefaultSearchLimit = 20

// streamChunk is how much of a listing is buffered before it is written
// out: big enough that a million contacts cost few writes, small enough
// that memory stays constant.
const streamChunk = 64 << 10

// streamWriteTimeout is how long one chunk of a listing may take to reach
// the client. A listing of a million contacts takes longer than any fixed
// WriteTimeout should allow, so it is renewed per chunk: a slow client is
// cut off only when it stalls.
const streamWriteTimeout = 30 * time.Second

// book authenticates r by its X-Api-Key header or its web session
// (requestBook) and returns the book of its company and the function to
// call when the request is done with it, or answers r with 401 (403 for a
// session's write without its CSRF token) and returns nil.
func (s *Server) book(w http.ResponseWriter, r *http.Request) (contacts.Book, func()) {
	db, done, err := s.requestBook(r)
	if err != nil {
		writeError(w, r, err)
		return nil, nil
	}
	return db, done
}

// withBook authenticates r (s.book) and answers it with h on its company's
// book, which it gives back when h returns.
func (s *Server) withBook(h func(w http.ResponseWriter, r *http.Request, db contacts.Book)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		db, done := s.book(w, r)
		if db == nil {
			return
		}
		defer done()
		h(w, r, db)
	}
}

// withContact is withBook for the routes of one contact: h gets the
// {id} of the path, checked (pathID).
func (s *Server) withContact(h func(w http.ResponseWriter, r *http.Request, db contacts.Book, id string)) http.HandlerFunc {
	return s.withBook(func(w http.ResponseWriter, r *http.Request, db contacts.Book) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		h(w, r, db, id)
	})
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, db contacts.Book) {
	q := r.URL.Query()
	f := contacts.ContactFilter{Phone: queryPhone(r.URL.RawQuery)}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(w, r, &contacts.Error{Code: contacts.EUSAGE, Field: "limit",
				Message: "limit: " + contacts.Excerpt(v) + " is not a positive whole number"})
			return
		}
		f.Limit = n
	}
	// ?q= is the search of `contacts search`: best first, 20 unless
	// ?limit= says otherwise. An empty q is the listing.
	list := func(fn func(*contacts.Contact) error) error { return db.ListContacts(r.Context(), f, fn) }
	if query := q.Get("q"); strings.TrimSpace(query) != "" {
		if q.Has("phone") {
			writeError(w, r, &contacts.Error{Code: contacts.EUSAGE, Field: "q",
				Message: "q and phone: give one of them (phone finds one number, q searches)"})
			return
		}
		limit := f.Limit
		if limit == 0 {
			limit = DefaultSearchLimit
		}
		list = func(fn func(*contacts.Contact) error) error {
			return db.SearchContacts(r.Context(), query, limit, fn)
		}
	}

	// The array is written as the rows come, in chunks. Until the first
	// chunk goes out an error can still be a proper 500; after it, the
	// status is sent, and the connection is cut so that the client sees
	// a broken document rather than a short list that looks whole.
	rc := http.NewResponseController(w)
	// Small at first: most requests are a ?phone= lookup of one contact,
	// and a listing grows it once, up to a chunk.
	b := make([]byte, 0, 2048)
	b = append(b, '[')
	started := false
	flush := func() error {
		if !started {
			started = true
			setJSONHeaders(w)
			w.WriteHeader(http.StatusOK)
		}
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		_, err := w.Write(b)
		b = b[:0]
		return err
	}
	first := true
	err := list(func(c *contacts.Contact) error {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = c.AppendJSON(b)
		if len(b) >= streamChunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		if !started {
			writeError(w, r, err)
			return
		}
		noteError(r, err)
		panic(http.ErrAbortHandler)
	}
	b = append(b, "]\n"...)
	if !started {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	flush()
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, db contacts.Book, id string) {
	c, err := db.FindContactByID(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeContact(w, http.StatusOK, c)
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, db contacts.Book) {
	in, err := s.decodeFields(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var nc contacts.NewContact
	for _, f := range []struct {
		key string
		dst *string
	}{{"name", &nc.Name}, {"email", &nc.Email}, {"phone", &nc.Phone}, {"company_name", &nc.CompanyName}, {"note", &nc.Note}} {
		if v := in[f.key]; v != nil {
			*f.dst = *v
		}
	}
	c, err := db.CreateContact(r.Context(), nc) // the book is the gate
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", strings.TrimSuffix(r.URL.Path, "/")+"/"+c.ID)
	writeContact(w, http.StatusCreated, c)
}

func (s *Server) patchContact(w http.ResponseWriter, r *http.Request, db contacts.Book, id string) {
	// An unknown id is 404 whatever the body says, as for GET.
	if _, err := db.FindContactByID(r.Context(), id); err != nil {
		writeError(w, r, err)
		return
	}
	in, err := s.decodeFields(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var upd contacts.ContactUpdate
	empty := ""
	for _, f := range []struct {
		key string
		dst **string
	}{{"name", &upd.Name}, {"email", &upd.Email}, {"phone", &upd.Phone}, {"company_name", &upd.CompanyName}, {"note", &upd.Note}} {
		v, ok := in[f.key]
		switch {
		case !ok:
		case v == nil && f.key == "phone":
			writeError(w, r, contacts.FieldErrorf("phone", "cannot be cleared: a contact needs a phone number"))
			return
		case v == nil:
			*f.dst = &empty // null clears, as "" does
		default:
			*f.dst = v
		}
	}
	ctx, err := ifMatch(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var c *contacts.Contact
	if upd.Empty() {
		c, err = db.FindContactByID(ctx, id)
		if err == nil {
			if want, ok := contacts.IfMatchFrom(ctx); ok && want != contacts.ETag(c) {
				err = &contacts.Error{Code: contacts.EPRECONDITION, ContactID: c.ID,
					Message: "contact " + c.ID + " changed since it was read (version " + strings.Trim(want, `"`) + ", now " + strings.Trim(contacts.ETag(c), `"`) + "): nothing was written"}
			}
		}
	} else {
		c, err = db.UpdateContact(ctx, id, upd)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeContact(w, http.StatusOK, c)
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request, db contacts.Book, id string) {
	ctx, err := ifMatch(r)
	if err == nil {
		err = db.DeleteContacts(ctx, []string{id})
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pathID returns the contact id of r's path, or answers 404 when it cannot
// be one, quoting it by an excerpt (a path may be tens of kilobytes).
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if _, ok := contacts.ParseID(id); !ok {
		writeError(w, r, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", contacts.Excerpt(id)))
		return "", false
	}
	return id, true
}

func setJSONHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
}

// ifMatch returns r's context with the precondition its If-Match header
// sets: the one ETag of the version of the contact the client read ("*",
// any version, sets none). A weak or listed ETag is 400: a contact has
// one strong ETag at a time.
func ifMatch(r *http.Request) (context.Context, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	switch {
	case v == "" || v == "*":
		return r.Context(), nil
	case strings.HasPrefix(v, "W/") || strings.Contains(v, ",") || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"':
		return nil, &contacts.Error{Code: contacts.EUSAGE, Field: "If-Match",
			Message: "If-Match: " + contacts.Excerpt(v) + " is not the ETag of a contact (one quoted, strong ETag, as GET answers it)"}
	}
	return contacts.WithIfMatch(r.Context(), v), nil
}

func writeContact(w http.ResponseWriter, status int, c *contacts.Contact) {
	b := c.AppendJSON(make([]byte, 0, 512))
	b = append(b, '\n')
	setJSONHeaders(w)
	w.Header().Set("ETag", contacts.ETag(c))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// The keys of a contact in a request body.
var (
	writableKeys = map[string]bool{"name": true, "email": true, "phone": true, "company_name": true, "note": true}
	readOnlyKeys = map[string]bool{"id": true, "phone_formatted": true, "created_at": true, "updated_at": true}
)

// decodeFields reads a request body that must be one JSON object of the
// writable keys, each a string or null. It returns the keys present; a
// null value is a nil pointer.
func (s *Server) decodeFields(w http.ResponseWriter, r *http.Request) (map[string]*string, error) {
	if r.ContentLength > s.cfg.MaxBody {
		return nil, tooLarge(s.cfg.MaxBody)
	}
	var body bytes.Buffer // the object's text, for contacts.CheckJSONObject
	dec := json.NewDecoder(io.TeeReader(r.Body, &body))
	var raw map[string]json.RawMessage
	err := dec.Decode(&raw)
	end := dec.InputOffset()
	if err == nil {
		// One object, and nothing after it.
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
			if terr != nil {
				err = terr
			}
		}
	}
	var mbe *http.MaxBytesError
	var ute *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(mbe.Limit)
	case err == io.EOF:
		return nil, contacts.Errorf(contacts.EUSAGE, "the request body is empty: send a JSON object")
	case errors.As(err, &ute), err == nil && raw == nil:
		return nil, contacts.Errorf(contacts.EUSAGE, "the request body must be a JSON object")
	case err == errTrailing:
		return nil, contacts.Errorf(contacts.EUSAGE, "invalid JSON: more data after the object")
	case errors.As(err, new(*json.SyntaxError)), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, contacts.Errorf(contacts.EUSAGE, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Not the error's own text, which names both ends of the socket
		// ("read tcp 127.0.0.1:8080->…: i/o timeout").
		return nil, contacts.Errorf(contacts.EUSAGE, "the request body did not arrive in time")
	case err != nil:
		return nil, contacts.Errorf(contacts.EUSAGE, "the request body could not be read")
	}

	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same key first every time
	out := make(map[string]*string, len(raw))
	for _, k := range keys {
		switch {
		case readOnlyKeys[k]:
			continue
		case !writableKeys[k]:
			return nil, &contacts.Error{Code: contacts.EUSAGE, Field: fieldExcerpt(k),
				Message: "unknown field " + contacts.Excerpt(k) + " (the fields are name, email, phone, company_name and note)"}
		}
		v := raw[k]
		if string(v) == "null" {
			out[k] = nil
			continue
		}
		if !utf8.Valid(v) {
			// JSON is UTF-8 (RFC 8259); encoding/json would quietly store
			// U+FFFD in place of the bad bytes, where the CLI refuses them.
			return nil, &contacts.Error{Code: contacts.EUSAGE, Field: k, Message: k + ": not valid UTF-8: a JSON body must be UTF-8"}
		}
		var str string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &str) != nil {
			return nil, contacts.FieldErrorf(k, "must be a string or null, not %s", jsonKind(v))
		}
		out[k] = &str
	}
	// A key given twice (encoding/json keeps the last), a lone surrogate
	// escape (it makes U+FFFD): invalid, 422, naming the key.
	if err := contacts.CheckJSONObject(body.Bytes()[:end]); err != nil {
		return nil, err
	}
	return out, nil
}

var errTrailing = errors.New("trailing data")

func tooLarge(limit int64) error {
	return withStatus(http.StatusRequestEntityTooLarge, contacts.EUSAGE,
		"the request body is larger than %d bytes", limit)
}

// jsonKind names the type of a JSON value, for an error message.
func jsonKind(v json.RawMessage) string {
	switch {
	case len(v) == 0:
		return "nothing"
	case v[0] == '{':
		return "an object"
	case v[0] == '[':
		return "an array"
	case v[0] == 't' || v[0] == 'f':
		return "a boolean"
	}
	return "a number"
}

// queryPhone returns the phone parameter of a raw query. A query decodes
// '+' as a space, but a phone number written unescaped in a URL
// (?phone=+4520123456, as curl users and phone systems write it) means the
// international prefix, and a space never starts a number: a leading '+'
// is kept as '+'.
func queryPhone(rawQuery string) string {
	return QueryNumber(rawQuery, "phone")
}

// QueryNumber returns the parameter key of a raw query that holds a
// phone number, read as queryPhone reads ?phone=: a '+' that starts a
// number is a plus sign, and a ';' (tel:20123456;phone-context=+45) is
// part of the value, where url.ParseQuery drops the whole parameter.
func QueryNumber(rawQuery, key string) string {
	for rawQuery != "" {
		var part string
		part, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(part, "=")
		if k != key {
			continue
		}
		// A '+' that starts a number (at the start, or after "sip:",
		// "tel:", "<" or "phone-context=") is a plus sign, not a space.
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '+' && (i == 0 || strings.IndexByte(":<=", v[i-1]) >= 0) {
				b.WriteString("%2B")
				continue
			}
			b.WriteByte(v[i])
		}
		s, err := url.QueryUnescape(b.String())
		if err != nil {
			return ""
		}
		return s
	}
	return ""
}

// cut returns s, or its first n characters and "…" when it is longer.
func cut(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// fieldExcerpt names a key a client sent, for an error's "field": its
// excerpt (contacts.Excerpt) without the quotes, so that a plain key is
// itself and any other is escaped and short.
func fieldExcerpt(k string) string {
	e := contacts.Excerpt(k)
	if rest, ok := strings.CutSuffix(e, "…"); ok {
		return rest[1:len(rest)-1] + "…"
	}
	return e[1 : len(e)-1]
}
