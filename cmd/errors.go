package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/editor"
	"github.com/phoneinc/contacts/internal/output"
)

// Exit statuses: one per kind of error, documented under EXIT STATUS in
// the root command's help.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitInvalid     = 4
	exitConflict    = 5
	exitInterrupted = 130 // SIGINT: 128 + its number, as shells report it
	exitTerminated  = 143 // SIGTERM
)

// usageErrorf returns an EUSAGE error: the command was used wrongly.
func usageErrorf(format string, args ...any) error {
	return &contacts.Error{Code: contacts.EUSAGE, Message: fmt.Sprintf(format, args...)}
}

// exitCode maps an error to the process's exit status.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var se *signalError
	if errors.As(err, &se) {
		return signalStatus(se.sig)
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	switch contacts.ErrorCode(err) {
	case contacts.EUSAGE:
		return exitUsage
	case contacts.ENOTFOUND:
		return exitNotFound
	case contacts.EINVALID:
		return exitInvalid
	case contacts.ECONFLICT, contacts.EPRECONDITION:
		return exitConflict
	}
	return exitError
}

// printError writes err to w as one line, "contacts: <message>", or as one
// JSON object when JSON output was asked for.
func printError(w io.Writer, err error, asJSON bool) {
	msg := oneLine(err.Error())
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
		var re *editor.RescueError
		if errors.As(err, &re) && re.Path != "" {
			msg += "; your text is saved in " + re.Path
		}
	}
	if !asJSON {
		fmt.Fprintf(w, "contacts: %s\n", output.Safe(msg, false))
		return
	}
	code := contacts.ErrorCode(err)
	if errors.Is(err, context.Canceled) {
		code = contacts.EINTERNAL
	}
	b := append([]byte(nil), `{"error":{"code":`...)
	b = contacts.AppendJSONString(b, code)
	b = append(b, `,"field":`...)
	if field := contacts.ErrorField(err); field != "" {
		b = contacts.AppendJSONString(b, field)
	} else {
		b = append(b, "null"...)
	}
	var de *contacts.Error
	if errors.As(err, &de) && de.ContactID != "" {
		b = append(b, `,"contact_id":`...)
		b = contacts.AppendJSONString(b, de.ContactID)
	}
	b = append(b, `,"message":`...)
	b = contacts.AppendJSONString(b, msg)
	b = append(b, "}}\n"...)
	w.Write(b)
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
