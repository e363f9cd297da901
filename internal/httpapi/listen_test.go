package httpapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts/internal/httpapi"
)

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080":   true,
		"127.1.2.3:80":     true,
		"localhost:8080":   true,
		"LocalHost:0":      true,
		"[::1]:8080":       true,
		":8080":            false,
		"0.0.0.0:8080":     false,
		"[::]:8080":        false,
		"192.168.1.10:80":  false,
		"example.com:80":   false,
		"127.0.0.1":        false, // no port: not an address
		"[fe80::1%lo]:80":  false,
		"localhost.evil:1": false,
	} {
		if got := httpapi.IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q)=%v, want %v", addr, got, want)
		}
	}
}

// watchedListener tells when it is closed, so that a test waits for that
// event rather than for a while.
type watchedListener struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (l *watchedListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

// TestServeGracefulShutdown: cancelling the context stops new connections
// and lets a request in flight finish.
func TestServeGracefulShutdown(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &watchedListener{Listener: inner, closed: make(chan struct{})}
	started, release := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- httpapi.Serve(ctx, srv, ln) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	<-ln.closed // Shutdown has closed the listener
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Minute); err == nil {
		c.Close()
		t.Error("a new connection was accepted during shutdown")
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	if s := <-got; s != "finished" {
		t.Errorf("in-flight request got %q", s)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve=%v, want nil", err)
	}
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("timeouts not set: %+v", srv)
	}
}

func TestListenAndServeError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = httpapi.ListenAndServe(context.Background(), &http.Server{Addr: ln.Addr().String()})
	if err == nil {
		t.Fatal("listened on a port in use")
	}
}
