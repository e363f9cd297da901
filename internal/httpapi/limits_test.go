package httpapi_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phoneinc/contacts/internal/httpapi"
)

func TestLimitsFor(t *testing.T) {
	for _, tc := range []struct {
		nofile, procs, books, conns int
		want                        httpapi.Limits
		err                         bool
	}{
		{512, 2, 0, 0, httpapi.Limits{Books: 11, ConnsPerBook: 8, Connections: 85}, false},
		{1024, 2, 0, 0, httpapi.Limits{Books: 24, ConnsPerBook: 8, Connections: 169}, false},
		{1 << 20, 2, 0, 0, httpapi.Limits{Books: httpapi.MaxBooks, ConnsPerBook: 8, Connections: httpapi.MaxConnections}, false},
		{1 << 20, 64, 0, 0, httpapi.Limits{Books: httpapi.MaxBooks, ConnsPerBook: 16, Connections: httpapi.MaxConnections}, false},
		{100, 2, 0, 0, httpapi.Limits{Books: 1, ConnsPerBook: 8, Connections: 15}, false},
		{512, 2, 5, 10, httpapi.Limits{Books: 5, ConnsPerBook: 8, Connections: 10}, false},
		{512, 2, 30, 0, httpapi.Limits{}, true},
		{512, 2, 0, 1000, httpapi.Limits{}, true},
		{40, 2, 0, 0, httpapi.Limits{}, true},
	} {
		got, err := httpapi.LimitsFor(tc.nofile, tc.procs, tc.books, tc.conns)
		if tc.err {
			if err == nil {
				t.Errorf("LimitsFor(%d, %d, %d, %d)=%+v, want an error", tc.nofile, tc.procs, tc.books, tc.conns, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("LimitsFor(%d, %d, %d, %d)=%+v, %v; want %+v", tc.nofile, tc.procs, tc.books, tc.conns, got, err, tc.want)
		}
		if got.Descriptors() > tc.nofile {
			t.Errorf("LimitsFor(%d, …): %+v needs %d descriptors", tc.nofile, got, got.Descriptors())
		}
	}
}

// TestLimitListener: with n connections open, the next one is accepted
// only once one of them is closed.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := httpapi.LimitListener(inner, 2)
	var open, most atomic.Int32
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			n := open.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	next := func() net.Conn {
		t.Helper()
		select {
		case c := <-accepted:
			return c
		case <-time.After(30 * time.Second):
			t.Fatal("no connection accepted within 30 s")
			return nil
		}
	}
	first, _ := next(), next()
	open.Add(-1)
	first.Close() // the third may come in now
	third := next()
	third.Close()
	if m := most.Load(); m > 2 {
		t.Errorf("%d connections open at once, want at most 2", m)
	}
	ln.Close()
	for range accepted { // Accept returns once the listener is closed
	}
}
