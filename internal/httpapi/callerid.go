package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

// callerID answers GET /api/v1/callerid?phone=P&key=K[&max=N] for phone
// systems that put the whole response body on the phone's display as the
// caller's name and cannot send headers: Asterisk's CURL() and
// FreeSWITCH's mod_cidlookup. Hence:
//
//   - the key may come as ?key= (X-Api-Key is read first when present);
//   - the body is the display name (the name, else the company name) as
//     text/plain, on one line, with no trailing newline and no control
//     character, or empty;
//   - the body is never an error text, which would show as a name: a
//     number nobody has, or that is not a number, or no number at all (an
//     anonymous call) is 200 with an empty body; a missing or wrong key is
//     401, a bad max is 400 and a failure 500, all with an empty body, so
//     that the status and the access log tell the operator;
//   - ?max=N (or ?length=N) cuts the name to N characters, for displays
//     that truncate (US CNAM shows 15).
//
// Asterisk (dialplan, before Dial):
//
//	same => n,Set(CALLERID(name)=${CURL(http://127.0.0.1:8080/api/v1/callerid?key=ck_acme_…&max=15&phone=${URIENCODE(${CALLERID(num)})})})
//
// FreeSWITCH: mod_cidlookup's URL, in autoload_configs/cidlookup.conf.xml
// (& is &amp; in XML), and the dialplan action that uses it:
//
//	<param name="url" value="http://127.0.0.1:8080/api/v1/callerid?key=ck_acme_…&amp;phone=${caller_id_number}"/>
//	<action application="set" data="effective_caller_id_name=${cidlookup(${caller_id_number})}"/>
//
// An unescaped leading '+' in phone is read as '+', so ${caller_id_number}
// works without encoding.
func (s *Server) callerID(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := r.Header.Get("X-Api-Key")
	if key == "" {
		key = q.Get("key")
	}
	db, done, err := s.authenticate(r, key)
	if err != nil {
		status := errorStatus(err)
		if status >= 500 {
			noteError(r, err)
		}
		plain(w, status, "")
		return
	}
	defer done()
	max := 0
	for _, name := range []string{"max", "length"} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				plain(w, http.StatusBadRequest, "")
				return
			}
			max = n
			break
		}
	}
	phone := queryPhone(r.URL.RawQuery)
	if strings.TrimSpace(phone) == "" {
		plain(w, http.StatusOK, "")
		return
	}
	c, err := db.FindContactByPhone(r.Context(), phone)
	switch contacts.ErrorCode(err) {
	case "":
	case contacts.ENOTFOUND, contacts.EINVALID:
		plain(w, http.StatusOK, "")
		return
	default:
		noteError(r, err)
		plain(w, http.StatusInternalServerError, "")
		return
	}
	plain(w, http.StatusOK, displayText(c.DisplayName(), max))
}

// plain answers with a text/plain body, not to be cached: it is personal
// data, and its URL carries a key.
func plain(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if body != "" {
		w.Write([]byte(body))
	}
}

// displayText makes a name fit for a phone's one-line display: line
// breaks, tabs and other white space become one space, and the result is
// trimmed; every other invisible character (a zero-width space, a bidi
// control that could make a name display as another, an escape) is shown
// as a visible escape, by the product's one rule (contacts.Invisible); the
// result is cut to max characters when max > 0.
func displayText(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			space = b.Len() > 0
			continue
		}
		text := string(r)
		if contacts.Invisible(r) {
			text = contacts.EscapeInvisible(text, "")
		}
		width := utf8.RuneCountInString(text)
		if max > 0 && n+btoi(space)+width > max {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteString(text)
		n += width
	}
	return b.String()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
