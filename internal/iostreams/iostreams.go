// Package iostreams holds a command's standard streams and what is known
// about them: which are terminals, and whether colour is wanted.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	noColor               bool
	width                 int // of the terminal on stdout; 0: unknown
}

// System returns the process's streams.
func System() *IOStreams {
	// Only a non-empty NO_COLOR turns colour off (no-color.org).
	noColor := os.Getenv("NO_COLOR") != ""
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		inTTY:   isTerminal(os.Stdin),
		outTTY:  isTerminal(os.Stdout),
		errTTY:  isTerminal(os.Stderr),
		noColor: noColor || os.Getenv("TERM") == "dumb",
	}
	if os.Getenv("CONTACTS_FORCE_TTY") != "" {
		// Output laid out as for a terminal, whatever stdout is (as
		// GH_FORCE_TTY): for a pager, and for tests.
		s.outTTY = true
	}
	s.width = terminalWidth(os.Getenv("COLUMNS"), func() (int, bool) {
		w, _, err := term.GetSize(int(os.Stdout.Fd()))
		return w, err == nil
	})
	return s
}

// terminalWidth is the width tables fit: COLUMNS when it is a positive
// number, else the terminal's own width (size), else 80.
func terminalWidth(columns string, size func() (int, bool)) int {
	if n, err := strconv.Atoi(columns); err == nil && n > 0 {
		return n
	}
	if w, ok := size(); ok && w > 0 {
		return w
	}
	return 80
}

// TerminalWidth is the width a table for the terminal fits: COLUMNS, else
// the terminal's width, else 80 (0 from Test: no limit, unless SetWidth).
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetWidth sets the terminal's width, for tests.
func (s *IOStreams) SetWidth(w int) { s.width = w }

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams on buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY marks the streams as terminals or not, for tests.
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// CanPrompt reports whether a question can be asked and answered: standard
// input is a terminal.
func (s *IOStreams) CanPrompt() bool { return s.inTTY }

// ColorEnabled reports whether standard output may carry colour: it is a
// terminal and NO_COLOR is not set.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.noColor }
