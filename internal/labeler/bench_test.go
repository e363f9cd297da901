package labeler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/labeler"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// benchBook is a book of benchContacts Danish numbers, with a call log of
// benchRows calls from benchDistinct numbers, a tenth of them unknown,
// written as phone systems and people write them: 50% E.164, 20%
// international format, 15% with 00, 15% national (region DK). It is
// built once per test binary.
const (
	benchContacts = 50_000
	benchDistinct = 20_000
	benchRows     = 200_000
)

var (
	benchOnce sync.Once
	benchDB   *store.DB
	benchLog  []byte
	benchErr  error
)

func benchData(b *testing.B) (*store.DB, []byte) {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := tempDir()
		if err != nil {
			benchErr = err
			return
		}
		benchDB, benchLog, benchErr = buildBench(b, filepath.Join(dir, "bench.db"), benchContacts, benchDistinct, benchRows)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchLog
}

// buildBench makes a book of n contacts with numbers +4520100000 + 7i,
// and a call log of rows calls from distinct numbers, one in ten of them
// not in the book.
func buildBench(tb testing.TB, path string, n, distinct, rows int) (*store.DB, []byte, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{Create: true})
	if err != nil {
		return nil, nil, err
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	storetest.Fill(tb, db, func() (*contacts.Contact, error) {
		if i == n {
			return nil, nil
		}
		c := storetest.Contact(tb, contacts.NewContact{Phone: fmt.Sprintf("+45%d", 20100000+7*i),
			Name: fmt.Sprintf("Caller %d", i), CompanyName: fmt.Sprintf("Company %d ApS", i%1000)}, now)
		i++
		return c, nil
	})
	rng := rand.New(rand.NewPCG(1, 2))
	written := make([]string, distinct)
	for j := range written {
		k := rng.IntN(n)
		num := 20100000 + 7*k
		if j%10 == 9 {
			num++ // not in the book: between two numbers that are
		}
		switch x := rng.IntN(20); {
		case x < 10:
			written[j] = fmt.Sprintf("+45%d", num)
		case x < 14:
			written[j] = contacts.FormatPhone(fmt.Sprintf("+45%d", num))
		case x < 17:
			written[j] = fmt.Sprintf("0045%d", num)
		default: // national, read in the region DK: needs libphonenumber
			written[j] = fmt.Sprintf("%d %d %d %d", num/1000000, num/10000%100, num/100%100, num%100)
		}
	}
	var log bytes.Buffer
	log.WriteString("time,direction,from,to,duration\n")
	t := now
	for r := range rows {
		j := r
		if r >= distinct {
			j = rng.IntN(distinct)
		}
		t = t.Add(time.Duration(rng.IntN(6000)) * time.Millisecond)
		fmt.Fprintf(&log, "%s,in,%s,+4570100%03d,%d\n", t.Format(time.RFC3339), written[j], rng.IntN(20), rng.IntN(1800))
	}
	return db, log.Bytes(), nil
}

// BenchmarkCSV labels the call log with a fresh labeler each time, as a
// run of contacts label does.
func BenchmarkCSV(b *testing.B) {
	db, log := benchData(b)
	ctx := context.Background()
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		l := labeler.New(db, labeler.Options{Region: "DK", Slim: true})
		if err := labeler.CSV(ctx, l, bytes.NewReader(log), io.Discard, labeler.CSVOptions{Column: "from"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVWarm labels the log with a labeler that knows every number:
// the cost of reading, writing and the cache alone.
func BenchmarkCSVWarm(b *testing.B) {
	db, log := benchData(b)
	ctx := context.Background()
	l := labeler.New(db, labeler.Options{Region: "DK", Slim: true})
	if err := labeler.CSV(ctx, l, bytes.NewReader(log), io.Discard, labeler.CSVOptions{Column: "from"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(log)))
	b.ResetTimer()
	for b.Loop() {
		if err := labeler.CSV(ctx, l, bytes.NewReader(log), io.Discard, labeler.CSVOptions{Column: "from"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLines is lookup - on the log's numbers.
func BenchmarkLines(b *testing.B) {
	db, log := benchData(b)
	var nums strings.Builder
	for line := range strings.SplitSeq(strings.TrimSpace(string(log)), "\n") {
		f := strings.Split(line, ",")
		nums.WriteString(f[2])
		nums.WriteByte('\n')
	}
	in := nums.String()
	ctx := context.Background()
	for b.Loop() {
		l := labeler.New(db, labeler.Options{Region: "DK"})
		if err := labeler.Lines(ctx, l, strings.NewReader(in), io.Discard, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkResolve is the cost of one number not yet in the cache, by
// written form.
func BenchmarkResolve(b *testing.B) {
	db, _ := benchData(b)
	ctx := context.Background()
	for _, form := range []struct{ name, format string }{
		{"e164", "+45%d"}, {"00", "0045%d"}, {"national", "%d"},
	} {
		b.Run(form.name, func(b *testing.B) {
			l := labeler.New(db, labeler.Options{Region: "DK", CacheSize: -1, Workers: 1})
			for i := 0; b.Loop(); i++ {
				r, err := l.Label(ctx, fmt.Sprintf(form.format, 20100000+7*(i%benchContacts)))
				if err != nil || r.Contact == nil {
					b.Fatal(err, r.Err)
				}
			}
		})
	}
}

// BenchmarkCSVFile labels the call log $LABELER_BENCH_LOG (its phone
// column $LABELER_BENCH_COLUMN, default "from") against the book
// $LABELER_BENCH_BOOK, as contacts label does: for profiling on a large
// book, such as the bench tool's. It is skipped when they are not set.
func BenchmarkCSVFile(b *testing.B) {
	bookPath, logPath := os.Getenv("LABELER_BENCH_BOOK"), os.Getenv("LABELER_BENCH_LOG")
	if bookPath == "" || logPath == "" {
		b.Skip("set LABELER_BENCH_BOOK and LABELER_BENCH_LOG")
	}
	column := os.Getenv("LABELER_BENCH_COLUMN")
	if column == "" {
		column = "from"
	}
	ctx := context.Background()
	db, err := store.Open(ctx, bookPath, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows := 0
	for b.Loop() {
		f, err := os.Open(logPath)
		if err != nil {
			b.Fatal(err)
		}
		cr := &countingReader{r: f}
		l := labeler.New(db, labeler.Options{Region: os.Getenv("CONTACTS_REGION"), Slim: true})
		var out lineCounter
		if err := labeler.CSV(ctx, l, cr, &out, labeler.CSVOptions{Column: column}); err != nil {
			b.Fatal(err)
		}
		f.Close()
		b.SetBytes(int64(cr.n))
		rows += out.n - 1
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// lineCounter counts the lines written to it.
type lineCounter struct{ n int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
