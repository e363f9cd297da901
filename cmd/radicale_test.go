package cmd_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// radicale is a real CardDAV server for the sync tests: Debian's radicale,
// on a loopback port, with a storage folder of its own and one user,
// alice (password "secret"), who has one address book, /alice/book/.
// The tests talk to it through a reverse proxy, which counts requests,
// can refuse sync-collection (a server that offers no sync-token), and
// runs a hook before each request; the proxy's URL stays the same when
// radicale is killed and started again.
type radicale struct {
	t       *testing.T
	dir     string
	cmd     *exec.Cmd
	exited  chan struct{}
	proxy   *httptest.Server
	mu      sync.Mutex
	target  *url.URL
	counts  map[string]int // by method; "REPORT sync-collection", "REPORT multiget"
	bodies  []string       // the REPORT bodies sent
	noSync  bool
	onPut   func(r *http.Request) // before a PUT is forwarded
	direct  *http.Client
	logFile string
	// upstream is the time spent waiting for radicale's answers.
	upstream time.Duration
}

const radicaleBook = "/alice/book/"

func startRadicale(t *testing.T) *radicale {
	t.Helper()
	if _, err := exec.LookPath("radicale"); err != nil {
		t.Skip("radicale is not installed: scripts/test-deps.sh installs it (apt-get install radicale)")
	}
	dir := t.TempDir()
	book := filepath.Join(dir, "collections", "collection-root", "alice", "book")
	if err := os.MkdirAll(book, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(book, ".Radicale.props"), `{"tag": "VADDRESSBOOK", "D:displayname": "Alice's book"}`)
	write(filepath.Join(dir, "users"), "alice:secret\n")
	r := &radicale{t: t, dir: dir, counts: map[string]int{}, direct: &http.Client{Timeout: time.Minute}, logFile: filepath.Join(dir, "radicale.log")}
	r.start()
	r.proxy = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		r.proxy.Close()
		r.kill()
	})
	return r
}

// start starts radicale on a free loopback port and waits until it
// answers. Radicale cannot be given port 0: a port is picked by listening
// on one and closing it, and another is tried if radicale cannot have it.
func (r *radicale) start() {
	t := r.t
	for try := 0; try < 10; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		conf := filepath.Join(r.dir, "config")
		err = os.WriteFile(conf, []byte(fmt.Sprintf(`[server]
hosts = %s
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0
[storage]
filesystem_folder = %s
[rights]
type = owner_only
[web]
type = none
[logging]
level = warning
`, addr, filepath.Join(r.dir, "users"), filepath.Join(r.dir, "collections"))), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		log, err := os.OpenFile(r.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("radicale", "--config", conf)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); log.Close(); close(exited) }()
		target, _ := url.Parse("http://" + addr)
		if r.waitReady(target, exited) {
			r.mu.Lock()
			r.cmd, r.exited, r.target = cmd, exited, target
			r.mu.Unlock()
			return
		}
		cmd.Process.Kill()
		<-exited
	}
	b, _ := os.ReadFile(r.logFile)
	t.Fatalf("radicale did not start:\n%s", b)
}

// waitReady polls the server until it answers, it exits, or 30 s pass.
func (r *radicale) waitReady(target *url.URL, exited chan struct{}) bool {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		req, _ := http.NewRequest("PROPFIND", target.String()+radicaleBook, nil)
		req.SetBasicAuth("alice", "secret")
		req.Header.Set("Depth", "0")
		if resp, err := r.direct.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusMultiStatus {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// kill stops radicale (SIGKILL) and waits for it to be gone.
func (r *radicale) kill() {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.cmd = nil
	r.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		<-exited
	}
}

func (r *radicale) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	target := r.target
	what := req.Method
	if req.Method == "REPORT" {
		switch {
		case bytes.Contains(body, []byte("sync-collection")):
			what += " sync-collection"
		case bytes.Contains(body, []byte("addressbook-multiget")):
			what += " multiget"
		}
		r.bodies = append(r.bodies, string(body))
	}
	r.counts[what]++
	r.counts["all"]++
	refuse := r.noSync && what == "REPORT sync-collection"
	hook := r.onPut
	r.mu.Unlock()
	if refuse {
		http.Error(w, "sync-collection is not supported here", http.StatusForbidden)
		return
	}
	if req.Method == http.MethodPut && hook != nil {
		hook(req)
	}
	r.mu.Lock()
	target = r.target
	alive := r.cmd != nil
	r.mu.Unlock()
	if !alive {
		// As a server that is down: the connection is dropped.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	p := httputil.NewSingleHostReverseProxy(target)
	start := time.Now()
	p.ServeHTTP(w, req)
	r.mu.Lock()
	r.upstream += time.Since(start)
	r.mu.Unlock()
}

// URL is the address book's URL, through the proxy.
func (r *radicale) URL() string { return r.proxy.URL + radicaleBook }

// reset forgets the counts.
func (r *radicale) reset() {
	r.mu.Lock()
	r.counts = map[string]int{}
	r.bodies = nil
	r.upstream = 0
	r.mu.Unlock()
}

func (r *radicale) count(what string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[what]
}

// do sends a request straight to radicale (not through the proxy).
func (r *radicale) do(method, href string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	r.t.Helper()
	r.mu.Lock()
	target := r.target
	r.mu.Unlock()
	req, err := http.NewRequestWithContext(context.Background(), method, target.String()+href, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.SetBasicAuth("alice", "secret")
	if body != nil {
		req.Header.Set("Content-Type", "text/vcard")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := r.direct.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// put stores a card on the server, as a phone would.
func (r *radicale) put(name, text string) {
	r.t.Helper()
	resp, b := r.do(http.MethodPut, radicaleBook+name, []byte(crlfText(text)), nil)
	if resp.StatusCode/100 != 2 {
		r.t.Fatalf("PUT %s: %s: %s", name, resp.Status, b)
	}
}

// get returns a card's text on the server, "" when it has none.
func (r *radicale) get(name string) string {
	r.t.Helper()
	resp, b := r.do(http.MethodGet, radicaleBook+name, nil, nil)
	if resp.StatusCode == http.StatusNotFound {
		return ""
	}
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: %s", name, resp.Status)
	}
	return string(b)
}

// remove deletes a card on the server.
func (r *radicale) remove(name string) {
	r.t.Helper()
	resp, b := r.do(http.MethodDelete, radicaleBook+name, nil, nil)
	if resp.StatusCode/100 != 2 {
		r.t.Fatalf("DELETE %s: %s: %s", name, resp.Status, b)
	}
}

// cards lists the names of the cards on the server.
func (r *radicale) cards() []string {
	r.t.Helper()
	entries, err := os.ReadDir(filepath.Join(r.dir, "collections", "collection-root", "alice", "book"))
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// crlfText gives a card CRLF line ends.
func crlfText(s string) string {
	s = strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
