package contacts

import (
	"errors"
	"fmt"
)

// Error codes. They are the one error model of the product: the CLI maps
// them to exit statuses and the HTTP server to statuses, in both directions.
const (
	EUSAGE        = "usage"        // the caller used the tool wrongly (exit 2, HTTP 400)
	ENOTFOUND     = "not_found"    // no such contact in this company (exit 3, HTTP 404)
	EINVALID      = "invalid"      // a value failed validation (exit 4, HTTP 422)
	ECONFLICT     = "conflict"     // the phone number is taken (exit 5, HTTP 422)
	EINTERNAL     = "internal"     // anything else (exit 1, HTTP 500)
	EUNAUTHORIZED = "unauthorized" // a missing or wrong API key (exit 1, HTTP 401)
)

// Error is a domain error. Message is a complete, lowercase sentence fit to
// show a user; it already names Field when there is one.
type Error struct {
	Code    string
	Field   string // the input field at fault, "" when none
	Message string
	// ContactID is, for ECONFLICT, the id of the contact that holds the
	// phone number.
	ContactID string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with no field.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error for field, its message prefixed by
// the field name ("phone: too short").
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for an error that is not an
// *Error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
