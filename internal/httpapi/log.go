package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/phoneinc/contacts"
)

// accessLog writes one line per request:
//
//	2026-06-10T10:00:00.123Z 127.0.0.1:53422 GET /api/v1/contacts?phone=%2B4520123456 200 412B 1.204ms company=acme
//
// (the status is "aborted" when a response was cut off part way)
//
// with error="…" appended when the server failed (the detail that the
// response hides). The line never holds a key: the X-Api-Key header is not
// logged, and query values that are or look like keys are replaced.
type accessLog struct {
	mu  sync.Mutex // one Write per line, and lines never interleave
	w   io.Writer
	now func() time.Time
}

// reqInfo is what handlers tell the access log about a request.
type reqInfo struct {
	company string
	err     error
}

type reqInfoKey struct{}

func info(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(reqInfoKey{}).(*reqInfo)
	return i
}

// noteError records the detail of a server failure for the access log.
func noteError(r *http.Request, err error) {
	if i := info(r); i != nil {
		i.err = err
	}
}

// noteCompany records whose key authenticated the request.
func noteCompany(r *http.Request, company string) {
	if i := info(r); i != nil {
		i.company = company
	}
}

// logWriter records the status and size of a response.
type logWriter struct {
	http.ResponseWriter
	status int
	size   int64
}

func (w *logWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (for flushes
// and write deadlines).
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (l *accessLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now
		if l.now != nil {
			now = l.now
		}
		start := now()
		target := logTarget(r.URL)
		ri := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		lw := &logWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			status := lw.status
			switch {
			case p != nil && p != http.ErrAbortHandler && ri.err == nil:
				ri.err = fmt.Errorf("panic: %v", p)
				fallthrough
			case p != nil:
				status = 0 // the connection was cut: no status reached the client
			case status == 0:
				status = http.StatusOK
			}
			l.write(start, now().Sub(start), r, target, status, lw.size, ri)
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(lw, r)
	})
}

func (l *accessLog) write(start time.Time, d time.Duration, r *http.Request, target string, status int, size int64, ri *reqInfo) {
	b := make([]byte, 0, 256)
	b = start.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = fmt.Appendf(b, " %s %s %s ", r.RemoteAddr, escapeLog(r.Method), target)
	if status == 0 {
		b = append(b, "aborted"...)
	} else {
		b = fmt.Appendf(b, "%d", status)
	}
	b = fmt.Appendf(b, " %dB %.3fms", size, float64(d)/float64(time.Millisecond))
	if ri.company != "" {
		b = append(b, " company="...)
		b = append(b, ri.company...)
	}
	if ri.err != nil {
		b = append(b, " error="...)
		b = contacts.AppendJSONString(b, ri.err.Error())
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(b)
}

// logTarget is the path and query of u for the log, keys redacted.
func logTarget(u *url.URL) string {
	path := u.EscapedPath()
	if strings.Contains(path, contacts.APIKeyPrefix) {
		segs := strings.Split(path, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, contacts.APIKeyPrefix) {
				segs[i] = redacted
			}
		}
		path = strings.Join(segs, "/")
	}
	t := path
	if u.RawQuery != "" {
		t += "?" + redactQuery(u.RawQuery)
	}
	return escapeLog(t)
}

const redacted = "REDACTED"

// redactQuery replaces the values of parameters that carry a key: any
// whose name mentions a key, token or secret (key= is the one read; the
// others catch a caller's guess at a name), and any value that is a key.
// Parameters are split at ';' too: Go ignores such a pair, but its text
// would still be logged.
func redactQuery(raw string) string {
	parts := strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' })
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		name = strings.ToLower(name)
		if strings.Contains(name, "key") || strings.Contains(name, "token") || strings.Contains(name, "secret") ||
			strings.HasPrefix(strings.TrimSpace(val), contacts.APIKeyPrefix) {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// escapeLog keeps a logged field on one line and printable, whatever a
// client put in its request line.
func escapeLog(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c >= 0x80 {
			var b strings.Builder
			for j := 0; j < len(s); j++ {
				if c := s[j]; c <= ' ' || c == 0x7f || c >= 0x80 {
					fmt.Fprintf(&b, "%%%02X", c)
				} else {
					b.WriteByte(c)
				}
			}
			return b.String()
		}
	}
	return s
}
