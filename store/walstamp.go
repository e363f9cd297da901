package store

import (
	"bytes"
	"crypto/sha256"
	"os"
	"sync"
	"time"
)

// A book in WAL mode has a -shm file beside it, the WAL index that every
// connection of every process maps. Its first 96 bytes are two copies of
// the WAL-index header, which SQLite rewrites on every commit by any
// process (a change counter, the last frame, the salts and checksums) and
// on every restart of the WAL. Reading those bytes, a single pread, tells
// whether anything at all was written since the last look, far cheaper
// than a query. The API-key check uses it: a key that passed, with nothing
// written since, still passes, and any write (a `keys revoke` among them)
// sends the next request back to the query.
const walStampLen = 96

type walStamp [walStampLen]byte

// stampFile is the -shm file, kept open between looks.
type stampFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
	fi   os.FileInfo
}

// read returns the header, and false when there is none to trust: no -shm
// file (a book opened read-only and immutable has none), a short file, or
// the two copies differing (a commit in progress). A -shm file that was
// deleted and made again (when every connection of every process closed)
// is noticed by its identity, and reopened.
func (s *stampFile) read() (walStamp, bool) {
	var st walStamp
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := os.Stat(s.path)
	if err != nil {
		s.close()
		return st, false
	}
	if s.f == nil || !os.SameFile(cur, s.fi) {
		s.close()
		f, err := os.Open(s.path)
		if err != nil {
			return st, false
		}
		fi, err := f.Stat()
		if err != nil || !os.SameFile(cur, fi) {
			f.Close()
			return st, false
		}
		s.f, s.fi = f, fi
	}
	if n, err := s.f.ReadAt(st[:], 0); n != walStampLen || err != nil {
		return st, false
	}
	if !bytes.Equal(st[:walStampLen/2], st[walStampLen/2:]) {
		return st, false
	}
	return st, true
}

func (s *stampFile) close() {
	if s.f != nil {
		s.f.Close()
		s.f, s.fi = nil, nil
	}
}

// keyCache remembers the keys of this book that passed CheckKey, with the
// WAL stamp read before the query that passed them.
type keyCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]keyCacheEntry
}

type keyCacheEntry struct {
	id    string
	stamp walStamp
	used  time.Time // the key's last_used_at
}

// maxCachedKeys bounds the cache; only good keys enter it.
const maxCachedKeys = 1000

// get returns the id of a key that passed with the book as it is now,
// while its last_used_at is fresh: once it is stale, the check goes back
// to the query, which records the use.
func (c *keyCache) get(sum [sha256.Size]byte, stamp walStamp, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[sum]
	if !ok || e.stamp != stamp || now.Sub(e.used) >= touchInterval || now.Before(e.used) {
		return "", false
	}
	return e.id, true
}

func (c *keyCache) put(sum [sha256.Size]byte, id string, stamp walStamp, used time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedKeys {
		c.m = map[[sha256.Size]byte]keyCacheEntry{}
	}
	c.m[sum] = keyCacheEntry{id: id, stamp: stamp, used: used}
}
