package labeler_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/labeler"
)

var tmpRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB != nil {
		benchDB.Close()
	}
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

func tempDir() (string, error) {
	if tmpRoot == "" {
		dir, err := os.MkdirTemp("", "labeler-test-")
		if err != nil {
			return "", err
		}
		tmpRoot = dir
	}
	return tmpRoot, nil
}

// book is a Finder over a map, which checks its input as the store does,
// counts its calls, and can be made slow or failing.
type book struct {
	byPhone map[string]*contacts.Contact
	calls   atomic.Int64
	delay   func() time.Duration
	fail    error // returned for every call when set
	failOn  string

	mu   sync.Mutex
	seen []string // the numbers asked for
}

func newBook(cs ...*contacts.Contact) *book {
	b := &book{byPhone: map[string]*contacts.Contact{}}
	for _, c := range cs {
		b.byPhone[c.Phone] = c
	}
	return b
}

func (b *book) FindContactByPhone(_ context.Context, phone string) (*contacts.Contact, error) {
	b.calls.Add(1)
	b.mu.Lock()
	b.seen = append(b.seen, phone)
	b.mu.Unlock()
	if b.delay != nil {
		if d := b.delay(); d > 0 {
			time.Sleep(d)
		} else {
			runtime.Gosched()
		}
	}
	if b.fail != nil && (b.failOn == "" || b.failOn == phone) {
		return nil, b.fail
	}
	p, err := contacts.NormalizePhone(phone, "")
	if err != nil {
		return nil, err
	}
	if c, ok := b.byPhone[p.E164]; ok {
		return c, nil
	}
	return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s", p.E164)
}

func contact(phone, name, company string) *contacts.Contact {
	p, err := contacts.NormalizePhone(phone, "")
	if err != nil {
		panic(err)
	}
	c := &contacts.Contact{ID: contacts.NewID(), Phone: p.E164, PhoneFormatted: p.Formatted,
		CreatedAt: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)}
	if name != "" {
		c.Name = &name
	}
	if company != "" {
		c.CompanyName = &company
	}
	note, email := "a note", "x@example.com"
	c.Note, c.Email = &note, &email
	return c
}

var (
	niklas = contact("+4520123456", "Niklas Stephenson", "Stephenson ApS")
	ada    = contact("+14155552671", "Ada", "")
)

func TestLabel(t *testing.T) {
	ctx := context.Background()
	b := newBook(niklas, ada)
	l := labeler.New(b, labeler.Options{Region: "DK"})
	for _, tc := range []struct {
		in            string
		want          *contacts.Contact
		phone, format string
		invalid       bool
	}{
		{in: "+4520123456", want: niklas, phone: "+4520123456", format: "+45 20 12 34 56"},
		{in: "+45 20 12 34 56", want: niklas, phone: "+4520123456", format: "+45 20 12 34 56"},
		{in: "004520123456", want: niklas, phone: "+4520123456", format: "+45 20 12 34 56"},
		{in: "tel:+45-20-12-34-56", want: niklas, phone: "+4520123456", format: "+45 20 12 34 56"},
		{in: "20 12 34 56", want: niklas, phone: "+4520123456", format: "+45 20 12 34 56"}, // region DK
		{in: "+1 (415) 555-2671", want: ada, phone: "+14155552671", format: "+1 415-555-2671"},
		{in: "+4520123457", phone: "+4520123457", format: "+45 20 12 34 57"},     // unknown, E.164
		{in: "+45 20 12 34 57", phone: "+4520123457", format: "+45 20 12 34 57"}, // unknown, formatted
		{in: "+999123456", invalid: true},                                        // E.164's shape, no such country
		{in: "+4520123", invalid: true},                                          // too short
		{in: "not a number", invalid: true},
		{in: "", invalid: true},
		{in: "0045 20 12 34 56", want: niklas, phone: "+4520123456", format: "+45 20 12 34 56"}, // 00 in region DK
	} {
		t.Run(tc.in, func(t *testing.T) {
			r, err := l.Label(ctx, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.Contact, tc.want; got != want {
				t.Errorf("Contact = %v, want %v", got, want)
			}
			if got, want := r.Phone, tc.phone; got != want {
				t.Errorf("Phone = %q, want %q", got, want)
			}
			if got, want := r.Formatted, tc.format; got != want {
				t.Errorf("Formatted = %q, want %q", got, want)
			}
			if got, want := r.Err != nil, tc.invalid; got != want {
				t.Errorf("Err = %v, want invalid=%v", r.Err, want)
			}
			if r.Err != nil && contacts.ErrorCode(r.Err) != contacts.EINVALID {
				t.Errorf("Err code = %s, want invalid", contacts.ErrorCode(r.Err))
			}
		})
	}
	// The book is asked for numbers in E.164 only: region and written form
	// are the labeler's business.
	for _, p := range b.seen {
		if q, ok := contacts.QuickE164(p, ""); !ok || q != p {
			t.Errorf("the book was asked for %q, not an E.164 number", p)
		}
	}
}

func TestLabelCaches(t *testing.T) {
	ctx := context.Background()
	b := newBook(niklas)
	l := labeler.New(b, labeler.Options{})
	for range 5 {
		for _, in := range []string{"+4520123456", "+45 20 12 34 57", "nope"} {
			if _, err := l.Label(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	// "nope" never reaches the book; the other two once each.
	if got, want := b.calls.Load(), int64(2); got != want {
		t.Errorf("book calls = %d, want %d", got, want)
	}

	off := labeler.New(b, labeler.Options{CacheSize: -1})
	b.calls.Store(0)
	for range 5 {
		off.Label(ctx, "+4520123456")
	}
	if got, want := b.calls.Load(), int64(5); got != want {
		t.Errorf("book calls without a cache = %d, want %d", got, want)
	}
}

func TestLabelSlim(t *testing.T) {
	l := labeler.New(newBook(niklas), labeler.Options{Slim: true})
	for range 2 { // resolved, then cached
		r, err := l.Label(context.Background(), "+45 20 12 34 56")
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != niklas.ID || r.Name != *niklas.Name || r.Company != *niklas.CompanyName || !r.Found() {
			t.Errorf("slim result lost a label: %+v", r)
		}
		if r.Contact != nil {
			t.Errorf("slim result kept the contact")
		}
	}
	for _, in := range []string{"+4520123457", "abc", "+999123456"} {
		if r, err := l.Label(context.Background(), in); err != nil || r.Found() || r.Name != "" {
			t.Errorf("Label(%q) = %+v, %v; want no label", in, r, err)
		}
	}
}

// A failure of the book is an error, and is not cached.
func TestLabelBookError(t *testing.T) {
	ctx := context.Background()
	b := newBook(niklas)
	b.fail = errors.New("disk on fire")
	l := labeler.New(b, labeler.Options{})
	for _, in := range []string{"+4520123456", "+45 20 12 34 56"} {
		if _, err := l.Label(ctx, in); err == nil || err.Error() != "disk on fire" {
			t.Errorf("Label(%q) error = %v, want the book's", in, err)
		}
	}
	b.fail = nil
	if r, err := l.Label(ctx, "+4520123456"); err != nil || r.Contact != niklas {
		t.Errorf("after the book recovered: %v, %v", r.Contact, err)
	}
}

// slices is a Pipe over a slice of numbers, collecting what is written.
func slices(nums []string) (labeler.Pipe[int], *[]string) {
	var out []string
	i := 0
	return labeler.Pipe[int]{
		Read: func() (int, string, int, error) {
			if i == len(nums) {
				return 0, "", 0, io.EOF
			}
			i++
			return i - 1, nums[i-1], len(nums[i-1]), nil
		},
		Write: func(item int, r *labeler.Result) error {
			name := "-"
			if r.Found() {
				name = r.Name
			}
			out = append(out, fmt.Sprintf("%d %s %s", item, nums[item], name))
			return nil
		},
	}, &out
}

// Results come out in input order, however long each lookup takes, and
// each is the answer for its own number.
func TestRunOrder(t *testing.T) {
	var cs []*contacts.Contact
	for i := range 334 {
		cs = append(cs, contact(fmt.Sprintf("+452010%04d", i*3), "C"+strconv.Itoa(i*3), ""))
	}
	b := newBook(cs...)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 1))
	b.delay = func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		if rng.IntN(20) == 0 {
			return time.Duration(rng.IntN(200)) * time.Microsecond
		}
		return 0
	}
	var nums []string
	for i := range 3000 {
		nums = append(nums, fmt.Sprintf("+452010%04d", (i*7919)%1000))
	}
	for _, workers := range []int{1, 2, 8} {
		t.Run(strconv.Itoa(workers), func(t *testing.T) {
			l := labeler.New(b, labeler.Options{Workers: workers, CacheSize: 128})
			p, out := slices(nums)
			if err := labeler.Run(context.Background(), l, p); err != nil {
				t.Fatal(err)
			}
			if got, want := len(*out), len(nums); got != want {
				t.Fatalf("%d results, want %d", got, want)
			}
			for i, line := range *out {
				k := (i * 7919) % 1000
				name := "-"
				if k%3 == 0 {
					name = "C" + strconv.Itoa(k)
				}
				if want := fmt.Sprintf("%d %s %s", i, nums[i], name); line != want {
					t.Fatalf("result %d = %q, want %q", i, line, want)
				}
			}
		})
	}
}

// An input error comes after the items read before it.
func TestRunReadError(t *testing.T) {
	l := labeler.New(newBook(niklas), labeler.Options{})
	var out []int
	i := 0
	err := labeler.Run(context.Background(), l, labeler.Pipe[int]{
		Read: func() (int, string, int, error) {
			if i == 1500 {
				return 0, "", 0, errors.New("bad input")
			}
			i++
			return i - 1, "+4520123456", 11, nil
		},
		Write: func(item int, r *labeler.Result) error {
			if r.Contact != niklas {
				t.Errorf("item %d: no contact", item)
			}
			out = append(out, item)
			return nil
		},
	})
	if err == nil || err.Error() != "bad input" {
		t.Fatalf("error = %v, want the input's", err)
	}
	if len(out) != 1500 {
		t.Fatalf("%d items written before the error, want 1500", len(out))
	}
}

func TestRunWriteError(t *testing.T) {
	l := labeler.New(newBook(niklas), labeler.Options{})
	n := 0
	err := labeler.Run(context.Background(), l, labeler.Pipe[int]{
		Read: func() (int, string, int, error) { n++; return n, "+4520123456", 11, nil }, // endless
		Write: func(int, *labeler.Result) error {
			return errors.New("broken pipe")
		},
	})
	if err == nil || err.Error() != "broken pipe" {
		t.Fatalf("error = %v, want the writer's", err)
	}
}

func TestRunBookError(t *testing.T) {
	b := newBook(niklas)
	b.fail, b.failOn = errors.New("disk on fire"), "+4520123457"
	l := labeler.New(b, labeler.Options{})
	nums := make([]string, 3000)
	for i := range nums {
		nums[i] = "+4520123456"
	}
	nums[2000] = "+4520123457"
	p, out := slices(nums)
	if err := labeler.Run(context.Background(), l, p); err == nil || err.Error() != "disk on fire" {
		t.Fatalf("error = %v, want the book's", err)
	}
	if len(*out) > 2000 {
		t.Errorf("%d items written, want at most the 2000 before the failure", len(*out))
	}
}

func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l := labeler.New(newBook(niklas), labeler.Options{})
	n := 0
	err := labeler.Run(ctx, l, labeler.Pipe[int]{
		Read: func() (int, string, int, error) { n++; return n, "+4520123456", 11, nil }, // endless
		Write: func(item int, _ *labeler.Result) error {
			if item == 10000 {
				cancel()
			}
			return nil
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}

	// Cancelled while the reader waits for input: the run stops, and says
	// so. (A reader may still be running when Run returns with an error:
	// it has its own count.)
	ctx, cancel = context.WithCancel(context.Background())
	m := 0
	err = labeler.Run(ctx, l, labeler.Pipe[int]{
		Read: func() (int, string, int, error) {
			m++
			if m == 3 {
				cancel()
			}
			return m, "+4520123456", 11, nil
		},
		Ready: func() bool { return false }, // each item is a batch
		Write: func(int, *labeler.Result) error { return nil },
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

// Under -race: many goroutines share one labeler and its cache.
func TestLabelConcurrent(t *testing.T) {
	var cs []*contacts.Contact
	for i := range 100 {
		cs = append(cs, contact(fmt.Sprintf("+452010%04d", i), "C"+strconv.Itoa(i), ""))
	}
	l := labeler.New(newBook(cs...), labeler.Options{CacheSize: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := (i*31 + g) % 200
				r, err := l.Label(context.Background(), fmt.Sprintf("+452010%04d", k))
				if err != nil {
					t.Error(err)
					return
				}
				if r.Found() != (k < 100) || r.Found() && (r.Name != "C"+strconv.Itoa(k) || *r.Contact.Name != r.Name) {
					t.Errorf("number %d: wrong answer %+v", k, r)
					return
				}
			}
		}()
	}
	wg.Wait()
}
