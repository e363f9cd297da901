package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts/internal/editor"
)

// testHandler is a signal handler whose exit is recorded, not done.
func testHandler(grace time.Duration) (*signalHandler, context.Context, chan int, *syncBuffer) {
	ctx, cancel := context.WithCancelCause(context.Background())
	exits := make(chan int, 4)
	buf := &syncBuffer{}
	h := &signalHandler{cancel: cancel, errOut: buf, exit: func(code int) { exits <- code }, grace: grace}
	return h, ctx, exits, buf
}

// wantExit waits for the handler to exit (the grace period may run first).
func wantExit(t *testing.T, exits chan int, want int) {
	t.Helper()
	select {
	case got := <-exits:
		if got != want {
			t.Fatalf("exit %d, want %d", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit, want %d", want)
	}
}

func noExit(t *testing.T, exits chan int) {
	t.Helper()
	select {
	case got := <-exits:
		t.Fatalf("exit %d, want none", got)
	default:
	}
}

func TestSignalHandler(t *testing.T) {
	t.Run("FirstCancelsThenGraceExits", func(t *testing.T) {
		h, ctx, exits, buf := testHandler(0)
		h.signal(syscall.SIGTERM)
		if se := interruptedBy(ctx); se == nil || se.sig != syscall.SIGTERM || !errors.Is(context.Cause(ctx), context.Canceled) {
			t.Fatalf("cause %v, want SIGTERM, a context.Canceled", context.Cause(ctx))
		}
		wantExit(t, exits, 143)
		if got := buf.String(); got != "contacts: interrupted\n" {
			t.Errorf("printed %q", got)
		}
	})
	t.Run("SecondExitsAtOnce", func(t *testing.T) {
		h, ctx, exits, _ := testHandler(time.Hour)
		h.signal(os.Interrupt)
		if ctx.Err() == nil {
			t.Fatal("the first signal did not cancel")
		}
		noExit(t, exits)
		h.signal(syscall.SIGTERM)
		wantExit(t, exits, 143) // the status of the signal that ended it
	})
	t.Run("JSON", func(t *testing.T) {
		h, _, exits, buf := testHandler(0)
		h.setJSON(true)
		h.signal(os.Interrupt)
		wantExit(t, exits, 130)
		if got := buf.String(); got != `{"error":{"code":"internal","field":null,"message":"interrupted"}}`+"\n" {
			t.Errorf("printed %q", got)
		}
	})
	t.Run("ClaimedByRun", func(t *testing.T) {
		// The command returned and Run prints its own error: the grace
		// period ends nothing, and prints nothing; a second signal still
		// ends the process (Run may be stuck writing), silently.
		h, _, exits, buf := testHandler(time.Hour)
		h.signal(syscall.SIGTERM)
		if !h.claim() {
			t.Fatal("claim refused before any stop")
		}
		h.signal(os.Interrupt)
		wantExit(t, exits, 130)
		if buf.String() != "" {
			t.Errorf("printed %q after Run claimed the error", buf.String())
		}
	})
	t.Run("StopClaimsFirst", func(t *testing.T) {
		h, _, exits, _ := testHandler(0)
		h.signal(syscall.SIGTERM)
		wantExit(t, exits, 143)
		if h.claim() {
			t.Fatal("Run may print after a stop has")
		}
	})
	t.Run("EditorHoldsInterrupt", func(t *testing.T) {
		h, ctx, exits, _ := testHandler(0)
		release := h.holdInterrupt()
		h.signal(os.Interrupt)
		if ctx.Err() != nil {
			t.Fatal("SIGINT cancelled the command while the editor has it")
		}
		h.signal(syscall.SIGTERM)
		if se := interruptedBy(ctx); se == nil || se.sig != syscall.SIGTERM {
			t.Fatalf("SIGTERM while the editor runs: cause %v", context.Cause(ctx))
		}
		h.mu.Lock()
		started := h.timer != nil
		h.mu.Unlock()
		if started {
			t.Fatal("the grace period started while the editor runs")
		}
		release()
		wantExit(t, exits, 143)
	})
	t.Run("Nil", func(t *testing.T) {
		var h *signalHandler
		h.setJSON(true)
		h.setGrace(time.Second)
		h.holdInterrupt()()
		if !h.claim() {
			t.Fatal("a nil handler refused the claim")
		}
	})
}

func TestExitCodeOfSignal(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&signalError{os.Interrupt}, 130},
		{&signalError{syscall.SIGTERM}, 143},
		{context.Canceled, 130},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestPrintInterrupted: a command stopped by a signal prints
// "interrupted", whatever wrapped the cancellation, but keeps the path of
// the rescue file that edit saved the user's text in.
func TestPrintInterrupted(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{context.Canceled, "contacts: interrupted\n"},
		{&signalError{syscall.SIGTERM}, "contacts: interrupted\n"},
		{fmt.Errorf("begin: %w", context.Canceled), "contacts: interrupted\n"},
		{&editor.RescueError{Err: context.Canceled, Path: "/tmp/contacts-edit-1.yaml"},
			"contacts: interrupted; your text is saved in /tmp/contacts-edit-1.yaml\n"},
	} {
		var b strings.Builder
		printError(&b, tc.err, false)
		if b.String() != tc.want {
			t.Errorf("%v: printed %q, want %q", tc.err, b.String(), tc.want)
		}
	}
}
