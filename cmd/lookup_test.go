package cmd

import "testing"

func TestNewCmdLookup(t *testing.T) {
	testNewCmd(t, newCmdLookup, nil, []flagTest[lookupOptions]{
		{name: "number", cli: `"+45 20 12 34 56"`, want: lookupOptions{Number: "+45 20 12 34 56"}},
		{name: "sip uri", cli: `'"Niklas" <sip:+4520123456@host>'`, want: lookupOptions{Number: `"Niklas" <sip:+4520123456@host>`}},
		{name: "standard input", cli: "-", want: lookupOptions{Number: "-"}},
		{name: "no number", cli: "", wantErr: "lookup: a phone number (or - to read numbers from standard input) is required (see 'contacts lookup --help')"},
		{name: "two numbers", cli: "1 2", wantErr: "lookup: 2 arguments given; it takes a phone number (or - to read numbers from standard input) (see 'contacts lookup --help')"},
		{name: "unknown flag", cli: "1 --limit 2", wantErr: "unknown flag: --limit (see 'contacts lookup --help')"},
	})
}
