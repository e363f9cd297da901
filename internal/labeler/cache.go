package labeler

import (
	"hash/maphash"
	"math"
	"strings"
	"sync"

	"github.com/phoneinc/contacts"
)

// nShards splits the cache so that workers rarely wait for each other.
const nShards = 16

// cache maps a number as written to its Result. It holds at most a number
// of entries and about a number of bytes, whichever binds first, and
// evicts with the CLOCK algorithm (an LRU's behaviour with no list to
// keep): a hit marks an entry used; a new entry replaces the first one the
// clock hand finds unused since it last passed, clearing the marks it
// passes. A hit allocates nothing.
type cache struct {
	seed   maphash.Seed
	shards [nShards]shard
}

type shard struct {
	mu         sync.Mutex
	index      map[string]int32 // key → slot
	slots      []slot
	free       []int32 // slots emptied to make room in bytes
	hand       int
	bytes      int
	maxEntries int
	maxBytes   int
	_          [32]byte // keep shards on their own cache lines
}

type slot struct {
	e      entry
	weight int32
	used   bool // hit since the hand last passed
	live   bool
}

// entry is a Result packed small, for there may be a hundred thousand:
// one string holds the key and the label's strings (the contact's id, name
// and company, or the number's E.164 and international forms), and the
// index's key is the start of that string. With a Slim labeler an entry
// weighs about 150 to 200 bytes.
type entry struct {
	text    string // key, then three parts: [k:a], [a:b], [b:]
	k, a, b uint16
	found   bool              // the parts are id, name, company; else phone, formatted, ""
	c       *contacts.Contact // the whole contact, unless Slim
	err     *contacts.Error
}

// entryOverhead is what an entry costs beyond its strings: its slot, its
// index entry and the index's slack.
const entryOverhead = 112

func newCache(entries, bytes int) *cache {
	c := &cache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		s := &c.shards[i]
		s.maxEntries = max(1, entries/nShards)
		s.maxBytes = max(1, bytes/nShards)
		s.index = make(map[string]int32)
	}
	return c
}

func (c *cache) shard(k string) *shard {
	return &c.shards[maphash.String(c.seed, k)%nShards]
}

func (c *cache) get(k string) (Result, bool) {
	s := c.shard(k)
	s.mu.Lock()
	i, ok := s.index[k]
	var e entry
	if ok {
		sl := &s.slots[i]
		sl.used = true
		e = sl.e
	}
	s.mu.Unlock()
	if !ok {
		return Result{}, false
	}
	return e.result(), true
}

func (c *cache) put(k string, r Result) {
	e, ok := pack(k, r)
	if !ok {
		return
	}
	w := e.weight()
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if w > s.maxBytes {
		return
	}
	if i, ok := s.index[k]; ok { // another worker got there first
		sl := &s.slots[i]
		s.bytes += w - int(sl.weight)
		sl.e, sl.weight = e, int32(w)
		return
	}
	i := int32(-1)
	switch {
	case len(s.free) > 0 && s.bytes+w <= s.maxBytes:
		i, s.free = s.free[len(s.free)-1], s.free[:len(s.free)-1]
	case len(s.slots) < s.maxEntries && s.bytes+w <= s.maxBytes:
		s.slots = append(s.slots, slot{})
		i = int32(len(s.slots) - 1)
	}
	for i < 0 || s.bytes+w > s.maxBytes {
		j := s.evict()
		if i < 0 {
			i = j
		} else {
			s.free = append(s.free, j)
		}
	}
	s.slots[i] = slot{e: e, weight: int32(w), live: true}
	s.index[e.text[:e.k]] = i
	s.bytes += w
}

// evict empties the next slot that was not used since the hand last
// passed, and returns it.
func (s *shard) evict() int32 {
	for {
		if s.hand >= len(s.slots) {
			s.hand = 0
		}
		i := s.hand
		s.hand++
		sl := &s.slots[i]
		switch {
		case !sl.live:
		case sl.used:
			sl.used = false
		default:
			delete(s.index, sl.e.text[:sl.e.k])
			s.bytes -= int(sl.weight)
			*sl = slot{}
			return int32(i)
		}
	}
}

// pack makes an entry of r, copying the strings it keeps into one (the key
// is usually part of a larger string, a CSV record, which must not be kept
// alive). It fails for text too long to pack, which is then not cached.
func pack(k string, r Result) (entry, bool) {
	e := entry{found: r.ID != "", c: r.Contact, err: r.Err}
	p1, p2, p3 := r.Phone, r.Formatted, ""
	switch {
	case r.Contact != nil:
		p1, p2 = "", "" // the contact has them
	case e.found:
		p1, p2, p3 = r.ID, r.Name, r.Company
	}
	n := len(k) + len(p1) + len(p2) + len(p3)
	if n > math.MaxUint16 {
		return entry{}, false
	}
	if n == len(k) {
		e.text = strings.Clone(k)
	} else {
		e.text = k + p1 + p2 + p3
	}
	e.k = uint16(len(k))
	e.a = e.k + uint16(len(p1))
	e.b = e.a + uint16(len(p2))
	return e, true
}

// weight estimates the bytes an entry keeps alive.
func (e *entry) weight() int {
	w := entryOverhead + len(e.text)
	if c := e.c; c != nil {
		w += 9*16 + 128 + len(c.ID) + len(c.Phone) + len(c.PhoneFormatted) +
			strlen(c.Name) + strlen(c.Email) + strlen(c.CompanyName) + strlen(c.Note)
	}
	if e.err != nil {
		w += 96 + len(e.err.Message)
	}
	return w
}

func strlen(s *string) int {
	if s == nil {
		return 0
	}
	return len(*s)
}

// result unpacks an entry, without allocating.
func (e *entry) result() Result {
	if c := e.c; c != nil {
		return Result{ID: c.ID, Name: deref(c.Name), Company: deref(c.CompanyName), Contact: c,
			Phone: c.Phone, Formatted: c.PhoneFormatted}
	}
	p1, p2, p3 := e.text[e.k:e.a], e.text[e.a:e.b], e.text[e.b:]
	if e.found {
		return Result{ID: p1, Name: p2, Company: p3}
	}
	return Result{Phone: p1, Formatted: p2, Err: e.err}
}

// stats returns the number of entries and their weight, for tests.
func (c *cache) stats() (entries, bytes int) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		entries += len(s.index)
		bytes += s.bytes
		s.mu.Unlock()
	}
	return entries, bytes
}
