package cmd

import "testing"

func TestNewCmdLabel(t *testing.T) {
	needs := "label needs --column: the column that holds the phone numbers (see 'contacts label --help')"
	testNewCmd(t, newCmdLabel, nil, []flagTest[labelOptions]{
		{name: "column", cli: "calls.csv --column from", want: labelOptions{File: "calls.csv", Column: "from", Comma: ','}},
		{name: "standard input, a position, a delimiter", cli: "- --column 3 --delimiter ';'", want: labelOptions{File: "-", Column: "3", Comma: ';'}},
		{name: "tab", cli: "x --column a --delimiter tab", want: labelOptions{File: "x", Column: "a", Comma: '\t'}},
		{name: `\t`, cli: `x --column a --delimiter '\t'`, want: labelOptions{File: "x", Column: "a", Comma: '\t'}},
		{name: "a character beyond ASCII", cli: "x --column a --delimiter '§'", want: labelOptions{File: "x", Column: "a", Comma: '§'}},
		{name: "no column", cli: "calls.csv", wantErr: needs},
		{name: "empty column", cli: "calls.csv --column ''", wantErr: needs},
		{name: "column before delimiter", cli: "calls.csv --delimiter ';;'", wantErr: needs},
		{name: "two characters", cli: "x --column a --delimiter ';;'", wantErr: `--delimiter ";;": give one character, such as , or ; or tab`},
		{name: "empty delimiter", cli: "x --column a --delimiter ''", wantErr: `--delimiter "": give one character, such as , or ; or tab`},
		{name: "quote", cli: `x --column a --delimiter '"'`, wantErr: `--delimiter "\"": give one character, such as , or ; or tab`},
		{name: "no file", cli: "--column a", wantErr: "label: a call log file (CSV) is required (see 'contacts label --help')"},
	})
}
