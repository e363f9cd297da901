package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/phoneinc/contacts/internal/bookgen"
	"github.com/phoneinc/contacts/store"
)

// Meta describes the generated book; it is written last, so a book without
// it is incomplete and is generated again.
type Meta struct {
	Generator   int              `json:"generator"`
	N           int              `json:"n"`
	Seed        uint64           `json:"seed"`
	Samples     []bookgen.Sample `json:"samples"`
	Misses      []bookgen.Sample `json:"misses"`
	GeneratedIn string           `json:"generated_in"`
	DBBytes     int64            `json:"db_bytes"`
	CSVBytes    int64            `json:"csv_bytes"`
}

// ensureBook returns the cached book in e.Dir, generating it when it is
// missing or was made with another -n, -seed or generator.
func ensureBook(e *Env, n int, seed uint64) (*Meta, error) {
	metaPath := filepath.Join(e.Dir, "meta.json")
	var m Meta
	b, err := os.ReadFile(metaPath)
	switch {
	case err == nil && json.Unmarshal(b, &m) == nil && m.Generator == bookgen.Version && m.N == n && m.Seed == seed &&
		fileExists(e.DB) && fileExists(e.CSV) && len(m.Samples) > 0 && len(m.Misses) > 0:
		logf("using the book in %s (%d contacts, generated in %s)", e.Dir, m.N, m.GeneratedIn)
	case err == nil || errors.Is(err, fs.ErrNotExist):
		if m, err = generate(e, n, seed); err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(m, "", "  ")
		if err := os.WriteFile(metaPath, append(b, '\n'), 0o600); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	// Let the binary open the book once, untimed: a binary built from newer
	// sources runs its schema migrations now rather than in a measured run.
	cmd := exec.Command(e.Bin, "list", "--limit", "1", "-o", "json")
	cmd.Env = e.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s cannot read the generated book (is it older than the sources? run make build): %v: %s",
			e.Bin, err, firstLine(out))
	}
	return &m, nil
}

func generate(e *Env, n int, seed uint64) (Meta, error) {
	m := Meta{Generator: bookgen.Version, N: n, Seed: seed}
	if err := os.MkdirAll(e.Dir, 0o700); err != nil {
		return m, err
	}
	for _, p := range []string{"meta.json", company + ".db", company + ".db-wal", company + ".db-shm", "contacts.csv",
		".tmp-" + company + ".db", ".tmp-" + company + ".db-wal", ".tmp-" + company + ".db-shm", ".tmp-contacts.csv"} {
		if err := os.Remove(filepath.Join(e.Dir, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return m, err
		}
	}
	tmpDB, tmpCSV := filepath.Join(e.Dir, ".tmp-"+company+".db"), filepath.Join(e.Dir, ".tmp-contacts.csv")
	f, err := os.OpenFile(tmpCSV, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return m, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	logf("generating a book of %d contacts in %s (once; cached for later runs)", n, e.Dir)
	start := time.Now()
	db, err := store.Open(e.ctx, tmpDB, store.Options{Create: true})
	if err != nil {
		return m, err
	}
	res, err := bookgen.Build(e.ctx, db, bookgen.Options{N: n, Seed: seed, CSV: w, Progress: func(done int) {
		if done%200000 == 0 {
			logf("  %d contacts (%.0f/s)", done, float64(done)/time.Since(start).Seconds())
		}
	}})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, fmt.Errorf("generate the book: %w", err)
	}
	if err := w.Flush(); err != nil {
		return m, err
	}
	if err := f.Close(); err != nil {
		return m, err
	}
	if err := os.Rename(tmpDB, e.DB); err != nil {
		return m, err
	}
	if err := os.Rename(tmpCSV, e.CSV); err != nil {
		return m, err
	}
	m.GeneratedIn = time.Since(start).Round(100 * time.Millisecond).String()
	m.Samples, m.Misses = res.Samples, res.Misses
	if fi, err := os.Stat(e.DB); err == nil {
		m.DBBytes = fi.Size()
	}
	if fi, err := os.Stat(e.CSV); err == nil {
		m.CSVBytes = fi.Size()
	}
	logf("generated %d contacts in %s: %s (%s MB), %s (%s MB)", n, m.GeneratedIn, e.DB, mb(m.DBBytes), e.CSV, mb(m.CSVBytes))
	return m, nil
}

func mb(n int64) string { return fmt.Sprintf("%.0f", float64(n)/1e6) }
