// Package labeler puts names on phone numbers in bulk: it is the engine of
// `contacts lookup -` (numbers one per line) and `contacts label` (a CSV
// call log). It reads from any book that can find a contact by phone
// number, through a bounded cache, on every core, and writes results in
// input order.
//
// Call logs repeat numbers: a log of a million calls may come from a
// hundred thousand callers. So each distinct number as written is resolved
// once (normalized, looked up) and the answer kept in a cache of bounded
// size; memory stays constant whatever the length of the log.
package labeler

import (
	"context"
	"errors"
	"runtime"

	"github.com/phoneinc/contacts"
)

// Finder finds a contact by phone number. contacts.Service has it, so a
// local book and the HTTP client both work.
type Finder interface {
	// FindContactByPhone returns the contact whose number is phone.
	// ENOTFOUND when there is none; EINVALID when phone is not a number.
	FindContactByPhone(ctx context.Context, phone string) (*contacts.Contact, error)
}

// The cache's bounds when Options leave them 0: more distinct numbers than
// a large call log has callers (a million calls from 100,000 numbers), and
// a memory bound for when whole contacts are kept (lookup - -o json) and
// their notes are long. A Slim entry weighs about 150 to 200 bytes.
const (
	DefaultCacheSize  = 1 << 17
	DefaultCacheBytes = 64 << 20
)

// maxKey is the longest input that is cached: longer input is not a phone
// number (libphonenumber refuses more than 250 characters), and is
// answered without using the cache.
const maxKey = 256

// Options configure a Labeler.
type Options struct {
	// Region is the default region for numbers without a country code
	// (ISO 3166 alpha-2, upper case; "" for none).
	Region string
	// CacheSize bounds the number of answers kept; 0 means
	// DefaultCacheSize, a negative value turns the cache off.
	CacheSize int
	// CacheBytes bounds the memory the answers kept take, roughly; 0
	// means DefaultCacheBytes.
	CacheBytes int
	// Workers is how many numbers are resolved at once; 0 means one per
	// CPU (GOMAXPROCS).
	Workers int
	// Slim is for labels, which need only ID, Name and Company: Result's
	// Contact is then always nil, cache entries are small, and Phone,
	// Formatted and Err are left empty where that saves work (a number
	// nobody has is not described).
	Slim bool
}

// Result is what is known about one written number.
type Result struct {
	// ID, Name and Company label the number: the id, name and company
	// name ("" when not set) of the contact who has it. ID is "" when
	// nobody has the number or the input is not a number.
	ID, Name, Company string
	// Contact is the whole contact, when one has the number; always nil
	// with Options.Slim.
	Contact *contacts.Contact
	// Phone and Formatted are the number in E.164 and international
	// format; "" when the input is not a valid number (and, with Slim,
	// maybe for others).
	Phone, Formatted string
	// Err says why the input is not a number (EINVALID); nil when it is
	// one, known or not (and, with Slim, maybe when it is not).
	Err *contacts.Error
}

// Found reports whether a contact has the number.
func (r *Result) Found() bool { return r.ID != "" }

// Labeler resolves written phone numbers to contacts. It is safe for
// concurrent use.
type Labeler struct {
	find    Finder
	region  string
	slim    bool
	workers int
	cache   *cache // nil when off
}

// New returns a Labeler that reads from find.
func New(find Finder, opts Options) *Labeler {
	l := &Labeler{find: find, region: opts.Region, slim: opts.Slim, workers: opts.Workers}
	if l.workers <= 0 {
		l.workers = runtime.GOMAXPROCS(0)
	}
	if opts.CacheSize >= 0 {
		size, bytes := opts.CacheSize, opts.CacheBytes
		if size == 0 {
			size = DefaultCacheSize
		}
		if bytes <= 0 {
			bytes = DefaultCacheBytes
		}
		l.cache = newCache(size, bytes)
	}
	return l
}

// errNoNumber is the answer for empty input (a blank line, an empty
// field: an anonymous call).
var errNoNumber = contacts.FieldErrorf("phone", "required")

// Label resolves one number as written. The error is only for a failure
// of the book (I/O, a damaged file), which should stop the run: an unknown
// number or input that is not a number is an answer, in the Result.
func (l *Labeler) Label(ctx context.Context, raw string) (Result, error) {
	if raw == "" {
		return Result{Err: errNoNumber}, nil
	}
	if l.cache == nil || len(raw) > maxKey {
		return l.resolve(ctx, raw)
	}
	if r, ok := l.cache.get(raw); ok {
		return r, nil
	}
	r, err := l.resolve(ctx, raw)
	if err != nil {
		return r, err
	}
	l.cache.put(raw, r)
	return r, nil
}

// resolve normalizes and looks up one number. Normalizing costs tens of
// microseconds in libphonenumber, so input that reads as E.164 once its
// separators are stripped (what phone systems write: +4520123456,
// +45 20 12 34 56, 004520123456) goes to the book in that form first: when
// the book has the number, that is the whole answer. Otherwise, and for
// other input, the number is normalized.
func (l *Labeler) resolve(ctx context.Context, raw string) (Result, error) {
	if probe, ok := contacts.QuickE164(raw, l.region); ok {
		c, err := l.find.FindContactByPhone(ctx, probe)
		switch contacts.ErrorCode(err) {
		case "":
			return l.found(c), nil
		case contacts.ENOTFOUND, contacts.EINVALID:
			// The probe is the same number as raw, in any form the book
			// accepts: nobody has it, or it is not a number. Say which,
			// and what the number is, unless only contacts are wanted.
			if l.slim {
				return Result{}, nil
			}
			p, err := contacts.NormalizeCaller(raw, l.region)
			if err != nil {
				return l.invalid(err)
			}
			return Result{Phone: p.E164, Formatted: p.Formatted}, nil
		default:
			return Result{}, err
		}
	}
	p, err := contacts.NormalizeCaller(raw, l.region)
	if err != nil {
		return l.invalid(err)
	}
	c, err := l.find.FindContactByPhone(ctx, p.E164)
	switch contacts.ErrorCode(err) {
	case "":
		return l.found(c), nil
	case contacts.ENOTFOUND:
		return Result{Phone: p.E164, Formatted: p.Formatted}, nil
	}
	return Result{}, err
}

// invalid is the answer for input that NormalizePhone refused: EINVALID
// says why; any other error is a failure.
func (l *Labeler) invalid(err error) (Result, error) {
	var e *contacts.Error
	if !errors.As(err, &e) || e.Code != contacts.EINVALID {
		return Result{}, err
	}
	if l.slim {
		return Result{}, nil
	}
	return Result{Err: e}, nil
}

func (l *Labeler) found(c *contacts.Contact) Result {
	r := Result{ID: c.ID, Name: deref(c.Name), Company: deref(c.CompanyName)}
	if !l.slim {
		r.Contact, r.Phone, r.Formatted = c, c.Phone, c.PhoneFormatted
	}
	return r
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
