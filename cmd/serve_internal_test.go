package cmd

import (
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
)

// TestCheckAddr covers the refusal to listen beyond loopback without an
// explicit address. Today --addr is serve's only source of an address, so
// a non-loopback one is always explicit and the refusal cannot be reached
// from the command line; it guards the default, and any later source of
// an address (a config key, an environment variable).
func TestCheckAddr(t *testing.T) {
	for _, tt := range []struct {
		addr     string
		explicit bool
		code     string // the error's code, "" for none
		warn     bool
	}{
		{defaultAddr, false, "", false},
		{"127.0.0.1:0", true, "", false},
		{"localhost:8080", false, "", false},
		{"[::1]:0", false, "", false},
		{"0.0.0.0:8080", false, contacts.EUSAGE, false},
		{":8080", false, contacts.EUSAGE, false},
		{"192.0.2.1:8080", false, contacts.EUSAGE, false},
		{"0.0.0.0:8080", true, "", true},
		{":8080", true, "", true},
		{"nonsense", true, contacts.EUSAGE, false},
		{"", false, contacts.EUSAGE, false},
	} {
		warning, err := checkAddr(tt.addr, tt.explicit)
		if got := contacts.ErrorCode(err); got != tt.code {
			t.Errorf("checkAddr(%q, %v): code %q (%v), want %q", tt.addr, tt.explicit, got, err, tt.code)
		}
		if got := warning != ""; got != tt.warn {
			t.Errorf("checkAddr(%q, %v): warning %q, want one: %v", tt.addr, tt.explicit, warning, tt.warn)
		}
		if tt.warn && !strings.Contains(warning, "TLS") {
			t.Errorf("checkAddr(%q, %v): warning %q does not mention TLS", tt.addr, tt.explicit, warning)
		}
	}
}

func TestNewCmdServe(t *testing.T) {
	testNewCmd(t, newCmdServe, nil, []flagTest[serveOptions]{
		{name: "loopback by default", cli: "", want: serveOptions{Addr: defaultAddr}},
		{name: "addr", cli: "--addr 127.0.0.1:0", want: serveOptions{Addr: "127.0.0.1:0", AddrGiven: true}},
		{name: "the default addr, given", cli: "--addr " + defaultAddr, want: serveOptions{Addr: defaultAddr, AddrGiven: true}},
		{name: "bounds", cli: "--max-books 8 --max-connections 100", want: serveOptions{Addr: defaultAddr, MaxBooks: 8, MaxConns: 100}},
		// Checked by serveRun, after client mode: see TestCheckAddr.
		{name: "negative bounds", cli: "--max-books -1", want: serveOptions{Addr: defaultAddr, MaxBooks: -1}},
		{name: "bound not a number", cli: "--max-books x",
			wantErr: `invalid argument "x" for "--max-books" flag: strconv.ParseInt: parsing "x": invalid syntax (see 'contacts serve --help')`},
		{name: "an argument", cli: "8080", wantErr: `unknown command "8080" for "contacts serve" (see 'contacts serve --help')`},
	})
}
