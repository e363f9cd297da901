package cmd_test

import (
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// historyState is what a book's history holds.
func historyState(t *testing.T, path string) (ops, changes int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM history_operations), (SELECT count(*) FROM history_changes)`).Scan(&ops, &changes); err != nil {
		t.Fatal(err)
	}
	return ops, changes
}

// TestCrashUndo kills `contacts undo` of a whole import with SIGKILL at
// random points, again and again: after every kill the book passes
// integrity_check and holds the import's rows or none of them (the undo
// whole or not at all), its history holds the undo or not, and the next
// undo (of the import, or of the undo: a redo) goes on from there. Quick:
// 4 kills of the undo of a 2,000-row import; -soak: 20 of 100,000.
func TestCrashUndo(t *testing.T) {
	kills, rows := 4, 2_000
	if *soak {
		kills, rows = 20, 100_000
	}
	bin := hardenBin(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	path := filepath.Join(data, "acme.db")
	bookWith(t, path, 1)
	env := processEnv(dir)
	csv := filepath.Join(dir, "import.csv")
	writeImportCSV(t, csv, 0, rows)
	run := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, append(args, "--data-dir", data, "--company", "acme", "-o", "json")...)
		c.Env = env
		return c
	}
	if killed, err, out := runKilled(t, run("import", csv), time.Hour); killed || err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	// The last operation, undone: the rows go, or (once undone) come back.
	lastOp := func() string {
		out, err := run("history", "--limit", "1").Output()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		var ops []struct{ ID string }
		if err := json.Unmarshal(out, &ops); err != nil || len(ops) != 1 {
			t.Fatalf("history: %v %s", err, out)
		}
		return ops[0].ID
	}
	// How long an undo takes, untimed by the test: the first one runs to
	// its end, and the redo that follows.
	start := time.Now()
	if killed, err, out := runKilled(t, run("undo"), time.Hour); killed || err != nil {
		t.Fatalf("undo: %v\n%s", err, out)
	}
	took := time.Since(start)
	if s := inspectBook(t, path); s.count != 1 {
		t.Fatalf("after the undo of the import: %d contacts, want 1", s.count)
	}
	if killed, err, out := runKilled(t, run("undo"), time.Hour); killed || err != nil {
		t.Fatalf("redo: %v\n%s", err, out)
	}
	present := true // the import's rows are in the book
	if s := inspectBook(t, path); s.count != 1+rows {
		t.Fatalf("after the redo: %d contacts, want %d", s.count, 1+rows)
	}
	t.Logf("an undo of %d rows takes %v; killing %d undos at random points within 1.5 times that", rows, took.Round(time.Millisecond), kills)

	outcomes := map[string]int{}
	for killed := 0; killed < kills; {
		ops, _ := historyState(t, path)
		op := lastOp()
		delay := time.Duration(float64(took) * (0.02 + 1.5*rand.Float64()))
		wasKilled, err, out := runKilled(t, run("undo", op), delay)
		s := inspectBook(t, path)
		if s.integrity != "ok" || s.dupPhones != 0 {
			t.Fatalf("after a kill at %v: integrity_check %q, %d duplicate phones", delay, s.integrity, s.dupPhones)
		}
		after, _ := historyState(t, path)
		switch {
		case !wasKilled && err != nil:
			t.Fatalf("an undo ended by itself with %v:\n%s", err, out)
		case present && s.count == 1+rows || !present && s.count == 1:
			if after != ops {
				t.Fatalf("the book is as before the undo, and its history has %d operations, not %d", after, ops)
			}
			outcomes["not undone"]++
		case present && s.count == 1 || !present && s.count == 1+rows:
			if after != ops+1 {
				t.Fatalf("the book is undone, and its history has %d operations, not %d", after, ops+1)
			}
			present = !present
			outcomes["undone whole"]++
		default:
			t.Fatalf("after a kill at %v: %d contacts, want %d or %d", delay, s.count, 1, 1+rows)
		}
		if wasKilled {
			killed++
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestCrashRestore kills `contacts restore` at random points: the
// contact is back whole, or still deleted, and the book is intact.
func TestCrashRestore(t *testing.T) {
	kills := 6
	if *soak {
		kills = 40
	}
	bin := hardenBin(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "books")
	path := filepath.Join(data, "acme.db")
	bookWith(t, path, 40)
	env := processEnv(dir)
	run := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, append(args, "--data-dir", data, "--company", "acme", "-o", "json")...)
		c.Env = env
		return c
	}
	out, err := run("list", "--limit", "1").Output()
	if err != nil {
		t.Fatal(err)
	}
	var list []struct{ ID string }
	if err := json.Unmarshal(out, &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %s", err, out)
	}
	id := list[0].ID
	start := time.Now()
	if out, err := run("rm", "--yes", id).CombinedOutput(); err != nil {
		t.Fatalf("rm: %v\n%s", err, out)
	}
	if out, err := run("restore", id).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	took := time.Since(start) / 2
	outcomes := map[string]int{}
	for killed := 0; killed < kills; {
		if out, err := run("rm", "--yes", id).CombinedOutput(); err != nil {
			t.Fatalf("rm: %v\n%s", err, out)
		}
		delay := time.Duration(float64(took) * 1.1 * rand.Float64())
		wasKilled, err, out := runKilled(t, run("restore", id), delay)
		s := inspectBook(t, path)
		if s.integrity != "ok" || s.dupPhones != 0 {
			t.Fatalf("after a kill at %v: integrity_check %q", delay, s.integrity)
		}
		switch {
		case !wasKilled && err != nil:
			t.Fatalf("a restore ended by itself with %v:\n%s", err, out)
		case s.count == 40:
			outcomes["restored"]++
		case s.count == 39:
			outcomes["still deleted"]++
			if out, err := run("restore", id).CombinedOutput(); err != nil {
				t.Fatalf("restore after a kill: %v\n%s", err, out)
			}
		default:
			t.Fatalf("after a kill: %d contacts, want 39 or 40", s.count)
		}
		if wasKilled {
			killed++
		}
	}
	if s := inspectBook(t, path); s.count != 40 {
		t.Fatalf("at the end: %d contacts", s.count)
	}
	t.Logf("outcomes: %v", outcomes)
}
