package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/phoneinc/contacts"
)

// codeStatus is the one mapping between the domain's error codes and HTTP
// statuses. The server reads it one way; the client reads it back the
// other way (statusCode), where a status alone must stand for a code.
var codeStatus = map[string]int{
	contacts.EUSAGE:        http.StatusBadRequest,
	contacts.ENOTFOUND:     http.StatusNotFound,
	contacts.EINVALID:      http.StatusUnprocessableEntity,
	contacts.ECONFLICT:     http.StatusUnprocessableEntity,
	contacts.EUNAUTHORIZED: http.StatusUnauthorized,
	contacts.EPRECONDITION: http.StatusPreconditionFailed,
	contacts.EINTERNAL:     http.StatusInternalServerError,
}

// statusError is a domain error that answers with a status of its own
// rather than its code's: 405, 413.
type statusError struct {
	status int
	err    *contacts.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func withStatus(status int, code, format string, args ...any) error {
	return &statusError{status: status, err: contacts.Errorf(code, format, args...)}
}

// errorStatus is the status that answers err.
func errorStatus(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	var hs interface{ HTTPStatus() int }
	if errors.As(err, &hs) {
		return hs.HTTPStatus()
	}
	if s, ok := codeStatus[contacts.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// appendErrorJSON appends err as the error body, the shape the CLI prints
// with -o json: {"error":{"code":…,"field":…|null,["contact_id":…,]"message":…}}.
// An internal error's message is replaced: its text is for the operator's
// log, not for the caller.
func appendErrorJSON(b []byte, err error) []byte {
	code := contacts.ErrorCode(err)
	msg := "internal error"
	var de *contacts.Error
	if errors.As(err, &de) && code != contacts.EINTERNAL {
		msg = de.Message
	}
	b = append(b, `{"error":{"code":`...)
	b = contacts.AppendJSONString(b, code)
	b = append(b, `,"field":`...)
	if de != nil && de.Field != "" && code != contacts.EINTERNAL {
		b = contacts.AppendJSONString(b, de.Field)
	} else {
		b = append(b, "null"...)
	}
	if de != nil && de.ContactID != "" && code != contacts.EINTERNAL {
		b = append(b, `,"contact_id":`...)
		b = contacts.AppendJSONString(b, de.ContactID)
	}
	b = append(b, `,"message":`...)
	b = contacts.AppendJSONString(b, msg)
	return append(b, "}}\n"...)
}

// writeError answers r with err as a JSON error body, and notes an
// internal error's detail for the access log.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := errorStatus(err)
	if status >= 500 {
		noteError(r, err)
	}
	if status == http.StatusUnauthorized {
		// RFC 9110 asks a 401 to say how to authenticate.
		w.Header().Set("WWW-Authenticate", `ApiKey header="X-Api-Key"`)
	}
	body := appendErrorJSON(nil, err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
