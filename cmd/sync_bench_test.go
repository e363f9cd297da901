package cmd_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	syncBench   = flag.Int("syncbench", 0, "run the sync benchmark with this many cards down (BENCHMARKS.md); not part of make test")
	syncBenchUp = flag.Int("syncbench.up", 0, "contacts up in the sync benchmark (default: as -syncbench); Radicale's PUT of a new card reads every card of the address book")
)

// TestSyncBenchmark times the sync against a real Radicale (go test ./cmd
// -run TestSyncBenchmark -args -syncbench 10000): a first sync of N
// contacts to an empty address book, of N cards into an empty book, an
// incremental sync with nothing changed and one with 10 changes. The
// server's share is the time the proxy in front of Radicale waited for
// its answers.
func TestSyncBenchmark(t *testing.T) {
	n := *syncBench
	if n == 0 {
		t.Skip("the sync benchmark runs with -syncbench N")
	}
	report := func(what string, d time.Duration, r *radicale) {
		r.mu.Lock()
		up, all := r.upstream, r.counts["all"]
		r.mu.Unlock()
		t.Logf("%-44s %8.2fs  %6d requests  radicale %8.2fs (%3.0f%%)", what, d.Seconds(), all, up.Seconds(), 100*up.Seconds()/d.Seconds())
	}

	// Up: N contacts to an empty address book.
	up := *syncBenchUp
	if up == 0 {
		up = n
	}
	e := newSyncEnv(t)
	var csv strings.Builder
	csv.WriteString("name,phone,email,note\n")
	for i := 0; i < up; i++ {
		fmt.Fprintf(&csv, "Person %d,+45201%05d,p%d@example.com,note %d\n", i, i, i, i)
	}
	file := filepath.Join(t.TempDir(), "book.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e.must("import", file)
	e.rad.reset()
	start := time.Now()
	res := e.sync()
	report(fmt.Sprintf("first sync, %d contacts up", up), time.Since(start), e.rad)
	if res.Pushed.Created != up {
		t.Fatalf("pushed %+v", res.Pushed)
	}

	// Incremental, nothing changed; then 10 changes (5 on each side).
	e.rad.reset()
	start = time.Now()
	e.sync()
	report("incremental, nothing changed", time.Since(start), e.rad)
	for i := 0; i < 5; i++ {
		e.must("edit", fmt.Sprintf("+45201%05d", i), "--note", "changed here")
	}
	for i := 5; i < 10; i++ {
		text := e.rad.get(phoneHref(t, e, fmt.Sprintf("+45201%05d", i)))
		e.rad.put(phoneHref(t, e, fmt.Sprintf("+45201%05d", i)), strings.Replace(text, "NOTE:", "NOTE:changed there ", 1))
	}
	e.rad.reset()
	start = time.Now()
	res = e.sync()
	report("incremental, 10 changes", time.Since(start), e.rad)
	if res.Pushed.Updated != 5 || res.Pulled.Updated != 5 {
		t.Fatalf("10 changes: %+v", res)
	}

	// Down: N cards (written into radicale's storage, as if uploaded) into
	// an empty book.
	e2 := newSyncEnv(t)
	dir := filepath.Join(e2.rad.dir, "collections", "collection-root", "alice", "book")
	for i := 0; i < n; i++ {
		c := card(fmt.Sprintf("uid-%d", i), fmt.Sprintf("Person %d", i), fmt.Sprintf("+45201%05d", i), fmt.Sprintf("NOTE:note %d", i))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("c%d.vcf", i)), []byte(crlfText(c)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Radicale reads a card it did not write itself once, into its cache:
	// a whole-collection GET does that first, as if the cards had been
	// uploaded.
	warm := time.Now()
	e2.rad.direct.Timeout = 30 * time.Minute
	if resp, _ := e2.rad.do("GET", radicaleBook, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("GET the address book: %s", resp.Status)
	}
	t.Logf("radicale reads the %d cards into its cache: %.2fs", n, time.Since(warm).Seconds())
	e2.rad.reset()
	start = time.Now()
	res = e2.sync()
	report(fmt.Sprintf("first sync, %d cards down", n), time.Since(start), e2.rad)
	if res.Pulled.Created != n {
		t.Fatalf("pulled %+v", res.Pulled)
	}
	e2.rad.reset()
	start = time.Now()
	e2.sync()
	report("incremental, nothing changed", time.Since(start), e2.rad)
}
