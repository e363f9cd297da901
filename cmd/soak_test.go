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
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The concurrency soak (docs/RELIABILITY.md, "Concurrency"): processes and
// a server working on one book at once.

// soakContact is what one worker knows of a contact it made: every
// acknowledged change.
type soakContact struct {
	id, phone, name, note string
}

// soakWorker does mixed operations on the book and keeps a model of the
// contacts it owns: those whose creation it was told succeeded, until it
// is told their deletion did.
type soakWorker struct {
	t      *testing.T
	name   string
	rng    *rand.Rand
	own    map[string]*soakContact // by id
	seq    int
	phones int // next number of this worker's own range
	base   int // its own range of numbers
	counts map[string]int
	slow   time.Duration // the slowest operation
	// do runs one operation: a CLI process or an HTTP request. It returns
	// the exit status (HTTP statuses are mapped to exit statuses), the
	// contact it printed, and the error text.
	do func(op string, args map[string]string) (int, *soakContact, string)
}

// soakShared are numbers every worker tries to add: at most one of them
// gets each, the others a conflict.
var soakShared = func() []string {
	var s []string
	for i := range 20 {
		s = append(s, fmt.Sprintf("+45%08d", 28_000_000+i))
	}
	return s
}()

var lockedError = regexp.MustCompile(`(?i)locked|busy`)

func (w *soakWorker) pick() *soakContact {
	if len(w.own) == 0 {
		return nil
	}
	ids := make([]string, 0, len(w.own))
	for id := range w.own {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return w.own[ids[w.rng.IntN(len(ids))]]
}

func (w *soakWorker) newPhone() string {
	w.phones++
	return fmt.Sprintf("+45%08d", w.base+w.phones)
}

// step runs one random operation and checks its outcome against the model.
func (w *soakWorker) step() {
	t := w.t
	w.seq++
	name, note := fmt.Sprintf("%sq%d soak", w.name, w.seq), fmt.Sprintf("note %d of %s", w.seq, w.name)
	c := w.pick()
	op := "lookup"
	switch r := w.rng.IntN(100); {
	case r < 30 || c == nil:
		op = "add"
	case r < 55:
		op = "edit"
	case r < 70:
		op = "rm"
	}
	start := time.Now()
	var code int
	var got *soakContact
	var stderr string
	fail := func(format string, args ...any) {
		t.Errorf("%s %s: %s (exit %d, %q)", w.name, op, fmt.Sprintf(format, args...), code, stderr)
	}
	switch op {
	case "add":
		phone, shared := w.newPhone(), w.rng.IntN(4) == 0
		if shared {
			phone = soakShared[w.rng.IntN(len(soakShared))]
		}
		code, got, stderr = w.do("add", map[string]string{"phone": phone, "name": name, "note": note})
		switch {
		case code == 0 && got != nil && got.phone == phone:
			w.own[got.id] = got
		case code == 5 && shared:
			op = "add (conflict)"
		default:
			fail("add %s", phone)
		}
	case "edit":
		args := map[string]string{"id": c.id, "name": name, "note": note}
		if w.rng.IntN(4) == 0 {
			args["phone"] = w.newPhone()
		}
		code, got, stderr = w.do("edit", args)
		if code != 0 || got == nil || got.id != c.id || got.name != name || got.note != note || args["phone"] != "" && got.phone != args["phone"] {
			fail("edit %s: got %+v", c.id, got)
		} else {
			w.own[c.id] = got
		}
	case "rm":
		code, _, stderr = w.do("rm", map[string]string{"id": c.id})
		if code != 0 {
			fail("rm %s", c.id)
		} else {
			delete(w.own, c.id)
		}
	case "lookup":
		if w.rng.IntN(3) == 0 { // somebody's, maybe nobody's
			code, _, stderr = w.do("lookup", map[string]string{"phone": soakShared[w.rng.IntN(len(soakShared))]})
			if code != 0 && code != 3 {
				fail("lookup of a shared number")
			}
			op = "lookup (shared)"
			break
		}
		code, got, stderr = w.do("lookup", map[string]string{"phone": c.phone})
		if code != 0 || got == nil || *got != *c {
			fail("read-your-writes: lookup %s gives %+v, want %+v", c.phone, got, c)
		}
	}
	if lockedError.MatchString(stderr) {
		t.Errorf("%s %s: %q reached the user", w.name, op, stderr)
	}
	w.counts[op]++
	w.slow = max(w.slow, time.Since(start))
}

// cliDo runs operations as `contacts` processes.
func cliDo(t *testing.T, bin string, env []string) func(string, map[string]string) (int, *soakContact, string) {
	return func(op string, a map[string]string) (int, *soakContact, string) {
		var args []string
		switch op {
		case "add":
			args = []string{"add", "--phone", a["phone"], "--name", a["name"], "--note", a["note"], "-o", "json"}
		case "edit":
			args = []string{"edit", a["id"], "--name", a["name"], "--note", a["note"], "-o", "json"}
			if a["phone"] != "" {
				args = append(args, "--phone", a["phone"])
			}
		case "rm":
			args = []string{"rm", "--yes", a["id"]}
		case "lookup":
			args = []string{"lookup", a["phone"], "-o", "json"}
		}
		c := exec.Command(bin, args...)
		c.Env = env
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		err := c.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, parseSoakContact(stdout.Bytes()), stderr.String()
	}
}

// httpDo runs operations as requests to a server.
func httpDo(t *testing.T, url, key string) func(string, map[string]string) (int, *soakContact, string) {
	client := &http.Client{Timeout: time.Minute}
	return func(op string, a map[string]string) (int, *soakContact, string) {
		var req *http.Request
		body := func(keys ...string) io.Reader {
			m := map[string]string{}
			for _, k := range keys {
				if a[k] != "" {
					m[k] = a[k]
				}
			}
			b, _ := json.Marshal(m)
			return bytes.NewReader(b)
		}
		switch op {
		case "add":
			req, _ = http.NewRequest("POST", url+"/api/v1/contacts", body("phone", "name", "note"))
		case "edit":
			req, _ = http.NewRequest("PATCH", url+"/api/v1/contacts/"+a["id"], body("phone", "name", "note"))
		case "rm":
			req, _ = http.NewRequest("DELETE", url+"/api/v1/contacts/"+a["id"], nil)
		case "lookup":
			req, _ = http.NewRequest("GET", url+"/api/v1/contacts?phone="+strings.ReplaceAll(a["phone"], "+", "%2B"), nil)
		}
		req.Header.Set("X-Api-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		code := map[int]int{200: 0, 201: 0, 204: 0, 404: 3, 400: 2, 401: 1, 500: 1}[resp.StatusCode]
		if resp.StatusCode == 422 {
			code = 4
			if bytes.Contains(b, []byte(`"code":"conflict"`)) {
				code = 5
			}
		}
		if op == "lookup" && code == 0 { // a list of one, or none
			var list []json.RawMessage
			json.Unmarshal(b, &list)
			if len(list) == 0 {
				return 3, nil, ""
			}
			b = list[0]
		}
		if code != 0 {
			return code, nil, string(b)
		}
		return code, parseSoakContact(b), ""
	}
}

func parseSoakContact(b []byte) *soakContact {
	var c struct {
		ID, Phone   string
		Name, Note  *string
		CompanyName *string `json:"company_name"`
	}
	if json.Unmarshal(b, &c) != nil || c.ID == "" {
		return nil
	}
	s := &soakContact{id: c.ID, phone: c.Phone}
	if c.Name != nil {
		s.name = *c.Name
	}
	if c.Note != nil {
		s.note = *c.Note
	}
	return s
}

// TestSoakConcurrent: 4 workers running `contacts` processes and one
// client of a `contacts serve` on the same book, at once, do mixed adds
// (some of numbers they all want), edits (some of the phone number),
// deletes and lookups. Every operation ends as expected (a conflict only
// for a wanted number), "database is locked" never reaches anyone, every
// worker reads its own writes, and at the end the book passes
// integrity_check, has no duplicate phone, and holds exactly the contacts
// that the workers were told they have, as they were last told. Quick:
// 4x60 CLI operations and 60 HTTP ones; -soak: 4x2,500 and 2,500.
func TestSoakConcurrent(t *testing.T) {
	perWorker := 60
	if *soak {
		perWorker = 2500
	}
	bin := hardenBin(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	key, err := makeKey(data, "acme")
	if err != nil {
		t.Fatal(err)
	}
	env := processEnv(dir, "CONTACTS_DATA_DIR="+data, "CONTACTS_COMPANY=acme")
	srv := startServe(t, env, data, filepath.Join(dir, "serve.log"))

	var workers []*soakWorker
	for i := range 5 {
		w := &soakWorker{t: t, name: fmt.Sprintf("w%d", i), rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))),
			own: map[string]*soakContact{}, base: 28_100_000 + i*100_000, counts: map[string]int{}}
		if i < 4 {
			w.do = cliDo(t, bin, env)
		} else {
			w.name = "http"
			w.do = httpDo(t, srv.url, key)
		}
		workers = append(workers, w)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				w.step()
				if t.Failed() {
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if t.Failed() {
		t.FailNow()
	}

	s := inspectBook(t, filepath.Join(data, "acme.db"))
	if s.integrity != "ok" || s.dupPhones != 0 {
		t.Fatalf("integrity_check %q, %d duplicate phones", s.integrity, s.dupPhones)
	}
	want := map[string]soakContact{}
	for _, w := range workers {
		for id, c := range w.own {
			want[id] = *c
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "acme.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, phone, coalesce(name, ''), coalesce(note, '') FROM contacts`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]soakContact{}
	for rows.Next() {
		var c soakContact
		rows.Scan(&c.id, &c.phone, &c.name, &c.note)
		got[c.id] = c
	}
	rows.Close()
	for id, c := range want {
		if g, ok := got[id]; !ok {
			t.Errorf("lost: %+v was acknowledged but is not in the book", c)
		} else if g != c {
			t.Errorf("changed: the book has %+v, the last acknowledged state is %+v", g, c)
		}
	}
	for id, c := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("a contact nobody was told about: %+v", c)
		}
	}
	// The search index kept step with every write: each of a sample of the
	// contacts is found by its name.
	n := 0
	for _, c := range want {
		if n++; n > 10 {
			break
		}
		sc := exec.Command(bin, "search", strings.Fields(c.name)[0], "--limit", "1000", "-o", "json")
		sc.Env = env
		out, err := sc.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte(c.id)) {
			t.Errorf("search %q does not find %s: %v %s", c.name, c.id, err, out)
		}
	}
	total, slow := 0, time.Duration(0)
	summary := map[string]int{}
	for _, w := range workers {
		for op, k := range w.counts {
			summary[op] += k
			total += k
		}
		slow = max(slow, w.slow)
	}
	t.Logf("%d operations (4 CLI workers and 1 HTTP client, %d each) in %v; %v; slowest %v; %d contacts at the end, as acknowledged",
		total, perWorker, took.Round(time.Millisecond), summary, slow.Round(time.Millisecond), len(got))
}
