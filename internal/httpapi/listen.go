package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Timeouts that Serve sets on a server that has none of its own. Reads
// are small (a contact is at most a few tens of KB), so a client that
// dawdles over them is cut off soon. WriteTimeout bounds an ordinary
// answer; a listing renews its own deadline as it streams.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	// ShutdownTimeout is how long a shutdown waits for requests in flight
	// before it cuts them off.
	ShutdownTimeout = 30 * time.Second
)

// ListenAndServe listens on srv.Addr and serves until ctx is done, then
// shuts down gracefully: see Serve.
func ListenAndServe(ctx context.Context, srv *http.Server) error {
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	return Serve(ctx, srv, ln)
}

// Serve serves srv on ln until ctx is done (SIGINT or SIGTERM, in the
// CLI), then stops accepting connections and waits up to ShutdownTimeout
// for requests in flight to finish before it closes the rest. It sets the
// package's timeouts on srv where srv has none. It returns nil after a
// shutdown in which every request finished.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	setTimeouts(srv)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err // it never returns nil: a failure to accept
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
		err = fmt.Errorf("shutdown: requests still running after %v were cut off", ShutdownTimeout)
	}
	if serr := <-errc; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	return err
}

func setTimeouts(srv *http.Server) {
	if srv.ReadHeaderTimeout == 0 {
		srv.ReadHeaderTimeout = ReadHeaderTimeout
	}
	if srv.ReadTimeout == 0 {
		srv.ReadTimeout = ReadTimeout
	}
	if srv.WriteTimeout == 0 {
		srv.WriteTimeout = WriteTimeout
	}
	if srv.IdleTimeout == 0 {
		srv.IdleTimeout = IdleTimeout
	}
	if srv.MaxHeaderBytes == 0 {
		srv.MaxHeaderBytes = 64 << 10
	}
}

// IsLoopback reports whether addr ("host:port") listens only on the
// loopback interface: localhost, 127.0.0.0/8 or ::1. An address with no
// host (":8080") listens on every interface, and is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	// A zone (fe80::1%eth0) is never loopback; ParseIP refuses it.
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
