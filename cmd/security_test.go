package cmd_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
)

// The security review of `contacts serve` and of the CLI in client mode,
// against real processes (docs/RELIABILITY.md, "Server security"); the
// handler's own tests are in internal/httpapi/security_test.go.

// TestSecuritySlowlorisServe: a real `contacts serve`, with the timeouts it
// runs with in production, cuts off clients that send their headers
// slowly, and goes on answering others while 100 of them hang on.
func TestSecuritySlowlorisServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	key, err := makeKey(data, "acme")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "serve.log")
	srv := startServe(t, processEnv(dir), data, logPath)
	addr := strings.TrimPrefix(srv.url, "http://")

	type result struct {
		took time.Duration
		got  string
	}
	results := make(chan result, 100)
	start := time.Now()
	for range 100 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		go func() { // one header line every half second, forever
			fmt.Fprintf(conn, "GET /api/v1/contacts HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\n", addr, key)
			for i := 0; ; i++ {
				time.Sleep(500 * time.Millisecond)
				if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
					return
				}
			}
		}()
		go func() {
			// A generous bound, only so that a server that never cuts
			// them off fails the test rather than hangs it.
			conn.SetReadDeadline(time.Now().Add(httpapi.ReadHeaderTimeout + 2*time.Minute))
			b, _ := io.ReadAll(conn)
			results <- result{time.Since(start), string(b)}
		}()
	}
	// Meanwhile, an ordinary request is answered at once.
	req, _ := http.NewRequest("GET", srv.url+"/api/v1/contacts", nil)
	req.Header.Set("X-Api-Key", key)
	client := &http.Client{Timeout: 2 * time.Minute}
	before := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("an ordinary request while 100 slow clients hang on: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("an ordinary request while 100 slow clients hang on: %d after %v", resp.StatusCode, time.Since(before))
	}
	latest := time.Duration(0)
	for range 100 {
		r := <-results
		if r.took > httpapi.ReadHeaderTimeout+2*time.Minute {
			t.Errorf("a slow client was still connected after %v (ReadHeaderTimeout %v)", r.took, httpapi.ReadHeaderTimeout)
		}
		if strings.Contains(r.got, " 200 ") {
			t.Errorf("a request whose headers never ended was answered: %q", r.got)
		}
		latest = max(latest, r.took)
	}
	t.Logf("100 slowloris clients all cut off within %v (ReadHeaderTimeout %v)", latest.Round(time.Millisecond), httpapi.ReadHeaderTimeout)
	if b, _ := os.ReadFile(logPath); bytes.Contains(b, []byte(key[len("ck_acme_"):])) {
		t.Errorf("the key is in the server's log:\n%s", b)
	}
}

// TestSecurityClientNeverPrintsKey: the CLI in client mode never prints
// its API key, whether the server rejects it, cannot be reached, or
// answers an error, as text or JSON; nor does --help.
func TestSecurityClientNeverPrintsKey(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	good, err := makeKey(data, "acme")
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := contacts.NewAPIKeySecret("acme")
	srv := startServe(t, processEnv(dir), data, filepath.Join(dir, "serve.log"))
	bin := hardenBin(t)
	type run struct {
		args []string
		env  []string
		key  string
	}
	var runs []run
	for _, server := range []string{srv.url, "http://127.0.0.1:1"} {
		for _, key := range []string{good, forged, "not-a-key-" + good} {
			for _, args := range [][]string{
				{"list"}, {"add", "--phone", "+4520123456"}, {"add", "--phone", "x"}, {"show", "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
				{"lookup", "+4520123457"}, {"rm", "--yes", "+4520123457"}, {"edit", "+4520123457", "--name", "x"}, {"--help"}, {"list", "--help"},
			} {
				for _, viaFlag := range []bool{false, true} {
					for _, output := range []string{"table", "json"} {
						full := append(append([]string{}, args...), "-o", output, "--server", server)
						env := processEnv(dir)
						if viaFlag {
							full = append(full, "--api-key", key)
						} else {
							env = append(env, "CONTACTS_API_KEY="+key)
						}
						runs = append(runs, run{full, env, key})
					}
				}
			}
		}
	}
	// The runs are independent: a few at a time.
	work := make(chan run)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				c := exec.Command(bin, r.args...)
				c.Env = r.env
				out, _ := c.CombinedOutput()
				if bytes.Contains(out, []byte(r.key[len(r.key)-52:])) {
					t.Errorf("%q: the key is printed:\n%s", r.args, out)
				}
			}
		}()
	}
	for _, r := range runs {
		work <- r
	}
	close(work)
	wg.Wait()
	// The first add of a good key made the contact; the key worked.
	c := exec.Command(bin, "lookup", "+4520123456", "--server", srv.url)
	c.Env = processEnv(dir, "CONTACTS_API_KEY="+good)
	if out, err := c.CombinedOutput(); err != nil {
		t.Errorf("lookup through the server: %v\n%s", err, out)
	}
}
