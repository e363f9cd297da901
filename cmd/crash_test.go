package cmd_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash-safety tests (docs/RELIABILITY.md, "Crash safety"): real
// `contacts` processes killed with SIGKILL at random points. The quick
// versions run in `make test`; `make soak` (-soak) runs the long ones.

// hardenBin is the contacts binary: this test binary, which
// testscript.Main put on PATH as "contacts".
func hardenBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("contacts")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// processEnv is an environment for contacts processes: this process's,
// without CONTACTS_ settings, with HOME and the XDG directories in dir.
func processEnv(dir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONTACTS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "share"))
	return append(env, extra...)
}

// bookState is what a crash leaves: the result of PRAGMA integrity_check,
// and the contacts of the book.
type bookState struct {
	integrity string
	count     int
	dupPhones int
}

// inspectBook opens a book read-only with database/sql, as an outsider
// (not through the store), and reads its state. A book that does not
// exist has count -1.
func inspectBook(t *testing.T, path string) bookState {
	t.Helper()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return bookState{integrity: "ok", count: -1}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s bookState
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&s.integrity); err != nil {
		t.Fatalf("integrity_check of %s: %v", path, err)
	}
	if err := db.QueryRow(`SELECT count(*), count(*) - count(DISTINCT phone) FROM contacts`).Scan(&s.count, &s.dupPhones); err != nil {
		t.Fatalf("count the contacts of %s: %v", path, err)
	}
	return s
}

// importPhone is the phone number of row i of generation gen of the
// import files: Danish numbers +45 26…, all valid and distinct.
func importPhone(gen, rows, i int) string {
	return fmt.Sprintf("+45%08d", 26_000_000+gen*rows+i)
}

// writeImportCSV writes the import file of generation gen: rows contacts.
func writeImportCSV(t *testing.T, path string, gen, rows int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("name,phone,email,company,note\n")
	for i := range rows {
		fmt.Fprintf(&b, "Gen%d Person%d,%s,p%d.g%d@example.com,Crash Test ApS,\"row %d of generation %d, with a note\nover two lines\"\n",
			gen, i, importPhone(gen, rows, i), i, gen, i, gen)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runKilled starts a contacts process and kills it with SIGKILL after
// delay, unless it ends first. It reports whether it was killed, and the
// exit error and output of one that ended by itself.
func runKilled(t *testing.T, c *exec.Cmd, delay time.Duration) (killed bool, err error, out string) {
	t.Helper()
	var buf bytes.Buffer
	c.Stdout, c.Stderr = &buf, &buf
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		return false, err, buf.String()
	case <-time.After(delay):
	}
	c.Process.Signal(syscall.SIGKILL)
	err = <-done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, nil, buf.String()
		}
	}
	return false, err, buf.String() // it ended just before the signal
}

// TestCrashImport kills `contacts import` of a large CSV into an existing
// book with SIGKILL at random points, again and again on the same book:
// after every kill the book passes PRAGMA integrity_check and holds either
// none or all of the import's rows, and at the end an import runs to
// completion on it. Quick: 4 kills of 10,000-row imports; -soak: 20 kills
// of 100,000-row imports.
func TestCrashImport(t *testing.T) {
	kills, rows := 4, 10_000
	if *soak {
		kills, rows = 20, 100_000
	}
	bin := hardenBin(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	path := filepath.Join(data, "acme.db")
	bookWith(t, path, 1) // one contact already there
	env := processEnv(dir)
	csv := filepath.Join(dir, "import.csv")
	importCmd := func() *exec.Cmd {
		c := exec.Command(bin, "import", csv, "--data-dir", data, "--company", "acme", "-o", "json")
		c.Env = env
		return c
	}

	before, gen := 1, 0
	writeImportCSV(t, csv, gen, rows)
	// The first import runs to the end: it shows the file imports whole,
	// and how long an import takes, over which the kills are spread.
	start := time.Now()
	if killed, err, out := runKilled(t, importCmd(), time.Hour); killed || err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	took := time.Since(start)
	if s := inspectBook(t, path); s.integrity != "ok" || s.count != before+rows {
		t.Fatalf("after a whole import: %+v, want %d contacts", s, before+rows)
	}
	before += rows
	gen++
	writeImportCSV(t, csv, gen, rows)
	t.Logf("an import of %d rows takes %v; killing %d imports at random points within 1.1 times that", rows, took.Round(time.Millisecond), kills)

	outcomes := map[string]int{}
	for killed := 0; killed < kills; {
		delay := time.Duration(float64(took) * (0.02 + 1.08*rand.Float64()))
		wasKilled, err, out := runKilled(t, importCmd(), delay)
		s := inspectBook(t, path)
		if s.integrity != "ok" || s.dupPhones != 0 {
			t.Fatalf("after a kill at %v: integrity_check %q, %d duplicate phones", delay, s.integrity, s.dupPhones)
		}
		switch {
		case !wasKilled && err != nil:
			t.Fatalf("an import ended by itself with %v:\n%s", err, out)
		case s.count == before:
			outcomes["none of the rows"]++
		case s.count == before+rows:
			outcomes["all of the rows"]++
			before += rows
			gen++
			writeImportCSV(t, csv, gen, rows)
		default:
			t.Fatalf("after a kill at %v of %v: %d contacts, want %d (none of the import) or %d (all of it)", delay, took, s.count, before, before+rows)
		}
		if wasKilled {
			killed++
			outcomes["killed"]++
		} else {
			outcomes["finished before the kill"]++
		}
	}
	t.Logf("outcomes: %v", outcomes)

	// The book still works: an import runs to its end, and its rows are
	// found.
	if killed, err, out := runKilled(t, importCmd(), time.Hour); killed || err != nil {
		t.Fatalf("import after the kills: %v\n%s", err, out)
	}
	if s := inspectBook(t, path); s.integrity != "ok" || s.count != before+rows {
		t.Fatalf("after the last import: %+v, want %d contacts", s, before+rows)
	}
	c := exec.Command(bin, "lookup", importPhone(gen, rows, rows-1), "--data-dir", data, "--company", "acme", "-o", "json")
	c.Env = env
	if out, err := c.CombinedOutput(); err != nil || !bytes.Contains(out, fmt.Appendf(nil, "Gen%d Person%d", gen, rows-1)) {
		t.Fatalf("lookup of the last row: %v\n%s", err, out)
	}
	if names := dirNames(t, data); names != "acme.db" && names != "acme.db acme.db-shm acme.db-wal" {
		t.Errorf("the data directory holds %s", names)
	}
}

// TestCrashImportNewCompany kills imports into companies that have no book
// yet, which build the book in a temporary directory beside the books and
// link it into place once committed: after a kill, the company has no
// book, or a whole one. Temporary directories that a kill leaves behind
// are reported.
func TestCrashImportNewCompany(t *testing.T) {
	kills, rows := 3, 10_000
	if *soak {
		kills, rows = 8, 100_000
	}
	bin := hardenBin(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	env := processEnv(dir)
	csv := filepath.Join(dir, "import.csv")
	writeImportCSV(t, csv, 0, rows)
	importCmd := func(company string) *exec.Cmd {
		c := exec.Command(bin, "import", csv, "--data-dir", data, "--company", company, "-o", "json")
		c.Env = env
		return c
	}
	start := time.Now()
	if killed, err, out := runKilled(t, importCmd("whole"), time.Hour); killed || err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	took := time.Since(start)
	if s := inspectBook(t, filepath.Join(data, "whole.db")); s.integrity != "ok" || s.count != rows {
		t.Fatalf("a whole import into a new company: %+v", s)
	}

	var leftovers []string
	leftoverBytes := int64(0)
	for i, killed := 0, 0; killed < kills; i++ {
		company := fmt.Sprintf("fresh%d", i)
		delay := time.Duration(float64(took) * (0.02 + 1.08*rand.Float64()))
		wasKilled, err, out := runKilled(t, importCmd(company), delay)
		if !wasKilled && err != nil {
			t.Fatalf("an import ended by itself with %v:\n%s", err, out)
		}
		s := inspectBook(t, filepath.Join(data, company+".db"))
		if s.integrity != "ok" || s.count != -1 && s.count != rows {
			t.Fatalf("%s after a kill at %v: %+v, want no book or %d contacts", company, delay, s, rows)
		}
		if wasKilled {
			killed++
		}
	}
	// The next import into a new company removes what the killed ones
	// left; a kill leaves at most its own temporary directory until then.
	left, _ := filepath.Glob(filepath.Join(data, ".*.new-*"))
	t.Logf("the kills left %d temporary directories", len(left))
	if killed, err, out := runKilled(t, importCmd("after"), time.Hour); killed || err != nil {
		t.Fatalf("import after the kills: %v\n%s", err, out)
	}
	tmp, _ := filepath.Glob(filepath.Join(data, ".*.new-*"))
	for _, d := range tmp {
		filepath.Walk(d, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				leftoverBytes += fi.Size()
			}
			return nil
		})
		leftovers = append(leftovers, filepath.Base(d))
	}
	if len(leftovers) > 0 {
		t.Errorf("%d killed imports into new companies left %d temporary directories (%d KiB of partial books) that the next import did not remove: %s",
			kills, len(leftovers), leftoverBytes>>10, strings.Join(leftovers, " "))
	}
}

// tracked is what the writers of TestCrashServe know of one contact.
type tracked struct {
	phone      string
	id         string // "" until the create was acknowledged
	note       string // the last acknowledged note
	pending    string // a note sent but not acknowledged, "" when none
	deleted    bool   // the delete was acknowledged
	deletePend bool   // a delete was sent but not acknowledged
}

// TestCrashServe kills `contacts serve` with SIGKILL while 8 clients
// create, change and delete contacts, again and again on the same book:
// after every kill the book passes integrity_check, and every write the
// server acknowledged (201, 200, 204) is in it; writes in flight at the
// kill may or may not be. Quick: 4 kills; -soak: 20.
func TestCrashServe(t *testing.T) {
	kills := 4
	if *soak {
		kills = 20
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	key, err := makeKey(data, "acme")
	if err != nil {
		t.Fatal(err)
	}
	env := processEnv(dir)
	path := filepath.Join(data, "acme.db")
	var all []*tracked // every contact any writer ever sent, across the kills
	var mu sync.Mutex
	acked := 0
	for k := range kills {
		srv := startServe(t, env, data, filepath.Join(dir, "serve.log"))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				var mine []*tracked
				for seq := 0; ; seq++ {
					select {
					case <-stop:
						return
					default:
					}
					var req *http.Request
					var c *tracked
					var note string
					switch r := rand.IntN(10); {
					case r < 6 || len(mine) == 0: // create
						c = &tracked{phone: fmt.Sprintf("+45%08d", 27_000_000+k*100_000+w*10_000+seq)}
						mu.Lock()
						all = append(all, c)
						mu.Unlock()
						mine = append(mine, c)
						req, _ = http.NewRequest("POST", srv.url+"/api/v1/contacts", strings.NewReader(`{"phone":"`+c.phone+`","note":"v0"}`))
					case r < 9: // change the note
						c = mine[rand.IntN(len(mine))]
						if c.id == "" || c.deleted || c.deletePend || c.pending != "" {
							continue
						}
						note = fmt.Sprintf("v%d", seq)
						mu.Lock()
						c.pending = note
						mu.Unlock()
						req, _ = http.NewRequest("PATCH", srv.url+"/api/v1/contacts/"+c.id, strings.NewReader(`{"note":"`+note+`"}`))
					default: // delete
						c = mine[rand.IntN(len(mine))]
						if c.id == "" || c.deleted || c.deletePend || c.pending != "" {
							continue
						}
						mu.Lock()
						c.deletePend = true
						mu.Unlock()
						req, _ = http.NewRequest("DELETE", srv.url+"/api/v1/contacts/"+c.id, nil)
					}
					req.Header.Set("X-Api-Key", key)
					resp, err := client.Do(req)
					if err != nil {
						return // the server was killed: this write is in flight
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					mu.Lock()
					switch {
					case req.Method == "POST" && resp.StatusCode == 201:
						var got struct{ ID string }
						json.Unmarshal(b, &got)
						c.id, c.note = got.ID, "v0"
						acked++
					case req.Method == "PATCH" && resp.StatusCode == 200:
						c.note, c.pending = note, ""
						acked++
					case req.Method == "DELETE" && resp.StatusCode == 204:
						c.deleted, c.deletePend = true, false
						acked++
					default:
						mu.Unlock()
						t.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
						return
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(200+rand.IntN(1300)) * time.Millisecond)
		srv.cmd.Process.Signal(syscall.SIGKILL)
		<-srv.exited
		close(stop)
		wg.Wait()

		s := inspectBook(t, path)
		if s.integrity != "ok" || s.dupPhones != 0 {
			t.Fatalf("kill %d: integrity_check %q, %d duplicate phones", k+1, s.integrity, s.dupPhones)
		}
		checkAcknowledged(t, path, all)
		if t.Failed() {
			t.FailNow()
		}
		// What was in flight is settled now: read it back as the truth.
		settle(t, path, all)
	}
	t.Logf("%d kills; %d acknowledged writes, none lost", kills, acked)
}

// checkAcknowledged compares the book with what the server acknowledged.
func checkAcknowledged(t *testing.T, path string, all []*tracked) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type row struct{ id, note string }
	book := map[string]row{} // by phone
	rows, err := db.Query(`SELECT phone, id, coalesce(note, '') FROM contacts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var phone string
		var r row
		rows.Scan(&phone, &r.id, &r.note)
		book[phone] = r
	}
	rows.Close()
	sent := map[string]bool{}
	for _, c := range all {
		sent[c.phone] = true
		r, ok := book[c.phone]
		switch {
		case c.id == "": // the create was in flight: either way
		case c.deleted && ok:
			t.Errorf("%s: deleted (204), but still in the book", c.phone)
		case c.deleted:
		case !ok && !c.deletePend:
			t.Errorf("%s: created (201) as %s, but not in the book: an acknowledged write was lost", c.phone, c.id)
		case !ok:
		case r.id != c.id:
			t.Errorf("%s: created as %s, but the book has %s", c.phone, c.id, r.id)
		case r.note != c.note && r.note != c.pending:
			t.Errorf("%s: note %q acknowledged (in flight: %q), but the book has %q", c.phone, c.note, c.pending, r.note)
		}
	}
	for phone := range book {
		if !sent[phone] {
			t.Errorf("%s is in the book, but nobody sent it", phone)
		}
	}
}

// settle makes the tracked state the book's, for the writes whose outcome
// the kill left open.
func settle(t *testing.T, path string, all []*tracked) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range all {
		var id, note string
		err := db.QueryRow(`SELECT id, coalesce(note, '') FROM contacts WHERE phone = ?`, c.phone).Scan(&id, &note)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			c.deleted = true // never created, or deleted: either way gone
		case err != nil:
			t.Fatal(err)
		default:
			c.id, c.note, c.deleted = id, note, false
		}
		c.pending, c.deletePend = "", false
	}
}
