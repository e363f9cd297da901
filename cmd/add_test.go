package cmd

import (
	"testing"

	"github.com/phoneinc/contacts"
)

func TestNewCmdAdd(t *testing.T) {
	testNewCmd(t, newCmdAdd, nil, []flagTest[addOptions]{
		{name: "phone", cli: "--phone +4520123456", want: addOptions{Contact: contacts.NewContact{Phone: "+4520123456"}}},
		{name: "every field",
			cli: `--phone "+45 20 12 34 56" --name "Niklas Stephenson" --email niklas@stephenson.dk --company-name "Stephenson ApS" --note "Always asks."`,
			want: addOptions{Contact: contacts.NewContact{Phone: "+45 20 12 34 56", Name: "Niklas Stephenson", Email: "niklas@stephenson.dk",
				CompanyName: "Stephenson ApS", Note: "Always asks."}}},
		{name: "phone as typed, empty", cli: "--phone ''"},
		{name: "note file", cli: "--phone 1 --note-file note.txt", want: addOptions{Contact: contacts.NewContact{Phone: "1"}, NoteFile: "note.txt"}},
		{name: "note from stdin", cli: "--phone 1 --note-file -", want: addOptions{Contact: contacts.NewContact{Phone: "1"}, NoteFile: "-"}},
		{name: "no phone", cli: "--name Ada", wantErr: "add needs --phone (see 'contacts add --help')"},
		{name: "no flags", cli: "", wantErr: "add needs --phone (see 'contacts add --help')"},
		{name: "note and note file", cli: "--phone 1 --note a --note-file b", wantErr: "--note and --note-file cannot be used together"},
		{name: "empty note and note file", cli: "--phone 1 --note '' --note-file b", wantErr: "--note and --note-file cannot be used together"},
		{name: "note file without a name", cli: "--phone 1 --note-file ''", wantErr: "--note-file needs a file name (- for standard input)"},
		{name: "an argument", cli: "--phone 1 Ada", wantErr: `unknown command "Ada" for "contacts add" (see 'contacts add --help')`},
		{name: "flag without value", cli: "--phone", wantErr: "flag needs an argument: --phone (see 'contacts add --help')"},
	})
}
