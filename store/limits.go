package store

import "fmt"

// Limits bound what a server holds open, so that it fits the process's
// limit on open files (RLIMIT_NOFILE) whatever its clients do: a server
// that runs out of descriptors can neither accept a connection nor open a
// book, and answers nobody.
type Limits struct {
	// Books is how many books are open at once (BooksOptions.MaxOpen).
	Books int
	// ConnsPerBook is the SQLite connections of each open book.
	ConnsPerBook int
	// Connections is how many client connections are accepted at once;
	// past them, new ones wait in the listen queue, holding no descriptor
	// of the server, until one closes.
	Connections int
}

// Bounds of LimitsFor: the most books and client connections it allows,
// however many descriptors the process may open. A book maps its file and
// keeps a page cache per connection; a connection costs a goroutine and
// its buffers.
const (
	MaxBooks       = DefaultMaxBooks
	MaxConnections = 4096
)

// reservedDescriptors are the descriptors a server needs besides its books
// and its clients: standard input, output and error, the listener, the
// network poller, the log, the key sets' reads, and a margin.
const reservedDescriptors = 32 + KeyReadDescriptors

// connectionDescriptors is the most one client connection holds: its
// socket, and the two of the SQLite connection a listing in flight holds
// (a book's main file and its WAL).
const connectionDescriptors = 3

// Descriptors is the most file descriptors a server of these limits
// holds open.
func (l Limits) Descriptors() int {
	return reservedDescriptors + l.Books*BookDescriptors(l.ConnsPerBook) + l.Connections*connectionDescriptors
}

// LimitsFor sizes the limits for a process that may open nofile files,
// with procs cores: books and connections left 0 are chosen, half of the
// descriptors to the books (at most MaxBooks) and the rest to client
// connections (at most MaxConnections). It refuses limits that do not fit.
func LimitsFor(nofile, procs, books, connections int) (Limits, error) {
	l := Limits{Books: books, ConnsPerBook: min(4*procs, 16), Connections: connections}
	l.ConnsPerBook = max(l.ConnsPerBook, 1)
	budget := nofile - reservedDescriptors
	if l.Books <= 0 {
		l.Books = min(MaxBooks, max(1, budget/2/BookDescriptors(l.ConnsPerBook)))
	}
	if l.Connections <= 0 {
		l.Connections = min(MaxConnections, (budget-l.Books*BookDescriptors(l.ConnsPerBook))/connectionDescriptors)
	}
	need := reservedDescriptors + l.Books*BookDescriptors(l.ConnsPerBook) + max(l.Connections, 1)*connectionDescriptors
	if l.Connections < 1 || need > nofile {
		return l, fmt.Errorf("%d open books (%d SQLite connections each) and %d client connections need up to %d open files, and this process may open %d: lower them, or raise the limit (ulimit -n)",
			l.Books, l.ConnsPerBook, max(l.Connections, 1), need, nofile)
	}
	return l, nil
}
