package cmd

import (
	"context"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// How a command stops on SIGINT or SIGTERM.
//
// The first signal cancels the command's context: a command that watches
// it (an import, a listing, serve) stops cleanly and exits with the
// signal's status, 130 for SIGINT and 143 for SIGTERM. A command blocked
// where it cannot watch it (reading a pipe that stays open, opening a
// FIFO, waiting for a prompt's answer) is stopped anyway once the grace
// period has passed, and a second signal stops any command at once. Data
// is safe either way: every write is one SQLite transaction, and what a
// stopped import leaves behind the next import removes.

// signalGrace is how long a command has, after the first signal, to stop
// by itself before it is stopped.
const signalGrace = 2 * time.Second

// signalError is the cause of a context cancelled by a signal. It is a
// context.Canceled, so that every error path that knows cancellation
// knows it.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted" }

func (e *signalError) Is(target error) bool { return target == context.Canceled }

// signalStatus is the exit status after sig: 128 + the signal's number, as
// a shell reports a process that the signal ended.
func signalStatus(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// signalHandler turns SIGINT and SIGTERM into the stop described above.
// Its methods are safe on a nil handler, which does nothing: Run called
// in-process (by tests) has none.
type signalHandler struct {
	cancel context.CancelCauseFunc
	errOut io.Writer
	exit   func(int) // os.Exit

	mu      sync.Mutex
	grace   time.Duration
	holds   int       // editors running: SIGINT is theirs
	got     os.Signal // the first signal, nil before it
	timer   *time.Timer
	claimed bool // the final error is being printed: by Run or by a stop
	json    bool // errors are JSON
}

type signalKey struct{}

// handleSignals starts turning SIGINT and SIGTERM into the stop of the
// command run with the returned context.
func handleSignals(parent context.Context, errOut io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	h := &signalHandler{cancel: cancel, errOut: errOut, exit: os.Exit, grace: signalGrace}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for sig := range ch {
			h.signal(sig)
		}
	}()
	return context.WithValue(ctx, signalKey{}, h), func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// signalsOf returns the handler of ctx, nil when there is none.
func signalsOf(ctx context.Context) *signalHandler {
	h, _ := ctx.Value(signalKey{}).(*signalHandler)
	return h
}

// signal handles one signal.
func (h *signalHandler) signal(sig os.Signal) {
	h.mu.Lock()
	if h.got == nil {
		if sig == os.Interrupt && h.holds > 0 {
			// The editor has the terminal, and the user's ^C is for it,
			// as git leaves it to the editor it runs.
			h.mu.Unlock()
			return
		}
		h.got = sig
		if h.holds == 0 {
			h.startTimerLocked()
		}
		h.mu.Unlock()
		h.cancel(&signalError{sig})
		return
	}
	h.mu.Unlock()
	h.stop(sig, true)
}

// startTimerLocked starts the grace period of the first signal.
func (h *signalHandler) startTimerLocked() {
	sig := h.got
	h.timer = time.AfterFunc(h.grace, func() { h.stop(sig, false) })
}

// stop ends the process with sig's status, printing the error first unless
// Run is already printing its own; a second signal ends it even then.
func (h *signalHandler) stop(sig os.Signal, second bool) {
	h.mu.Lock()
	if h.claimed {
		h.mu.Unlock()
		if second {
			h.exit(signalStatus(sig))
		}
		return
	}
	h.claimed = true
	asJSON := h.json
	h.mu.Unlock()
	printError(h.errOut, &signalError{sig}, asJSON)
	h.exit(signalStatus(sig))
}

// claim is called by Run once the command has returned, before it prints
// its error: it reports false when a stop is already printing and ending
// the process.
func (h *signalHandler) claim() bool {
	if h == nil {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.claimed {
		return false
	}
	h.claimed = true
	if h.timer != nil {
		h.timer.Stop()
	}
	return true
}

// setJSON says whether an error is to be printed as JSON.
func (h *signalHandler) setJSON(asJSON bool) {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.json = asJSON
	h.mu.Unlock()
}

// setGrace gives the command d to stop by itself after the first signal:
// serve, which lets requests in flight finish, needs longer than most.
func (h *signalHandler) setGrace(d time.Duration) {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.grace = d
	if h.timer != nil {
		h.timer.Reset(d)
	}
	h.mu.Unlock()
}

// holdInterrupt leaves SIGINT to a program that has the terminal (the
// user's editor) until the returned function is called. SIGTERM still
// cancels the command, but its grace period starts only when the program
// has ended, so that the command cleans up after it (edit removes the
// file it edited, and rescues the user's text); a second signal stops it
// at once.
func (h *signalHandler) holdInterrupt() (release func()) {
	if h == nil {
		return func() {}
	}
	h.mu.Lock()
	h.holds++
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.holds--
		if h.holds == 0 && h.got != nil && h.timer == nil && !h.claimed {
			h.startTimerLocked()
		}
		h.mu.Unlock()
	}
}

// interruptedBy returns the signal that cancelled ctx, nil when none did.
func interruptedBy(ctx context.Context) *signalError {
	se, _ := context.Cause(ctx).(*signalError)
	return se
}
