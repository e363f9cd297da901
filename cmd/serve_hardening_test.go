package cmd_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// The second round of the server's hardening, against the real `contacts
// serve` (docs/RELIABILITY.md, "Hardening, round two: the server").

// TestServeBoundedUnderFileLimit runs `contacts serve` with at most 512
// open files (ulimit -n 512), over 400 books: wrong keys naming every one
// of them are all refused (401), and a good key is still answered (200),
// where the server used to open every book a wrong key named (four files
// each, and a -wal and a -shm made) until accept and open failed with
// "too many open files" and it answered 500 to everyone. Then good keys of
// 100 companies, from 8 clients at once: every one is answered, while the
// server keeps only as many books open as its descriptors allow.
func TestServeBoundedUnderFileLimit(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the open-file limit with")
	}
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	good, err := makeKey(data, "acme")
	if err != nil {
		t.Fatal(err)
	}
	template, err := os.ReadFile(filepath.Join(data, "acme.db"))
	if err != nil {
		t.Fatal(err)
	}
	const wrongBooks, goodBooks = 400, 100
	for i := range wrongBooks {
		if err := os.WriteFile(filepath.Join(data, fmt.Sprintf("co%d.db", i)), template, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	goodKeys := map[string]string{}
	for i := range goodBooks {
		company := fmt.Sprintf("good%d", i)
		path, _ := store.Path(data, company)
		if err := os.WriteFile(path, template, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, goodKeys[company], err = db.CreateKey(ctx, "test"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}

	logPath := filepath.Join(dir, "serve.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	srv := exec.Command("sh", "-c", `ulimit -n 512 && exec "$0" serve --addr 127.0.0.1:0 --data-dir "$1"`, hardenBin(t), data)
	srv.Env = processEnv(dir)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { srv.Wait(); close(exited) }()
	t.Cleanup(func() { srv.Process.Kill(); <-exited })
	url, err := waitListen(logPath, 0, startTimeout, exited)
	if err != nil {
		t.Fatal(err)
	}

	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	status := func(key string) (int, error) {
		req, _ := http.NewRequest("GET", url+"/api/v1/contacts", nil)
		req.Header.Set("X-Api-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	// run sends each key from 8 clients at once and reports every answer
	// that is not want.
	run := func(keys []string, want int) {
		t.Helper()
		work := make(chan string)
		var mu sync.Mutex
		var bad []string
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for key := range work {
					got, err := status(key)
					if err != nil || got != want {
						company, _ := contacts.APIKeyCompany(key)
						mu.Lock()
						bad = append(bad, fmt.Sprintf("%s: %d %v", company, got, err))
						mu.Unlock()
					}
				}
			}()
		}
		for _, k := range keys {
			work <- k
		}
		close(work)
		wg.Wait()
		if len(bad) > 0 {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("%d of %d answers were not %d, e.g. %s\nserver log (end):\n%s", len(bad), len(keys), want, bad[0], tail(b, 2000))
		}
	}

	var wrong []string
	for i := range wrongBooks {
		k, _ := contacts.NewAPIKeySecret(fmt.Sprintf("co%d", i))
		wrong = append(wrong, k)
	}
	run(wrong, http.StatusUnauthorized)
	if got, err := status(good); got != http.StatusOK {
		t.Fatalf("a good key after %d companies of wrong keys: %d %v", wrongBooks, got, err)
	}
	entries, _ := os.ReadDir(data)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "co") && !strings.HasSuffix(e.Name(), ".db") {
			t.Errorf("a wrong key made %s", e.Name())
		}
	}
	var goods []string
	for round := range 2 {
		for i := range goodBooks {
			goods = append(goods, goodKeys[fmt.Sprintf("good%d", (i*7+round)%goodBooks)])
		}
	}
	run(goods, http.StatusOK)
	if got, err := status(good); got != http.StatusOK {
		t.Fatalf("a good key after %d companies of good keys: %d %v", goodBooks, got, err)
	}
	b, _ := os.ReadFile(logPath)
	if strings.Contains(string(b), "too many open files") {
		t.Errorf("the server ran out of descriptors:\n%s", tail(b, 2000))
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("contacts serve did not stop within 30 s of SIGTERM")
	}
	if code := srv.ProcessState.ExitCode(); code != 0 {
		t.Errorf("contacts serve exited %d after SIGTERM, want 0:\n%s", code, tail(b, 2000))
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// TestServeDataDirRefused: `contacts serve` over a data directory that is
// not one (/dev/null, a file, a path that does not exist) refuses to start,
// exit 2, naming the path, rather than serving 401 to every request.
func TestServeDataDirRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, why string }{
		{"/dev/null", "is not a directory"},
		{file, "is not a directory"},
		{filepath.Join(dir, "missing"), "does not exist"},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			c := exec.CommandContext(ctx, hardenBin(t), "serve", "--addr", "127.0.0.1:0", "--data-dir", tc.dir)
			c.Env = processEnv(dir)
			out, err := c.CombinedOutput()
			var ee *exec.ExitError
			if ctx.Err() != nil || !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("%v (context %v), want exit 2:\n%s", err, ctx.Err(), out)
			}
			if want := "contacts: data directory " + tc.dir + " " + tc.why; !strings.HasPrefix(string(out), want) {
				t.Errorf("stderr %q, want it to start with %q", out, want)
			}
			if strings.Contains(string(out), "listening") {
				t.Errorf("it listened: %s", out)
			}
		})
	}
}
