package cmd

import "testing"

func TestNewCmdList(t *testing.T) {
	testNewCmd(t, newCmdList, nil, []flagTest[listOptions]{
		{name: "no flags", cli: ""},
		{name: "phone", cli: `--phone "+45 20 12 34 56"`, want: listOptions{Phone: "+45 20 12 34 56", PhoneGiven: true}},
		{name: "empty phone is given", cli: `--phone ''`, want: listOptions{PhoneGiven: true}},
		{name: "limit", cli: "--limit 10", want: listOptions{Limit: 10}},
		{name: "both", cli: "--limit=1 --phone 004520123456", want: listOptions{Phone: "004520123456", PhoneGiven: true, Limit: 1}},
		{name: "limit 0", cli: "--limit 0", wantErr: "--limit: 0 is not a positive number"},
		{name: "negative limit", cli: "--limit -3", wantErr: "--limit: -3 is not a positive number"},
		{name: "limit not a number", cli: "--limit x",
			wantErr: `invalid argument "x" for "--limit" flag: strconv.ParseInt: parsing "x": invalid syntax (see 'contacts list --help')`},
		{name: "unknown flag", cli: "--name x", wantErr: "unknown flag: --name (see 'contacts list --help')"},
		{name: "an argument", cli: "x", wantErr: `unknown command "x" for "contacts list" (see 'contacts list --help')`},
	})
}
