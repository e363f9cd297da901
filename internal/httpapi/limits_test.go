package httpapi_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phoneinc/contacts/internal/httpapi"
)

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
