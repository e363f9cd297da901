package cmd

import "testing"

func TestNewCmdRm(t *testing.T) {
	const id = "01JVWX3G8K9Q2M4N5P6R7S8T9V"
	testNewCmd(t, newCmdRm, nil, []flagTest[rmOptions]{
		{name: "yes", cli: id + " --yes", want: rmOptions{Refs: []string{id}, Yes: true}},
		{name: "y and several refs", cli: `-y "+45 20 12 34 56" +14155552671 ` + id,
			want: rmOptions{Refs: []string{"+45 20 12 34 56", "+14155552671", id}, Yes: true}},
		{name: "asks on a terminal", cli: id, tty: true, want: rmOptions{Refs: []string{id}}},
		{name: "no yes off a terminal", cli: id, wantErr: "rm needs --yes when not run on a terminal; nothing was deleted"},
		{name: "no ref", cli: "--yes", wantErr: "rm: a contact id or phone number is required (see 'contacts rm --help')"},
		{name: "no ref off a terminal", cli: "", wantErr: "rm: a contact id or phone number is required (see 'contacts rm --help')"},
	})
}
