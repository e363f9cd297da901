package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// BenchmarkUndoImport imports 100,000 generated contacts into a new book
// (untimed) and undoes the import (timed): one op is one undo. It reports
// the import's own time per contact beside the undo's, whose ratio has a
// limit of 2.
func BenchmarkUndoImport(b *testing.B) {
	ctx := context.Background()
	rows := generated(b, searchBenchSize, 3)
	for i := range rows {
		rows[i].ID = contacts.NewID() // new ids, in order, as an import of a file of people gives
	}
	var imported time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "undo.db"), store.Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		next := func(yield func(*contacts.ImportRow) error) error {
			for i := range rows {
				c := rows[i]
				if err := yield(&contacts.ImportRow{Pos: "row", Contact: &c, Given: contacts.AllFields}); err != nil {
					return err
				}
			}
			return nil
		}
		start := time.Now()
		res, err := db.Import(ctx, contacts.ImportOptions{}, next, func(p contacts.Problem) { b.Fatalf("%+v", p) })
		if err != nil || res.Created != len(rows) {
			b.Fatalf("import: %+v, %v", res, err)
		}
		imported += time.Since(start)
		b.StartTimer()
		op, err := db.Undo(ctx, "", false)
		if err != nil || op.Changes != len(rows) {
			b.Fatalf("undo: %+v, %v", op, err)
		}
		b.StopTimer()
		db.Close()
		n += len(rows)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/contact")
	b.ReportMetric(float64(imported.Nanoseconds())/float64(n), "import-ns/contact")
}
