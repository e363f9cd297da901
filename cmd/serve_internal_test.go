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
