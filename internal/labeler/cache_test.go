package labeler

import (
	"hash/maphash"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/phoneinc/contacts"
)

func TestCacheBounded(t *testing.T) {
	c := newCache(256, 1<<20)
	for i := range 100_000 {
		c.put(strconv.Itoa(i), Result{Phone: strconv.Itoa(i)})
		if n, _ := c.stats(); n > 256 {
			t.Fatalf("after %d puts the cache holds %d entries, more than 256", i+1, n)
		}
	}
	// The newest entries are there, with their own values.
	for i := 100_000 - 64; i < 100_000; i++ {
		r, ok := c.get(strconv.Itoa(i))
		if !ok || r.Phone != strconv.Itoa(i) {
			t.Fatalf("entry %d: %v, %v", i, r, ok)
		}
	}
}

// Entries of whole contacts with long notes are bounded by their weight.
func TestCacheBoundedBytes(t *testing.T) {
	const budget = 1 << 20
	c := newCache(1<<20, budget)
	note := strings.Repeat("n", 10_000)
	for i := range 10_000 {
		k := "+45" + strconv.Itoa(20100000+i)
		c.put(k, Result{ID: "X", Contact: &contacts.Contact{ID: "X", Phone: k, Note: &note}})
		if _, bytes := c.stats(); bytes > budget {
			t.Fatalf("after %d puts the cache weighs %d bytes, more than %d", i+1, bytes, budget)
		}
	}
	n, _ := c.stats()
	if n < 50 || n > 105 {
		t.Errorf("%d entries of 10 kB in 1 MiB", n)
	}
	// Small entries fill the room the large ones leave. Where the clock's
	// hand stands when they start depends on the shards' seed, so enough of
	// them go in for the hand to pass every slot of every shard: then no
	// large entry is left, and each shard is full of small ones (about 116
	// bytes each, 565 to a shard's 64 KiB).
	for i := range 20_000 {
		c.put(strconv.Itoa(i), Result{})
	}
	if n, bytes := c.stats(); n < 8500 || bytes > budget {
		t.Errorf("after small entries: %d entries, %d bytes", n, bytes)
	}
	// An entry larger than a shard's share is not kept.
	huge := strings.Repeat("n", budget)
	c.put("huge", Result{ID: "X", Contact: &contacts.Contact{ID: "X", Note: &huge}})
	if _, ok := c.get("huge"); ok {
		t.Errorf("an entry larger than the cache was kept")
	}
}

// An entry in use survives, however many others pass through.
func TestCacheKeepsUsed(t *testing.T) {
	c := newCache(1024, 1<<20)
	c.put("hot", Result{Phone: "+4520123456"})
	for i := range 100_000 {
		c.put(strconv.Itoa(i), Result{})
		if i%32 == 0 {
			if r, ok := c.get("hot"); !ok || r.Phone != "+4520123456" {
				t.Fatalf("the hot entry was dropped after %d puts", i)
			}
		}
	}
}

// A working set smaller than the cache stays cached: 100,000 numbers (a
// large call log's callers) in the default cache.
func TestCacheHoldsWorkingSet(t *testing.T) {
	c := newCache(DefaultCacheSize, DefaultCacheBytes)
	for round := range 3 {
		for i := range 100_000 {
			k := "+45" + strconv.Itoa(20100000+i)
			if _, ok := c.get(k); ok != (round > 0) {
				t.Fatalf("round %d: entry %d cached=%v", round, i, ok)
			}
			if round == 0 {
				c.put(k, Result{ID: "01JVWX3G8K9Q2M4N5P6R7S8T9V", Name: "Firstname Lastname", Company: "Some Company ApS"})
			}
		}
	}
}

// Every kind of Result comes back from the cache as it went in, and the
// cache keeps no part of the string its key came from.
func TestCachePack(t *testing.T) {
	name := "Niklas"
	full := &contacts.Contact{ID: "01JVWX3G8K9Q2M4N5P6R7S8T9V", Name: &name, Phone: "+4520123456", PhoneFormatted: "+45 20 12 34 56"}
	bad := contacts.FieldErrorf("phone", "not a number")
	for _, r := range []Result{
		{ID: "01JVWX3G8K9Q2M4N5P6R7S8T9V", Name: "Niklas", Company: "Stephenson ApS"},                   // slim, found
		{ID: "01JVWX3G8K9Q2M4N5P6R7S8T9V"},                                                              // slim, found, no name
		{ID: full.ID, Name: "Niklas", Contact: full, Phone: full.Phone, Formatted: full.PhoneFormatted}, // full
		{Phone: "+4520123457", Formatted: "+45 20 12 34 57"},                                            // nobody has it
		{Err: bad}, // not a number
		{},         // slim: nobody, or not a number
	} {
		record := "2026-06-01,in,+4520123456,x"
		key := record[14:25]
		c := newCache(64, 1<<20)
		c.put(key, r)
		got, ok := c.get("+4520123456")
		if !ok || got != r {
			t.Errorf("put %+v, got %+v, %v", r, got, ok)
		}
		s := &c.shards[maphash.String(c.seed, key)%nShards]
		for k, i := range s.index {
			if unsafe.StringData(k) == unsafe.StringData(key) || unsafe.StringData(s.slots[i].e.text) == unsafe.StringData(key) {
				t.Errorf("the cache keeps the record the key came from")
			}
		}
	}
}
