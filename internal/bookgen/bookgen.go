// Package bookgen generates address books for benchmarks: contacts with
// valid, unique phone numbers of several countries, realistic names,
// emails, companies and notes of varied length, created over a few years.
//
// Generation is deterministic for a given seed and count. Normalizing a
// number with libphonenumber costs about 17 µs, so numbers are normalized
// by parallel workers that feed one consumer in order.
package bookgen

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/phonenumbers"
)

// Version changes whenever the generated data would change, so that a
// cached book made by an older generator is rebuilt.
const Version = 2

// CSVHeader is the header of the CSV copy of a book: the contact's JSON field names.
var CSVHeader = []string{"id", "name", "email", "phone", "phone_formatted", "company_name", "note", "created_at", "updated_at"}

// Options configure a generation.
type Options struct {
	N       int    // number of contacts
	Seed    uint64 // same seed and N, same book
	Workers int    // normalizing goroutines; default runtime.NumCPU()
	// CSV, when not nil, receives a copy of the rows as CSV (CSVHeader).
	CSV io.Writer
	// Progress, when not nil, is called with the number of rows delivered
	// every 50,000 rows.
	Progress func(done int)
}

// Sample is an existing number of a generated book, for lookups.
type Sample struct {
	E164      string `json:"e164"`      // "+4520123456"
	Formatted string `json:"formatted"` // "+45 20 12 34 56"
	National  string `json:"national"`  // "20 12 34 56", to be read with Region
	Region    string `json:"region"`    // "DK"
}

// Result describes a generated book.
type Result struct {
	N       int
	Samples []Sample // existing numbers, two per country
	Misses  []Sample // valid numbers that no generated book contains
}

// Build generates a book of opts.N contacts and writes them into book in
// one transaction through its import, as rows of our own export (ids and
// timestamps kept).
func Build(ctx context.Context, book contacts.Importer, opts Options) (*Result, error) {
	s := Start(ctx, opts)
	defer s.Stop()
	var problem error
	res, err := book.Import(ctx, contacts.ImportOptions{}, func(yield func(*contacts.ImportRow) error) error {
		for {
			c, err := s.Next()
			if err != nil || c == nil {
				return err
			}
			if err := yield(&contacts.ImportRow{Contact: c, Given: contacts.AllFields, OwnID: true}); err != nil {
				return err
			}
		}
	}, func(p contacts.Problem) {
		if problem == nil {
			problem = fmt.Errorf("bookgen: %s: %s", p.Pos, p.Message)
		}
	})
	if err == nil {
		err = problem
	}
	if err != nil {
		return nil, err
	}
	n := res.Created
	if n != opts.N {
		return nil, fmt.Errorf("bookgen: inserted %d contacts, want %d", n, opts.N)
	}
	return s.Result(), nil
}

// Stream delivers generated contacts in order.
type Stream struct {
	opts    Options
	ctx     context.Context
	cancel  context.CancelFunc
	order   chan chan *batch
	cur     *batch
	pos     int
	done    int
	err     error
	result  Result
	seen    map[string]int // country -> samples taken
	started bool
	wg      sync.WaitGroup
}

type batch struct {
	first int
	rows  []contacts.Contact
	keys  []numKey // which number each row gets
	csv   []byte
	err   error
}

// numKey names a row's number: the k-th handed out in country ci.
type numKey struct {
	ci int
	k  uint64
}

type job struct {
	b   *batch
	out chan *batch
}

const batchSize = 512

// Start starts generating opts.N contacts. Call Next until it returns nil,
// and Stop when done (or to give up early).
func Start(ctx context.Context, opts Options) *Stream {
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream{opts: opts, ctx: ctx, cancel: cancel, seen: map[string]int{},
		order: make(chan chan *batch, opts.Workers*4)}
	s.result.N = opts.N
	s.result.Misses = misses()
	jobs := make(chan job, opts.Workers*2)
	s.wg.Add(1 + opts.Workers)
	go func() {
		defer s.wg.Done()
		defer close(s.order)
		defer close(jobs)
		g := newGenerator(opts.Seed, opts.N)
		for first := 0; first < opts.N; first += batchSize {
			size := min(batchSize, opts.N-first)
			b := &batch{first: first, rows: make([]contacts.Contact, size), keys: make([]numKey, size)}
			for i := range b.rows {
				if b.keys[i], b.err = g.contact(first+i, &b.rows[i]); b.err != nil {
					break
				}
			}
			out := make(chan *batch, 1)
			select {
			case jobs <- job{b, out}:
			case <-ctx.Done():
				return
			}
			select {
			case s.order <- out:
			case <-ctx.Done():
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	for range opts.Workers {
		go func() {
			defer s.wg.Done()
			for j := range jobs {
				if j.b.err == nil {
					j.b.err = finish(j.b, opts.CSV != nil)
				}
				j.out <- j.b
			}
		}()
	}
	return s
}

// finish gives each row of a batch its number, checked with
// contacts.NormalizePhone to be valid and in E.164 form, and encodes the
// batch's CSV.
func finish(b *batch, wantCSV bool) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for i := range b.rows {
		c := &b.rows[i]
		p, err := countries[b.keys[i].ci].phone(b.keys[i].k)
		if err != nil {
			return fmt.Errorf("bookgen: row %d: %w", b.first+i, err)
		}
		c.Phone, c.PhoneFormatted = p.E164, p.Formatted
		if wantCSV {
			w.Write([]string{c.ID, deref(c.Name), deref(c.Email), c.Phone, c.PhoneFormatted, deref(c.CompanyName),
				deref(c.Note), c.CreatedAt.Format(contacts.TimeFormat), c.UpdatedAt.Format(contacts.TimeFormat)})
		}
	}
	w.Flush()
	b.csv = buf.Bytes()
	return w.Error()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Next returns the next contact, or nil after the last one.
func (s *Stream) Next() (*contacts.Contact, error) {
	if s.err != nil {
		return nil, s.err
	}
	if !s.started {
		s.started = true
		if s.opts.CSV != nil {
			w := csv.NewWriter(s.opts.CSV)
			w.Write(CSVHeader)
			if w.Flush(); w.Error() != nil {
				return nil, s.fail(w.Error())
			}
		}
	}
	for s.cur == nil || s.pos == len(s.cur.rows) {
		var out chan *batch
		var ok bool
		select {
		case out, ok = <-s.order:
		case <-s.ctx.Done():
			return nil, s.fail(s.ctx.Err())
		}
		if !ok {
			if s.done != s.opts.N {
				return nil, s.fail(fmt.Errorf("bookgen: stopped after %d of %d rows", s.done, s.opts.N))
			}
			return nil, nil
		}
		var b *batch
		select {
		case b = <-out:
		case <-s.ctx.Done():
			return nil, s.fail(s.ctx.Err())
		}
		if b.err != nil {
			return nil, s.fail(b.err)
		}
		if s.opts.CSV != nil {
			if _, err := s.opts.CSV.Write(b.csv); err != nil {
				return nil, s.fail(err)
			}
		}
		s.cur, s.pos = b, 0
	}
	c := &s.cur.rows[s.pos]
	s.pos++
	s.sample(s.done, c)
	s.done++
	if s.opts.Progress != nil && s.done%50000 == 0 {
		s.opts.Progress(s.done)
	}
	return c, nil
}

func (s *Stream) fail(err error) error {
	s.err = err
	s.cancel()
	return err
}

// sample keeps two numbers per country: the first ones past 10% and past
// 60% of the book.
func (s *Stream) sample(i int, c *contacts.Contact) {
	num, err := phonenumbers.Parse(c.Phone, "")
	if i*10 < s.opts.N || err != nil {
		return
	}
	region := phonenumbers.GetRegionCodeForNumber(num)
	k := s.seen[region]
	if k >= 2 || (k == 1 && i*10 < s.opts.N*6) {
		return
	}
	s.seen[region] = k + 1
	s.result.Samples = append(s.result.Samples, Sample{E164: c.Phone, Formatted: c.PhoneFormatted,
		National: phonenumbers.Format(num, phonenumbers.NATIONAL), Region: region})
}

// Stop ends the generation and waits for its goroutines.
func (s *Stream) Stop() {
	s.cancel() // the producer selects on it; workers' sends are buffered
	s.wg.Wait()
}

// Result describes what was generated; complete once Next returned nil.
func (s *Stream) Result() *Result { r := s.result; return &r }

// misses are valid numbers from ranges that the generator never uses.
func misses() []Sample {
	var out []Sample
	for _, raw := range []string{"+4533123456", "+17185550123", "+442079460123", "+4930901820", "+33142685300", "+46812345678"} {
		p, err := contacts.NormalizePhone(raw, "")
		if err != nil {
			continue // the caller checks that there are misses
		}
		num, _ := phonenumbers.Parse(p.E164, "")
		out = append(out, Sample{E164: p.E164, Formatted: p.Formatted,
			National: phonenumbers.Format(num, phonenumbers.NATIONAL), Region: phonenumbers.GetRegionCodeForNumber(num)})
	}
	return out
}

// ErrExhausted is returned when N is larger than the number ranges hold.
var ErrExhausted = errors.New("bookgen: the number ranges are exhausted")

// generator makes the rows; it runs in one goroutine.
type generator struct {
	rng   *rand.Rand
	ids   *rand.ChaCha8
	n     int
	used  []uint64 // per country: numbers handed out
	start time.Time
	span  time.Duration
	last  time.Time // updates happen up to here
}

func newGenerator(seed uint64, n int) *generator {
	var key [32]byte
	for i := range key {
		key[i] = byte(seed >> (8 * (i % 8)))
	}
	key[31] ^= 0x5a
	return &generator{
		rng:   rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		ids:   rand.NewChaCha8(key),
		n:     n,
		used:  make([]uint64, len(countries)),
		start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		span:  3 * 365 * 24 * time.Hour,
		last:  time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	}
}

func (g *generator) pick(p int) int {
	x := g.rng.IntN(p)
	for i := range countries {
		if x < countries[i].weight {
			return i
		}
		x -= countries[i].weight
	}
	return len(countries) - 1
}

// contact fills c with row i, all but the phone number, which a worker
// derives from the key returned.
func (g *generator) contact(i int, c *contacts.Contact) (numKey, error) {
	ci := g.pick(totalWeight)
	for k := 0; g.used[ci] >= countries[ci].capacity(); k++ {
		if k == len(countries) {
			return numKey{}, ErrExhausted
		}
		ci = (ci + 1) % len(countries)
	}
	co := &countries[ci]
	key := numKey{ci, g.used[ci]}
	g.used[ci]++

	// created_at rises with i, over three years, a little jittered.
	step := g.span / time.Duration(max(g.n, 1))
	created := g.start.Add(time.Duration(int64(g.span) * int64(i) / int64(max(g.n, 1))))
	if step > time.Second {
		created = created.Add(time.Duration(g.rng.Int64N(int64(step))))
	}
	created = created.Truncate(time.Second)
	c.CreatedAt, c.UpdatedAt = created, created
	if g.rng.IntN(4) == 0 {
		c.UpdatedAt = created.Add(time.Duration(g.rng.Int64N(int64(g.last.Sub(created))))).Truncate(time.Second)
	}
	c.ID = ulid.MustNew(uint64(created.UnixMilli())+uint64(g.rng.IntN(1000)), g.ids).String()

	first, last := co.first[g.rng.IntN(len(co.first))], co.last[g.rng.IntN(len(co.last))]
	if g.rng.IntN(8) == 0 {
		last = co.last[g.rng.IntN(len(co.last))] + "-" + last
	}
	hasName := g.rng.IntN(25) != 0
	c.Name, c.Email, c.CompanyName, c.Note = nil, nil, nil, nil
	if hasName {
		c.Name = ptr(first + " " + last)
	}
	var domain string
	if g.rng.IntN(100) < 55 {
		var name string
		switch g.rng.IntN(7) {
		case 0:
			name = co.last[g.rng.IntN(len(co.last))] + " & " + partners[g.rng.IntN(len(partners))]
		case 1:
			name = companyWords[g.rng.IntN(len(companyWords))]
		default:
			name = companyWords[g.rng.IntN(len(companyWords))] + " " + companyKinds[g.rng.IntN(len(companyKinds))]
		}
		c.CompanyName = ptr(name + " " + co.suffixes[g.rng.IntN(len(co.suffixes))])
		domain = asciiFold(strings.ReplaceAll(strings.ReplaceAll(name, " & ", ""), " ", "")) + "." + co.tld
	}
	if g.rng.IntN(100) < 65 {
		if domain == "" || g.rng.IntN(2) == 0 {
			domain = co.mail[g.rng.IntN(len(co.mail))]
		}
		local := asciiFold(first) + "." + asciiFold(last)
		switch {
		case !hasName:
			local = []string{"info", "contact", "office", "sales"}[g.rng.IntN(4)]
		case g.rng.IntN(3) == 0:
			local += fmt.Sprint(g.rng.IntN(100))
		case g.rng.IntN(4) == 0:
			local = asciiFold(first)[:1] + asciiFold(last)
		}
		c.Email = ptr(local + "@" + domain)
	}
	if g.rng.IntN(100) >= 45 {
		c.Note = ptr(g.note())
	}
	return key, nil
}

func ptr(s string) *string { return &s }

// note is free text of varied length: mostly a phrase or a few sentences,
// sometimes paragraphs or a list, rarely thousands of characters.
func (g *generator) note() string {
	sentences := func(n int) string {
		var b strings.Builder
		for j := range n {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(phrases[g.rng.IntN(len(phrases))])
		}
		return b.String()
	}
	switch x := g.rng.IntN(100); {
	case x < 60:
		return sentences(1)
	case x < 90:
		return sentences(2 + g.rng.IntN(4))
	case x < 95:
		paras := make([]string, 2+g.rng.IntN(4))
		for j := range paras {
			paras[j] = sentences(2 + g.rng.IntN(6))
		}
		return strings.Join(paras, "\n\n")
	case x < 99:
		items := make([]string, 3+g.rng.IntN(8))
		for j := range items {
			items[j] = "- " + phrases[g.rng.IntN(len(phrases))]
		}
		return "Call log:\n" + strings.Join(items, "\n")
	default:
		paras := make([]string, 15+g.rng.IntN(40))
		for j := range paras {
			paras[j] = sentences(3 + g.rng.IntN(5))
		}
		s := strings.Join(paras, "\n\n")
		if r := []rune(s); len(r) > contacts.MaxNoteLen {
			s = strings.TrimSpace(string(r[:contacts.MaxNoteLen]))
		}
		return s
	}
}

var folds = strings.NewReplacer("ø", "o", "Ø", "o", "æ", "ae", "Æ", "ae", "å", "a", "Å", "a", "ü", "u", "ö", "o", "Ö", "o",
	"ä", "a", "ß", "ss", "é", "e", "è", "e", "ë", "e", "ç", "c", "ï", "i", "'", "", "-", "", "/", "")

// asciiFold makes a name usable in an email address: lower-case ASCII.
func asciiFold(s string) string {
	s = folds.Replace(s)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "x"
	}
	return string(b)
}
