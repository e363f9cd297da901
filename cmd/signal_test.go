package cmd_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts/cmd"
)

// exitDeadline bounds every wait for a contacts process in these tests: a
// stop takes milliseconds plus the grace period (2 s), so only a process
// that ignores its signals comes near it.
const exitDeadline = 2 * time.Minute

// waitFor polls cond every few milliseconds until it holds, or fails the
// test after exitDeadline, saying what it waited for.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(exitDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", exitDeadline, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// blockedReading reports whether one of the threads of process pid sleeps
// in the kernel reading a pipe or opening a FIFO, as /proc/PID/task/*/wchan
// tells (pipe_read, anon_pipe_read, pipe_wait, wait_for_partner).
func blockedReading(pid int) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, p := range tasks {
		b, _ := os.ReadFile(p)
		if w := string(b); strings.Contains(w, "pipe") || strings.Contains(w, "partner") || strings.Contains(w, "fifo") {
			return true
		}
	}
	return false
}

// exitStatus waits up to exitDeadline for the process to end and returns
// its exit status; a process that is still running is killed, and the test
// fails.
func exitStatus(t *testing.T, c *exec.Cmd, done <-chan error, what string) int {
	t.Helper()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("%s: killed by %v, not an exit", what, ws.Signal())
			}
			return ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return 0
	case <-time.After(exitDeadline):
		c.Process.Kill()
		<-done
		t.Fatalf("%s: still running %v after the signal", what, exitDeadline)
	}
	return -1
}

// TestSignalStopsBlockedCommand: SIGTERM (exit 143) and SIGINT (130) stop
// a command wherever it is, even blocked where it does not watch for them:
// reading a note from a standard input that never ends, opening a FIFO
// that no one writes, waiting for the next number of `lookup -`. The error
// is one line, or one JSON object with -o json. Nothing is written.
func TestSignalStopsBlockedCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the test sees a blocked read in /proc")
	}
	bin := hardenBin(t)
	for _, tc := range []struct {
		name string
		args []string
		// ready waits until the process is where the test wants it:
		// blocked on its standard input or on a FIFO, or past its first
		// answer.
		ready func(t *testing.T, c *exec.Cmd, stdin io.Writer, out *cmd.SyncBuffer)
		json  bool
	}{
		{name: "NoteFromStdin", args: []string{"add", "--phone", "+4526000001", "--note-file", "-"}},
		{name: "NoteFromStdinJSON", args: []string{"add", "--phone", "+4526000001", "--note-file", "-", "-o", "json"}, json: true},
		{name: "NoteFromFIFO", args: []string{"add", "--phone", "+4526000001", "--note-file", "FIFO"}},
		{name: "LookupStream", args: []string{"lookup", "-"}, ready: func(t *testing.T, c *exec.Cmd, stdin io.Writer, out *cmd.SyncBuffer) {
			io.WriteString(stdin, "+4526000001\n")
			waitFor(t, "the first answer of lookup -", func() bool { return strings.Contains(out.String(), "+4526000001") })
		}},
	} {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				args := append([]string(nil), tc.args...)
				for i, a := range args {
					if a == "FIFO" {
						args[i] = filepath.Join(dir, "note.fifo")
						if err := syscall.Mkfifo(args[i], 0o600); err != nil {
							t.Fatal(err)
						}
					}
				}
				c := exec.Command(bin, args...)
				c.Env = processEnv(dir)
				stdin, err := c.StdinPipe() // never closed: a read waits for ever
				if err != nil {
					t.Fatal(err)
				}
				defer stdin.Close()
				var out, errOut cmd.SyncBuffer
				c.Stdout, c.Stderr = &out, &errOut
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- c.Wait() }()
				if tc.ready != nil {
					tc.ready(t, c, stdin, &out)
				} else {
					waitFor(t, "the process to block reading", func() bool { return blockedReading(c.Process.Pid) })
				}
				if err := c.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				want := map[syscall.Signal]int{syscall.SIGTERM: 143, syscall.SIGINT: 130}[sig]
				if got := exitStatus(t, c, done, strings.Join(tc.args, " ")); got != want {
					t.Fatalf("exit %d after %v, want %d; stderr: %q", got, sig, want, errOut.String())
				}
				wantErr := "contacts: interrupted\n"
				if tc.json {
					wantErr = `{"error":{"code":"internal","field":null,"message":"interrupted"}}` + "\n"
				}
				if got := errOut.String(); got != wantErr {
					t.Errorf("stderr %q, want %q", got, wantErr)
				}
				if _, err := os.Stat(filepath.Join(dir, "share", "contacts", "default.db")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a book was made: %v", err)
				}
			})
		}
	}
}

// TestSignalSecondStopsServe: serve lets requests in flight finish after a
// signal (TestServeGracefulShutdown), but a second signal stops it at once,
// with the status of a signal, while a request still waits for its body.
func TestSignalSecondStopsServe(t *testing.T) {
	// A request in flight: the handler reads a body that does not come.
	s, _, _, _ := serveInFlight(t, 100, "{")

	// Two different signals, so that the kernel cannot merge them into
	// one: the first starts the shutdown, which would wait for the
	// request; the second ends the process. Either may be handled first.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(exitDeadline):
		t.Fatalf("contacts serve still runs %v after a second signal", exitDeadline)
	}
	var ee *exec.ExitError
	log, _ := os.ReadFile(s.log)
	if !errors.As(s.err, &ee) || ee.ExitCode() != 130 && ee.ExitCode() != 143 {
		t.Fatalf("contacts serve: %v after two signals, want exit 130 or 143; log:\n%s", s.err, log)
	}
	if !strings.HasSuffix(string(log), "contacts: interrupted\n") {
		t.Errorf("the log does not end with the interruption:\n%s", log)
	}
}

// TestSignalStopsImport: an import stopped by SIGTERM exits 143, by SIGINT
// 130, and leaves the book as it was: its transaction is never committed.
// The rows come from a standard input that stops in the middle of the file
// and never ends, so the import is surely under way, and cannot finish,
// when the signal comes.
func TestSignalStopsImport(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the test sees a blocked read in /proc")
	}
	bin := hardenBin(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := processEnv(dir)
			add := exec.Command(bin, "add", "--phone", "+4520123456", "--name", "Before")
			add.Env = env
			if out, err := add.CombinedOutput(); err != nil {
				t.Fatalf("add: %v\n%s", err, out)
			}
			book := filepath.Join(dir, "share", "contacts", "default.db")

			c := exec.Command(bin, "import", "--format", "csv", "-")
			c.Env = env
			stdin, err := c.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var errOut cmd.SyncBuffer
			c.Stderr = &errOut
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			var rows strings.Builder
			rows.WriteString("name,phone\n")
			for i := range 1000 { // several batches
				fmt.Fprintf(&rows, "Row %d,%s\n", i, importPhone(0, 1000, i))
			}
			if _, err := io.WriteString(stdin, rows.String()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the import to wait for more rows", func() bool { return blockedReading(c.Process.Pid) })
			if err := c.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			want := map[syscall.Signal]int{syscall.SIGTERM: 143, syscall.SIGINT: 130}[sig]
			if got := exitStatus(t, c, done, "import -"); got != want {
				t.Fatalf("exit %d after %v, want %d; stderr: %q", got, sig, want, errOut.String())
			}
			if !strings.HasSuffix(errOut.String(), "contacts: interrupted\n") {
				t.Errorf("stderr %q", errOut.String())
			}
			if s := inspectBook(t, book); s.integrity != "ok" || s.count != 1 {
				t.Errorf("after the stopped import: integrity %q, %d contacts, want ok and 1", s.integrity, s.count)
			}
		})
	}
}
