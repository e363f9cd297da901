package cmd_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts/store"
	"github.com/rogpeppe/go-internal/testscript"
)

// startTimeout bounds the wait for a server to say where it listens. It
// is generous for a loaded CI machine; a healthy start takes milliseconds.
const startTimeout = time.Minute

// listening matches the line `contacts serve` prints once it listens.
var listening = regexp.MustCompile(`(?m)^contacts: listening on (http://\S+)$`)

// waitListen polls the log file of a `contacts serve` until it says, past
// byte from, where it listens, and returns that URL. It gives up after
// timeout, or as soon as exited is closed (the server stopped), with the
// log in the error.
func waitListen(path string, from int64, timeout time.Duration, exited <-chan struct{}) (string, error) {
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 20*time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if m := listening.FindSubmatch(b[min(from, int64(len(b))):]); m != nil {
			return string(m[1]), nil
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(path)
			return "", fmt.Errorf("contacts serve stopped before it listened:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("contacts serve did not say where it listens within %v:\n%s", timeout, b)
		}
		time.Sleep(delay)
	}
}

// waitlisten FILE NAME waits until the `contacts serve` whose standard
// error goes to FILE says where it listens, and sets $NAME to its URL.
func cmdWaitListen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitlisten FILE NAME")
	}
	url, err := waitListen(ts.MkAbs(args[0]), 0, startTimeout, nil)
	ts.Check(err)
	ts.Setenv(args[1], url)
}

// makeKey makes company's book in dir, as `contacts keys create` does,
// and returns a new key's secret.
func makeKey(dir, company string) (string, error) {
	path, err := store.Path(dir, company)
	if err != nil {
		return "", err
	}
	db, err := store.Open(context.Background(), path, store.Options{Create: true})
	if err != nil {
		return "", err
	}
	defer db.Close()
	_, secret, err := db.CreateKey(context.Background(), "testscript")
	return secret, err
}

// server is a `contacts serve` process on a free loopback port.
type server struct {
	url    string
	log    string // the file its standard error is appended to
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// startContactsServe starts `contacts serve --addr 127.0.0.1:0` over the
// books in dataDir, with env, its output appended to the file logPath, and
// waits until it listens. The binary is this test binary, which
// testscript.Main put on PATH as "contacts".
func startContactsServe(env []string, dataDir, logPath string) (*server, error) {
	bin, err := exec.LookPath("contacts")
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	from, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	s := &server{log: logPath, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	if s.url, err = waitListen(logPath, from, startTimeout, s.exited); err != nil {
		s.cmd.Process.Kill()
		<-s.exited
		return nil, err
	}
	return s, nil
}

// startServe is startContactsServe for a test, which fails if the server
// does not start. The server is killed when the test ends.
func startServe(t *testing.T, env []string, dataDir, logPath string) *server {
	t.Helper()
	s, err := startContactsServe(env, dataDir, logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.exited
	})
	return s
}

// serveInFlight starts `contacts serve` over a data directory with acme's
// book and sends it, with acme's key, a POST of a body of length bytes
// of which only head is sent: the request is in flight once the server
// has answered "100 Continue" (Expect: 100-continue), which serveInFlight
// waits for. It returns the server, the key, and the request's connection
// with its reader.
func serveInFlight(t *testing.T, length int, head string) (*server, string, net.Conn, *bufio.Reader) {
	t.Helper()
	dir := t.TempDir()
	books := filepath.Join(dir, "books")
	secret, err := makeKey(books, "acme")
	if err != nil {
		t.Fatal(err)
	}
	s := startServe(t, processEnv(dir), books, filepath.Join(dir, "serve.log"))
	host := strings.TrimPrefix(s.url, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(startTimeout))
	fmt.Fprintf(conn, "POST /api/v1/contacts HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n%s", host, secret, length, head)
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the blank line after 100 Continue
		t.Fatal(err)
	}
	return s, secret, conn, br
}

// stop sends SIGTERM and waits for the server to exit; it must exit 0.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.exited:
	case <-time.After(startTimeout):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("contacts serve did not stop within %v of SIGTERM", startTimeout)
	}
	if s.err != nil {
		b, _ := os.ReadFile(s.log)
		return fmt.Errorf("contacts serve: %v after SIGTERM, want exit 0:\n%s", s.err, b)
	}
	return nil
}

// startServer is TestScriptClient's Setup: a `contacts serve` for this
// script, with a key of the company "default", which the CLI then uses.
func startServer(env *testscript.Env) error {
	dir := filepath.Join(env.WorkDir, "server")
	secret, err := makeKey(dir, "default")
	if err != nil {
		return err
	}
	s, err := startContactsServe(env.Vars, dir, filepath.Join(env.WorkDir, "server.log"))
	if err != nil {
		return err
	}
	env.Setenv("CONTACTS_SERVER", s.url)
	env.Setenv("CONTACTS_API_KEY", secret)
	env.Defer(func() {
		if err := s.stop(); err != nil {
			env.T().Fatal(err)
		}
	})
	return nil
}

// TestServeGracefulShutdown stops a real `contacts serve` with SIGTERM
// while a request is in flight: the request is answered in full, and the
// server then exits 0 (not 130: a stop on request is a success).
func TestServeGracefulShutdown(t *testing.T) {
	// A POST whose body is still on its way.
	body := `{"phone": "+4520123456", "name": "In Flight"}`
	half := len(body) / 2
	s, secret, conn, br := serveInFlight(t, len(body), body[:half])
	host := strings.TrimPrefix(s.url, "http://")

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The shutdown has begun when new connections are refused.
	for deadline := time.Now().Add(startTimeout); ; time.Sleep(5 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still takes connections after SIGTERM")
		}
	}
	select {
	case <-s.exited:
		t.Fatalf("the server exited with a request in flight: %v", s.err)
	default:
	}

	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(got), `"name":"In Flight"`) {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, got)
	}

	select {
	case <-s.exited:
	case <-time.After(startTimeout):
		t.Fatal("the server did not exit after its last request")
	}
	log, _ := os.ReadFile(s.log)
	if s.err != nil {
		t.Fatalf("contacts serve: %v, want exit 0; log:\n%s", s.err, log)
	}
	for _, want := range []string{" POST /api/v1/contacts 201 ", "contacts: shut down\n"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(string(log), secret) {
		t.Errorf("the key is in the log:\n%s", log)
	}
}

// testCurl is a stand-in for curl, for machines without it: the options
// the API's published curl examples use (-X, -H, -d, plus -s, -S), with the output that
// serve.txtar's .curlrc gives the real curl: the body on standard output,
// then "HTTP <status> <content type>" on standard error.
func testCurl(args []string) int {
	method, url := "", ""
	var headers []string
	var data *string
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() string {
			if i+1 >= len(args) {
				fmt.Fprintf(os.Stderr, "curl: option %s: needs a value\n", a)
				os.Exit(2)
			}
			i++
			return args[i]
		}
		switch a {
		case "-s", "--silent", "-S", "--show-error":
		case "-X", "--request":
			method = value()
		case "-H", "--header":
			headers = append(headers, value())
		case "-d", "--data", "--data-raw":
			d := value()
			if data != nil {
				d = *data + "&" + d // as curl joins several -d
			}
			data = &d
		default:
			if strings.HasPrefix(a, "-") || url != "" {
				fmt.Fprintf(os.Stderr, "testcurl: unsupported argument %q\n", a)
				return 2
			}
			url = a
		}
	}
	var body io.Reader
	if data != nil {
		body = strings.NewReader(*data)
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		fmt.Fprintf(os.Stderr, "curl: (3) %v\n", err)
		return 3
	}
	req.Header.Set("User-Agent", "testcurl")
	req.Header.Set("Accept", "*/*")
	if data != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // curl's default for -d
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "curl: (7) %v\n", err)
		return 7
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		fmt.Fprintf(os.Stderr, "curl: (56) %v\n", err)
		return 56
	}
	fmt.Fprintf(os.Stderr, "HTTP %d %s\n", resp.StatusCode, resp.Header.Get("Content-Type"))
	return 0
}
