package cmd

import "testing"

func TestNewCmdShow(t *testing.T) {
	testNewCmd(t, newCmdShow, nil, []flagTest[showOptions]{
		{name: "id", cli: "01jvwx3g8k9q2m4n5p6r7s8t9v", want: showOptions{Ref: "01jvwx3g8k9q2m4n5p6r7s8t9v"}},
		{name: "phone", cli: `"+45 20 12 34 56"`, want: showOptions{Ref: "+45 20 12 34 56"}},
		{name: "no ref", cli: "", wantErr: "show: a contact id or phone number is required (see 'contacts show --help')"},
		{name: "two refs", cli: "a b", wantErr: "show: 2 arguments given; it takes a contact id or phone number (see 'contacts show --help')"},
		{name: "unknown flag", cli: "a --yes", wantErr: "unknown flag: --yes (see 'contacts show --help')"},
	})
}
